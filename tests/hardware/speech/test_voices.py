"""Voice choice by language, for espeak-ng and SAPI5 voice lists (no engine needed)."""

from __future__ import annotations

from hall.announcements import Lang
from hardware.speech.voices import VoiceInfo, pick_voice

ESPEAK = [
    VoiceInfo("gmw/en", "English_(Great_Britain)", ("en-gb",)),
    VoiceInfo("gmw/en-us", "English_(America)", ("en-us",)),
    VoiceInfo("sit/cmn", "Chinese_(Mandarin,_latin_as_English)", ("cmn",)),
    VoiceInfo("sit/cmn-latn-pinyin", "Chinese_(Mandarin,_latin_as_Pinyin)", ("cmn-latn-pinyin",)),
    VoiceInfo("sit/yue", "Chinese_(Cantonese)", ("yue",)),
]
TOKENS = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Speech\\Voices\\Tokens\\"
SAPI5 = [
    VoiceInfo(TOKENS + "TTS_MS_ZH-HK_TRACY_11.0", "Microsoft Tracy Desktop - Chinese(Traditional, HongKong SAR)", ("zh-HK",)),
    VoiceInfo(TOKENS + "TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)", ("en-US",)),
    VoiceInfo(TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop - Chinese (Simplified)", ("zh-CN",)),
]


def test_espeak_prefers_the_pinyin_mandarin_voice() -> None:
    assert pick_voice(ESPEAK, Lang.ZH) == "sit/cmn-latn-pinyin"
    assert pick_voice(ESPEAK, Lang.EN) == "gmw/en-us"


def test_espeak_without_the_pinyin_voice_falls_back_to_cmn_never_cantonese() -> None:
    voices = [v for v in ESPEAK if v.id != "sit/cmn-latn-pinyin"]
    assert pick_voice(voices, Lang.ZH) == "sit/cmn"
    assert pick_voice([v for v in voices if v.id != "sit/cmn"], Lang.ZH) is None


def test_sapi5_picks_mandarin_by_locale_not_hong_kong() -> None:
    assert pick_voice(SAPI5, Lang.ZH) == TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0"
    assert pick_voice(SAPI5, Lang.EN) == TOKENS + "TTS_MS_EN-US_ZIRA_11.0"
    assert pick_voice(SAPI5[:2], Lang.ZH) is None


def test_configured_voice_wins_and_a_missing_one_is_not_substituted() -> None:
    assert pick_voice(ESPEAK, Lang.ZH, "sit/cmn") == "sit/cmn"
    assert pick_voice(ESPEAK, Lang.ZH, "SIT/CMN-Latn-Pinyin") == "sit/cmn-latn-pinyin"
    assert pick_voice(ESPEAK, Lang.ZH, "cmn-latn-pinyin") == "sit/cmn-latn-pinyin"
    assert pick_voice(SAPI5, Lang.ZH, "Microsoft Huihui Desktop - Chinese (Simplified)") == TOKENS + "TTS_MS_ZH-CN_HUIHUI_11.0"
    assert pick_voice(ESPEAK, Lang.ZH, "no-such-voice") is None
