"""Bilingual UI text. Chinese first, English second; a program shows one language at a time
and can switch at runtime (the kiosk's 中文/English button), or both at once on hall screens."""

from __future__ import annotations

from typing import Any


class Language:
    def __init__(self, code: str = "zh") -> None:
        self.code = code

    def pick(self, zh: str, en: str) -> str:
        return en if self.code == "en" and en else zh

    def of(self, data: dict[str, Any] | None, key: str = "name") -> str:
        """``{"name_zh": .., "name_en": ..}`` or ``{"zh": .., "en": ..}`` in the current language."""
        if not data:
            return ""
        if "zh" in data or "en" in data:
            return self.pick(str(data.get("zh", "")), str(data.get("en", "")))
        return self.pick(str(data.get(f"{key}_zh", "")), str(data.get(f"{key}_en", "")))

    def toggle(self) -> None:
        self.code = "en" if self.code == "zh" else "zh"


def both(zh: str, en: str) -> str:
    return f"{zh}  {en}" if en else zh
