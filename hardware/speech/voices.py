"""Choosing a voice for a language from what the speech engine offers.

espeak-ng (Linux) names voices by file (``sit/cmn-latn-pinyin``, ``gmw/en-us``); SAPI5 (Windows)
by registry token with a locale (``zh-CN``, ``en-US``) and a name (Microsoft Huihui, Zira).
The rules here are pure so they can be tested without either engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hall.announcements import Lang

# espeak-ng: cmn-latn-pinyin reads Chinese far better than the default ``sit/cmn`` (which falls
# back to English letter rules for many characters) and reads single Latin letters by their
# Chinese-style names.
PREFERRED_IDS: dict[Lang, tuple[str, ...]] = {
    Lang.ZH: ("sit/cmn-latn-pinyin", "sit/cmn"),
    Lang.EN: ("gmw/en-us", "gmw/en"),
}
# Locale prefixes in order of preference. Cantonese (zh-HK, yue) is not Mandarin: never picked.
LOCALES: dict[Lang, tuple[str, ...]] = {
    Lang.ZH: ("zh-cn", "cmn-latn-pinyin", "cmn", "zh-sg", "zh", "zh-tw"),
    Lang.EN: ("en-us", "en-gb", "en"),
}
EXCLUDED_LOCALES: dict[Lang, tuple[str, ...]] = {Lang.ZH: ("zh-hk", "zh-yue", "yue"), Lang.EN: ()}
NAME_HINTS: dict[Lang, tuple[str, ...]] = {
    Lang.ZH: ("huihui", "yaoyao", "kangkang", "xiaoxiao", "mandarin", "chinese (simplified", "chinese"),
    Lang.EN: ("zira", "david", "english"),
}


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str = ""
    languages: tuple[str, ...] = ()


def pick_voice(voices: Sequence[VoiceInfo], lang: Lang, wanted: str | None = None) -> str | None:
    """The id of the voice to use for ``lang``, or None when the engine has none.

    ``wanted`` (from configuration) is matched by id or name, case-insensitively, and wins when
    present; when it is absent from the engine the answer is None, not a silent substitute."""
    if wanted:
        w = wanted.lower()
        for voice in voices:
            if voice.id.lower() == w or voice.name.lower() == w:
                return voice.id
        for voice in voices:
            if voice.id.lower().endswith("/" + w) or voice.id.lower().endswith("\\" + w):
                return voice.id
        return None
    by_id = {v.id.lower(): v for v in voices}
    for preferred in PREFERRED_IDS[lang]:
        if preferred in by_id:
            return by_id[preferred].id

    def locales(voice: VoiceInfo) -> list[str]:
        return [code.lower().replace("_", "-") for code in voice.languages]

    usable = [v for v in voices if not any(code.startswith(EXCLUDED_LOCALES[lang]) for code in locales(v))]
    for locale in LOCALES[lang]:
        for voice in usable:
            if any(code == locale or code.startswith(locale + "-") for code in locales(voice)):
                return voice.id
    for hint in NAME_HINTS[lang]:
        for voice in usable:
            if hint in voice.name.lower():
                return voice.id
    return None
