"""The hall's side of what flows down from the city: the catalogue (事项, materials, 承诺时限, fees)
and the city's notices.

The city link's thread (server/city_link.py) calls :meth:`CityDownlinkFetcher.poll_if_due` after
each of its steps, on the link's own HTTP client and TLS credential: every ``downlink_seconds``,
and at once when the link comes back up. One poll:

    GET  /city/api/downlink          the newest version of each kind meant for this hall (the city
                                     answers for the hall its certificate names, no other)
    apply a newer version in one transaction with its audit entry (db/city_downlink.py); a broken
                                     one is refused with a bilingual reason and nothing changes
    POST /city/api/downlink/ack      applied (or refused, with the reason) — also when the city's
                                     record of the hall lags (an ack lost with the link)

Versions are whole: a hall that was offline for three publications applies only the newest. A
failed poll is recorded (the manager console shows it) and changes nothing else: the hall serves on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import exc as sa_exc

from db.city_downlink import applied_versions, apply_version, record_check
from db.config_ops import ConfigStore
from hall.catalogue import KINDS
from hall.text import HallRuleError

log = logging.getLogger(__name__)

DOWNLINK_PATH = "/city/api/downlink"
ACK_PATH = "/city/api/downlink/ack"
DOWNLINK_SECONDS = 30.0


@dataclass
class DownlinkState:
    """What this process knows of the downlink (the database holds the rest, for the console)."""

    polls: int = 0
    failures: int = 0
    applied: dict[str, int] = field(default_factory=dict)  # kind -> version applied by this process
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)  # kind -> (version, reason)
    last_error: str = ""


class CityDownlinkFetcher:
    def __init__(self, store: ConfigStore, hall_id: int, every_seconds: float = DOWNLINK_SECONDS) -> None:
        self.store = store
        self.hall_id = hall_id
        self.every_seconds = every_seconds
        self.state = DownlinkState()
        self._next_poll = 0.0  # monotonic; 0: at the first chance

    def poll_if_due(self, client: httpx.Client, link_came_up: bool = False) -> bool:
        """Poll when the interval has passed or the link has just come back; True if it polled."""
        now = time.monotonic()
        if not link_came_up and now < self._next_poll:
            return False
        self._next_poll = now + self.every_seconds
        self.poll(client)
        return True

    def poll(self, client: httpx.Client) -> None:
        """One fetch, apply and acknowledge. Never raises: the link's thread must live on."""
        self.state.polls += 1
        try:
            response = client.get(DOWNLINK_PATH)
            body = json_body(response)
            if response.status_code != 200:
                self._failed(f"HTTP {response.status_code} {body.get('error', '')}".strip())
                return
            refused = self._apply_offers(client, body)
        except (httpx.TransportError, OSError) as error:
            self._failed(f"{type(error).__name__}: {error}")
            return
        except (sa_exc.SQLAlchemyError, HallRuleError) as error:  # the hall's own database busy or down
            log.warning("城市下发未能写入本地数据库 / could not store what the city sent: %s", error)
            self.state.last_error = str(error)[:300]
            return
        except Exception as error:  # a bug here must not end the link's thread: events keep flowing up
            log.exception("城市下发处理失败 / handling what the city sent failed")
            self._failed(f"{type(error).__name__}: {error}")
            return
        self.state.last_error = ""
        self._record(refused=refused)

    def _apply_offers(self, client: httpx.Client, body: dict[str, Any]) -> dict[str, str]:
        """Apply what is newer than the hall runs; returns the reasons of versions refused now."""
        running = applied_versions(self.store, self.hall_id)
        reported = body.get("reported") if isinstance(body.get("reported"), dict) else {}
        refused: dict[str, str] = {}
        for kind in KINDS:
            offer = body.get(kind)
            if not isinstance(offer, dict) or not isinstance(offer.get("version"), int):
                continue
            version, payload = int(offer["version"]), offer.get("payload")
            current = running.get(kind, 0)
            if version <= current:
                if current and reported.get(kind) != current:
                    self._ack(client, kind, current, True, "")  # the city missed our last word
                continue
            earlier = self.state.refused.get(kind)
            if earlier is not None and earlier[0] == version:
                refused[kind] = earlier[1]  # refused already and said so: not again each poll
                continue
            try:
                detail = apply_version(self.store, self.hall_id, kind, version, payload if isinstance(payload, dict) else {})
            except HallRuleError as error:
                if error.code != "bad_config":
                    raise
                reason = f"{error.message.zh} / {error.message.en}"
                log.error("拒绝市级下发的%s第 %s 版 / refused the city's %s version %s: %s", kind, version, kind, version, reason)
                self.state.refused[kind] = (version, reason)
                refused[kind] = reason
                self._ack(client, kind, version, False, reason)
                continue
            log.warning("已应用市级下发的%s第 %s 版 / applied the city's %s version %s: %s", kind, version, kind, version, detail)
            self.state.applied[kind] = version
            self.state.refused.pop(kind, None)
            self._ack(client, kind, version, True, "")
        return refused

    def _ack(self, client: httpx.Client, kind: str, version: int, applied: bool, message: str) -> None:
        """Tell the city; a lost ack is repeated at the next poll (``reported`` shows it missing)."""
        response = client.post(ACK_PATH, json={"kind": kind, "version": version, "applied": applied, "message": message[:600]})
        if response.status_code != 200:
            log.warning("city did not take the %s ack for version %s: HTTP %s", kind, version, response.status_code)

    def _failed(self, reason: str) -> None:
        state = self.state
        state.failures += 1
        state.last_error = reason[:300]
        self._record(error=reason)

    def _record(self, error: str = "", refused: dict[str, str] | None = None) -> None:
        try:
            record_check(self.store, self.hall_id, self.store.clock.now(), error, refused)  # the hall's clock, as applied_at
        except (sa_exc.SQLAlchemyError, HallRuleError) as db_error:
            log.warning("could not record the city poll: %s", db_error)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """A response's JSON object, or {} (not JSON, or not an object)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
