"""The hall's link to the city: a shipper thread that sends the event outbox up, in order.

Off unless the hall's configuration names a city (``[city]`` table: url, cert, key, ca). The
shipper runs in its own thread with its own HTTP client: no request of the hall ever waits for
the city, and the city being down only grows the backlog (the outbox is the hall's own table).

Protocol (the city's side is city/app.py):
    POST /city/api/ingest  {"hall": code, "head_seq": n, "events": [{seq, kind, data, created_at}, ...]}
    200 {"acked_seq": n}                  applied (or already held: a replay changes nothing)
    409 {"error": "seq_gap", "expected_seq": n}   the batch does not start where the city is
    403 wrong hall / revoked hall, 409 hall_rewound (the hall's outbox ends before the city's ack)
                                           refused; retried slowly, logged loudly
The city's acked seq is the truth: the shipper resumes from it, even backwards (a city restored
from a backup gets the missing events again). Mutual TLS: the hall's certificate, issued by the
city's CA, names the hall (its common name is the hall code).
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import exc as sa_exc

from db.city_outbox import CityOutbox
from db.config_ops import ConfigStore
from hall.config import ConfigError
from server.city_downlink import DOWNLINK_SECONDS, CityDownlinkFetcher
from server.city_downlink import json_body as _json

log = logging.getLogger(__name__)

INGEST_PATH = "/city/api/ingest"
BATCH_EVENTS = 500
HEARTBEAT_SECONDS = 10.0  # an empty batch when idle: the city sees the link alive and the head seq
CURSOR_SAVE_SECONDS = 5.0  # the hall's own cursor row is written at most this often
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
REFUSED_RETRY_SECONDS = 300.0  # a 403 (revoked, wrong hall) is not cured by hammering
# Between two batches of a backlog: the hall's own requests get the GIL and the read engine.
BACKLOG_PAUSE_SECONDS = 0.005


@dataclass(frozen=True)
class CityLinkConfig:
    url: str
    cert: Path
    key: Path
    ca: Path
    batch_events: int = BATCH_EVENTS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    backoff_max_seconds: float = BACKOFF_MAX
    downlink_seconds: float = DOWNLINK_SECONDS  # how often the catalogue and notices are fetched (server/city_downlink.py)


def parse_city_link(table: dict[str, Any], base: Path) -> CityLinkConfig:
    """The ``[city]`` table of a hall's configuration; relative file names are beside the file."""
    values: dict[str, str] = {}
    for key in ("url", "cert", "key", "ca"):
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"city.{key}", f"缺少“{key}”或不是文字", f"'{key}' is missing or not a string")
        values[key] = value.strip()
    if not values["url"].startswith("https://"):
        raise ConfigError("city.url", "市级服务器地址必须以 https:// 开头", "the city URL must start with https://")
    files = {key: (base / values[key]) for key in ("cert", "key", "ca")}
    for key, path in files.items():
        if not path.is_file():
            raise ConfigError(f"city.{key}", f"找不到文件 {path}", f"no such file {path}")
    batch = table.get("batch_events", BATCH_EVENTS)
    if not isinstance(batch, int) or isinstance(batch, bool) or not 1 <= batch <= 5000:
        raise ConfigError("city.batch_events", "每批事件数应在 1–5000 之间", "batch_events must be 1-5000")
    seconds: dict[str, float] = {}
    for key, default in (("heartbeat_seconds", HEARTBEAT_SECONDS), ("backoff_max_seconds", BACKOFF_MAX), ("downlink_seconds", DOWNLINK_SECONDS)):
        value = table.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0.1 <= value <= 3600:
            raise ConfigError(f"city.{key}", "应为 0.1–3600 秒", "must be 0.1-3600 seconds")
        seconds[key] = float(value)
    return CityLinkConfig(values["url"].rstrip("/"), files["cert"], files["key"], files["ca"], batch, **seconds)


def load_city_link(path: Path | str) -> CityLinkConfig | None:
    """The city link a hall configuration file names, or None (the hall works alone)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # load_config reports what is wrong with the file
    table = data.get("city")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("city", "应为一个表 [city]", "must be a table [city]")
    return parse_city_link(table, path.parent)


def client_context(config: CityLinkConfig) -> ssl.SSLContext:
    """Verify the city against the city CA only; present the hall's certificate."""
    context = ssl.create_default_context(cafile=str(config.ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(config.cert), str(config.key))
    return context


@dataclass
class LinkState:
    """What the hall knows about its link (for the log and the tests)."""

    up: bool = False
    acked_seq: int = 0
    head_seq: int = 0
    shipped_batches: int = 0
    failures: int = 0
    refused: str = ""
    last_error: str = ""
    last_contact: float = 0.0  # monotonic
    shipped_events: int = 0  # new to the city (as it acknowledged them)
    cpu_seconds: float = 0.0  # the shipper thread's own CPU time (its cost to the hall, for the bench)


class CityShipper:
    """Ships one hall's outbox to the city from a daemon thread. ``wake`` (a commit listener)
    sends new events at once; otherwise the outbox is looked at every second."""

    def __init__(
        self, outbox: CityOutbox, config: CityLinkConfig, poll_seconds: float = 1.0, downlink: CityDownlinkFetcher | None = None
    ) -> None:
        self.outbox = outbox
        self.downlink = downlink  # the catalogue and notices, fetched on this thread's client
        self.config = config
        self.poll_seconds = poll_seconds
        self.state = LinkState()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hallq-city-shipper", daemon=True)
        self._hall_code = ""
        self._cursor_saved_at = 0.0
        self._cursor_saved_seq = -1

    def start(self) -> CityShipper:
        self._hall_code = self.outbox.hall_code()
        self.state.acked_seq = self.outbox.cursor()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)
        self._save_cursor(force=True)

    def wake(self, _hall_id: int = 0, _seq: int = 0) -> None:
        self._wake.set()

    # ------------------------------------------------------------------ the loop

    def _run(self) -> None:
        with httpx.Client(base_url=self.config.url, verify=client_context(self.config), timeout=15.0) as client:
            while not self._stop.is_set():
                self._wake.clear()  # before reading: a commit during the step wakes the next wait
                cpu = time.thread_time()
                was_up = self.state.up
                delay = self._step(client)
                if self.downlink is not None and not self.state.refused:
                    self.downlink.poll_if_due(client, link_came_up=self.state.up and not was_up)
                self.state.cpu_seconds += time.thread_time() - cpu
                if delay == self.poll_seconds:
                    self._wake.wait(delay)  # idle: a new commit sends at once
                elif delay > 0:
                    self._stop.wait(delay)  # backing off: new commits do not cut it short

    def _step(self, client: httpx.Client) -> float:
        """One batch (or heartbeat); returns how long to wait before the next."""
        state = self.state
        try:
            batch = self.outbox.after(state.acked_seq, self.config.batch_events)
            idle = not batch and time.monotonic() - state.last_contact < self.config.heartbeat_seconds
            if idle:
                return self.poll_seconds
            state.head_seq = batch[-1].seq if len(batch) < self.config.batch_events and batch else self.outbox.head_seq()
            payload = {"hall": self._hall_code, "head_seq": state.head_seq, "events": [event.to_wire() for event in batch]}
            response = client.post(INGEST_PATH, json=payload)
        except (httpx.TransportError, OSError, sa_exc.SQLAlchemyError) as error:
            return self._failed(f"{type(error).__name__}: {error}")
        return self._answered(response, bool(batch))

    def _answered(self, response: httpx.Response, sent_events: bool) -> float:
        state = self.state
        body = _json(response)
        if response.status_code == 200 and isinstance(body.get("acked_seq"), int):
            if not state.up:
                log.warning("城市链路已连通 / city link up (acked seq %s)", body["acked_seq"])
            state.up, state.failures, state.refused, state.last_contact = True, 0, "", time.monotonic()
            state.shipped_events += max(0, body["acked_seq"] - state.acked_seq)
            state.acked_seq = body["acked_seq"]  # the city's word, even when it is behind ours
            state.shipped_batches += 1 if sent_events else 0
            self._save_cursor()
            backlog = state.head_seq > state.acked_seq
            return BACKLOG_PAUSE_SECONDS if backlog else (0.0 if sent_events else self.poll_seconds)
        if response.status_code == 409 and isinstance(body.get("expected_seq"), int):
            state.acked_seq = body["expected_seq"] - 1  # resume where the city is
            state.last_contact = time.monotonic()
            return 0.0
        if response.status_code == 403 or (response.status_code == 409 and body.get("error") == "hall_rewound"):
            # Revoked, a certificate of another hall, or this hall's outbox behind the city's:
            # retrying fast cures none of these; a person must.
            state.up, state.refused = False, str(body.get("error", "forbidden"))
            log.error("城市服务器拒绝本大厅（%s）/ the city refuses this hall (%s)", state.refused, state.refused)
            return REFUSED_RETRY_SECONDS
        return self._failed(f"HTTP {response.status_code} {body.get('error', '')}".strip())

    def _failed(self, reason: str) -> float:
        state = self.state
        if state.up or state.failures == 0:
            log.warning("城市链路中断，事件留在本地稍后补传 / city link down, events kept to send later: %s", reason)
        state.up, state.last_error = False, reason
        state.failures += 1
        delay = min(self.config.backoff_max_seconds, BACKOFF_FIRST * 2 ** min(state.failures - 1, 10))
        return delay * random.uniform(0.8, 1.2)  # halls that lost the city together do not return together

    def _save_cursor(self, force: bool = False) -> None:
        now = time.monotonic()
        acked = self.state.acked_seq
        if acked == self._cursor_saved_seq or (not force and now - self._cursor_saved_at < CURSOR_SAVE_SECONDS):
            return
        try:
            self.outbox.save_cursor(acked, datetime.now(UTC))
        except sa_exc.SQLAlchemyError as error:  # the hall database busy or down: the city still holds the truth
            log.warning("could not save the city cursor: %s", error)
            return
        self._cursor_saved_at, self._cursor_saved_seq = now, acked


def start_city_shipper(store: ConfigStore, hall_id: int, config: CityLinkConfig) -> CityShipper:
    """Ship ``hall_id``'s outbox to the city from now on, and fetch what the city sends down;
    every commit wakes the shipper."""
    downlink = CityDownlinkFetcher(store, hall_id, config.downlink_seconds)
    shipper = CityShipper(CityOutbox(store.engines, hall_id), config, downlink=downlink)
    store.add_commit_listener(shipper.wake)
    return shipper.start()
