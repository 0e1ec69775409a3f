"""The sender loop: one thread per server process drains the outbox (db.notifications).

Each round, for every hall: claim the due messages (a lease), send each through the gateway
outside any transaction, and mark it sent — or failed, with its next try after hall.sms's
exponential backoff, or given up after the hall's maximum tries. Two server processes on one
PostgreSQL claim disjoint rows (``FOR UPDATE SKIP LOCKED``), so no message is sent twice by them.
Every minute the numbers in clear no longer needed are erased.

A gateway that fails or hangs slows only this thread: hall operations only queue messages.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from db.notifications import NotificationOps, Outgoing
from hall.sms import SmsSettings, parse_sms, render
from server.notify.gateways import GatewayError, Sms, SmsGateway

log = logging.getLogger(__name__)


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    lost_claims: int = 0
    errors: list[str] = field(default_factory=list)


class NotifySender:
    def __init__(
        self,
        store: NotificationOps,
        gateway: SmsGateway,
        settings: SmsSettings | None = None,
        poll_seconds: float = 1.0,
        batch: int = 20,
        lease_seconds: float = 60.0,
        erase_every: float = 60.0,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.settings = settings or SmsSettings()
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.erase_every = erase_every
        self.owner = secrets.token_hex(8)  # this sender's name on its claims
        self.stats = SenderStats()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_erase = 0.0

    def start(self) -> NotifySender:
        self._thread = threading.Thread(target=self._run, name="hallq-sms", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look at the outbox now (e.g. after a commit that queued a message)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception as error:  # a database outage: try again next round
                log.warning("短信发送轮次失败 / SMS round failed: %s", error)
                busy = 0
            if busy < self.batch:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_once(self) -> int:
        """One round over every hall; the number of messages tried."""
        tried = 0
        for hall_id in self.store.notification_halls():
            for message in self.store.claim_messages(hall_id, self.owner, self.batch, self.lease_seconds):
                if self._stop.is_set():
                    return tried
                self._send(message)
                tried += 1
            if time.monotonic() - self._last_erase >= self.erase_every:
                self.store.erase_numbers(hall_id)
        if time.monotonic() - self._last_erase >= self.erase_every:
            self._last_erase = time.monotonic()
        return tried

    def _send(self, message: Outgoing) -> None:
        sms = Sms(
            phone=message.phone,
            text=render(self.settings, message.kind, message.hall_name, message.params),
            kind=message.kind,
            request_id=f"{message.hall_id}:{message.dedupe_key}",
            template=self.settings.provider_templates.get(message.kind, ""),
            params={**message.params, "hall": self.settings.sign or message.hall_name},
            sign=self.settings.sign or message.hall_name,
        )
        try:
            self.gateway.send(sms)
        except GatewayError as error:
            status = self.store.mark_failed(message.hall_id, message.id, self.owner, str(error), self.settings.max_attempts)
            self.stats.failed += 1
            if status == "given_up":
                self.stats.given_up += 1
                log.warning("短信已放弃 / SMS given up: #%s %s %s", message.id, message.phone_masked, error)
            return
        if self.store.mark_sent(message.hall_id, message.id, self.owner):
            self.stats.sent += 1
        else:
            self.stats.lost_claims += 1


CONFIG_VARIABLE = "HALLQ_SMS_CONFIG"


def sms_settings_from_environment(environ: Mapping[str, str] | None = None) -> SmsSettings:
    """The ``[sms]`` table of the TOML file named by ``HALLQ_SMS_CONFIG`` (hall.sms.parse_sms),
    with ``HALLQ_SMS_URL`` / ``HALLQ_SMS_KEY`` taking precedence when set."""
    from server.notify.gateways import KEY_VARIABLE, URL_VARIABLE

    environ = os.environ if environ is None else environ
    settings = SmsSettings()
    path = environ.get(CONFIG_VARIABLE, "")
    if path:
        with open(path, "rb") as source:
            settings = parse_sms(tomllib.load(source).get("sms", {}))
    url, key = environ.get(URL_VARIABLE, "") or settings.url, environ.get(KEY_VARIABLE, "") or settings.key
    return replace(settings, url=url, key=key)


def sender_from_environment(store: NotificationOps, environ: Mapping[str, str] | None = None) -> NotifySender | None:
    """A sender on the gateway of :func:`sms_settings_from_environment`; None when no URL is set
    (messages then wait in the outbox, and the daily retention erases their numbers)."""
    from server.notify.gateways import gateway_from_url

    settings = sms_settings_from_environment(environ)
    if not settings.url:
        return None
    return NotifySender(store, gateway_from_url(settings.url, settings.key), settings)
