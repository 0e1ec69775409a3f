"""Bilingual messages. Chinese is the first language, English the second."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


class HallRuleError(Exception):
    """A request the hall's rules refuse. Carries a stable code and a message in both languages."""

    def __init__(self, code: str, zh: str, en: str, status: int = 409, retry_after: int | None = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.code = code
        self.message = Bilingual(zh, en)
        self.status = status
        self.retry_after = retry_after  # seconds, sent as Retry-After (a locked login, 429)
