"""SMS gateways, chosen by URL (``HALLQ_SMS_URL`` or ``hallq server --sms``):

- ``log:///path/sent.jsonl`` (or ``log:`` for the log only): the demo's and the tests' fake. No
  message leaves the machine; each one is a JSON line with the masked number and the text.
- ``http://host/path`` / ``https://...``: a generic HTTP SMS provider. Each message is one POST of
  JSON ``{"phone", "text", "template", "params", "request_id", "sign"}`` with the key as
  ``Authorization: Bearer <key>`` (``HALLQ_SMS_KEY``); any 2xx is sent, anything else (or a
  timeout) is a failure the sender retries. ``request_id`` is the message's dedupe key: a provider
  that honours it drops the rare repeat after a sender died mid-send.

A gateway raises :class:`GatewayError` on failure; it never touches the database.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import httpx

from db.security import mask_phone

log = logging.getLogger(__name__)
URL_VARIABLE = "HALLQ_SMS_URL"
KEY_VARIABLE = "HALLQ_SMS_KEY"


class GatewayError(Exception):
    """The gateway did not take the message (it may be retried)."""


@dataclass(frozen=True)
class Sms:
    phone: str  # in clear: the gateway needs it; never logged
    text: str
    kind: str
    request_id: str
    template: str = ""  # the provider's template id, when the hall configured one
    params: dict[str, str] | None = None
    sign: str = ""


class SmsGateway(Protocol):
    def send(self, sms: Sms) -> None:
        """Hand ``sms`` to the provider; raise GatewayError when it is not taken."""


class LogGateway:
    """Log-only: writes each message as a JSON line (masked number) and keeps the last
    ``KEPT_IN_MEMORY`` in memory (a demo hall runs for days; the file has them all)."""

    KEPT_IN_MEMORY = 200

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.sent: deque[dict[str, str]] = deque(maxlen=self.KEPT_IN_MEMORY)
        self._lock = threading.Lock()

    def send(self, sms: Sms) -> None:
        line = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "kind": sms.kind,
            "phone": mask_phone(sms.phone),
            "text": sms.text,
            "request_id": sms.request_id,
        }
        log.info("短信（演示：未发出）/ SMS (demo: not sent) %s %s", line["phone"], sms.text)
        with self._lock:
            self.sent.append(line)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")


class HttpGateway:
    """A generic HTTP SMS provider (module note). One client, reused; short timeouts so a hung
    provider holds only the sender thread, never a hall operation."""

    def __init__(self, url: str, key: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)), headers={"Authorization": f"Bearer {key}"} if key else {}
        )

    def send(self, sms: Sms) -> None:
        body = {
            "phone": sms.phone,
            "text": sms.text,
            "template": sms.template,
            "params": sms.params or {},
            "request_id": sms.request_id,
            "sign": sms.sign,
        }
        try:
            response = self._client.post(self.url, json=body)
        except httpx.HTTPError as error:
            raise GatewayError(f"{type(error).__name__}: {error}"[:200]) from None
        if not 200 <= response.status_code < 300:
            raise GatewayError(f"HTTP {response.status_code}: {response.text[:120]}")

    def close(self) -> None:
        self._client.close()


def gateway_from_url(url: str, key: str = "") -> SmsGateway:
    parts = urlsplit(url)
    if parts.scheme == "log":
        path = unquote(parts.path)
        return LogGateway(Path(path) if path else None)
    if parts.scheme in ("http", "https") and parts.netloc:
        return HttpGateway(url, key)
    raise ValueError(f"短信网关地址不正确 / unknown SMS gateway URL: {parts.scheme}:")
