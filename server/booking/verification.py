"""Sending a booking's verification code to the citizen's mobile number.

:class:`VerificationSender` is the seam: with an SMS gateway configured, codes go through it
(server.notify.verification). Without one, :class:`LogVerificationSender` (the demo's and the
tests' fake) logs the code with the masked number and keeps the last ones it sent (in memory,
bounded, and as JSON lines in a file when one is named, so tests can read codes sent by a server
in another process).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from db.security import mask_phone

log = logging.getLogger(__name__)
SENT_FILE_VARIABLE = "HALLQ_VERIFICATION_LOG"  # the fake's file in `hallq server` (demo, tests)


@dataclass(frozen=True)
class SentCode:
    phone_masked: str
    code: str
    minutes: int


class VerificationSender(Protocol):
    def send(self, phone: str, code: str, minutes: int) -> None:
        """Send ``code`` (valid ``minutes``) to the mainland mobile number ``phone``. May raise
        on a gateway failure: the page then tells the citizen to try again."""


class LogVerificationSender:
    """Log-only: no message leaves the machine. The full number is never logged or kept."""

    KEPT_IN_MEMORY = 200  # the default sender of a hall without an SMS gateway, running for months

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.sent: deque[SentCode] = deque(maxlen=self.KEPT_IN_MEMORY)
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> LogVerificationSender:
        named = os.environ.get(SENT_FILE_VARIABLE)
        return cls(Path(named) if named else None)

    def send(self, phone: str, code: str, minutes: int) -> None:
        sent = SentCode(mask_phone(phone), code, minutes)
        log.warning(
            "预约验证码 %s 发往 %s（演示：未发短信）/ booking code %s for %s (demo: no SMS sent)",
            code,
            sent.phone_masked,
            code,
            sent.phone_masked,
        )
        with self._lock:
            self.sent.append(sent)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"phone": sent.phone_masked, "code": code, "minutes": minutes}) + "\n")

    def last_code(self, phone_masked: str) -> str | None:
        with self._lock:
            return next((s.code for s in reversed(self.sent) if s.phone_masked == phone_masked), None)
