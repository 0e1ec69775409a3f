"""What keypad frames mean: recorded frames for every key and rater key, and the server's frames."""

from __future__ import annotations

import pytest

from hall.tickets import Action, RatingLevel
from hardware.serial.framing import Frame, FrameDecoder
from hardware.serial.keypad_protocol import (
    Ignored,
    KeyAction,
    KeypadParser,
    KeyPressed,
    RaterPressed,
    beep_frame,
    display_frame,
    key_frame,
    rater_frame,
)

# Recorded frames, keypad address 01 (hand-checked: CS = ADDR + FUNC + DATA mod 256).
KEY_FRAMES: dict[KeyAction, str] = {
    KeyAction.CALL_NEXT: "FF 68 03 03 68 01 01 0C 0E 16",
    KeyAction.RECALL: "FF 68 03 03 68 01 01 0D 0F 16",
    KeyAction.FINISH: "FF 68 03 03 68 01 01 0B 0D 16",
    KeyAction.PAUSE: "FF 68 03 03 68 01 01 12 14 16",
    KeyAction.TRANSFER: "FF 68 03 03 68 01 01 13 15 16",
    KeyAction.NO_SHOW: "FF 68 04 04 68 01 01 0F 01 12 16",
    KeyAction.PARK: "FF 68 04 04 68 01 01 0F 02 13 16",
    KeyAction.CALL_BACK: "FF 68 04 04 68 01 01 0F 03 14 16",
}

# Rater on address 21 (0x15).
RATER_FRAMES: dict[RatingLevel, str] = {
    RatingLevel.VERY_SATISFIED: "FF 68 03 03 68 15 11 01 27 16",
    RatingLevel.SATISFIED: "FF 68 03 03 68 15 11 02 28 16",
    RatingLevel.BASIC: "FF 68 03 03 68 15 11 03 29 16",
    RatingLevel.DISSATISFIED: "FF 68 03 03 68 15 11 04 2A 16",
}

WINDOWS = {0x01: 1, 0x02: 2, 0x15: 1}


def decode(hex_frame: str) -> Frame:
    (frame,) = FrameDecoder().feed(bytes.fromhex(hex_frame))
    assert isinstance(frame, Frame)
    return frame


@pytest.mark.parametrize("action", list(KeyAction))
def test_every_key_recorded_frame(action: KeyAction) -> None:
    assert key_frame(0x01, action) == bytes.fromhex(KEY_FRAMES[action])
    parsed = KeypadParser(WINDOWS).parse(decode(KEY_FRAMES[action]), now=0.0)
    assert parsed == KeyPressed(addr=0x01, action=action, window=1)


@pytest.mark.parametrize("level", list(RATER_FRAMES))
def test_every_rater_key_recorded_frame(level: RatingLevel) -> None:
    assert rater_frame(0x15, level) == bytes.fromhex(RATER_FRAMES[level])
    parsed = KeypadParser(WINDOWS).parse(decode(RATER_FRAMES[level]), now=0.0)
    assert parsed == RaterPressed(addr=0x15, level=level, window=1)


def test_four_key_rater_has_no_very_dissatisfied() -> None:
    with pytest.raises(ValueError, match="4-key rater"):
        rater_frame(0x15, RatingLevel.VERY_DISSATISFIED)
    parsed = KeypadParser().parse(Frame(0x15, 0x11, b"\x05"), now=0.0)
    assert isinstance(parsed, Ignored)


def test_key_actions_are_counter_action_names() -> None:
    assert KeyAction.CALL_NEXT.ticket_action is Action.CALL
    assert KeyAction.FINISH.ticket_action is Action.FINISH
    assert KeyAction.CALL_BACK.ticket_action is Action.CALL_BACK
    assert KeyAction.PAUSE.ticket_action is None
    assert KeyAction.PAUSE == "pause"


def test_function_key_and_digit_as_two_frames() -> None:
    parser = KeypadParser(WINDOWS)
    assert parser.parse(Frame(0x02, 0x01, b"\x0f"), now=10.0) is None
    assert parser.parse(Frame(0x02, 0x01, b"\x02"), now=11.0) == KeyPressed(0x02, KeyAction.PARK, 2)


def test_function_prefix_is_per_address() -> None:
    parser = KeypadParser(WINDOWS)
    assert parser.parse(Frame(0x01, 0x01, b"\x0f"), now=0.0) is None
    digit_elsewhere = parser.parse(Frame(0x02, 0x01, b"\x01"), now=0.1)
    assert isinstance(digit_elsewhere, Ignored) and digit_elsewhere.quiet
    assert parser.parse(Frame(0x01, 0x01, b"\x01"), now=0.2) == KeyPressed(0x01, KeyAction.NO_SHOW, 1)


def test_function_prefix_expires() -> None:
    parser = KeypadParser(prefix_timeout=5.0)
    assert parser.parse(Frame(0x01, 0x01, b"\x0f"), now=0.0) is None
    late = parser.parse(Frame(0x01, 0x01, b"\x03"), now=6.0)
    assert isinstance(late, Ignored)


def test_other_key_after_function_prefix_cancels_it() -> None:
    parser = KeypadParser()
    parser.parse(Frame(0x01, 0x01, b"\x0f"), now=0.0)
    assert parser.parse(Frame(0x01, 0x01, b"\x0c"), now=0.5) == KeyPressed(0x01, KeyAction.CALL_NEXT)
    assert isinstance(parser.parse(Frame(0x01, 0x01, b"\x01"), now=0.6), Ignored)


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (Frame(0x01, 0x01, b""), "without a key code"),
        (Frame(0x01, 0x01, b"\x7e"), "unknown key code"),
        (Frame(0x01, 0x01, b"\x0f\x09"), "unknown digit"),
        (Frame(0x01, 0x11, b""), "unknown rater key"),
        (Frame(0x01, 0x42, b"\x01"), "unknown function code"),
    ],
)
def test_frames_hallq_does_not_understand_are_ignored(frame: Frame, reason: str) -> None:
    parsed = KeypadParser().parse(frame, now=0.0)
    assert isinstance(parsed, Ignored)
    assert reason in parsed.reason
    assert not parsed.quiet


def test_echo_of_server_frames_is_ignored_quietly() -> None:
    parser = KeypadParser()
    for raw in (display_frame(1, "A023"), beep_frame(1)):
        parsed = parser.parse(decode(raw.hex(" ")), now=0.0)
        assert isinstance(parsed, Ignored) and parsed.quiet


def test_unmapped_address_has_no_window() -> None:
    assert KeypadParser(WINDOWS).parse(Frame(0x33, 0x01, b"\x0c"), now=0.0) == KeyPressed(0x33, KeyAction.CALL_NEXT, None)


def test_display_frame_byte_exact() -> None:
    assert display_frame(0x01, "A023") == bytes.fromhex("FF 68 08 08 68 01 02 20 41 30 32 33 20 19 16")
    assert display_frame(0x01, " A023 ") == display_frame(0x01, "A023")
    assert display_frame(0x02, "A023 5") == bytes.fromhex("FF 68 08 08 68 02 02 41 30 32 33 20 35 2F 16")
    assert display_frame(0x03, "") == bytes.fromhex("FF 68 08 08 68 03 02 20 20 20 20 20 20 C5 16")


def test_beep_frame_byte_exact() -> None:
    assert beep_frame(0x01) == bytes.fromhex("FF 68 02 02 68 01 03 04 16")
    assert beep_frame(0x15) == bytes.fromhex("FF 68 02 02 68 15 03 18 16")


@pytest.mark.parametrize("text", ["A0234567", "叫号", "A0\n23"])
def test_display_refuses_what_a_keypad_cannot_show(text: str) -> None:
    with pytest.raises(ValueError, match="keypad display"):
        display_frame(0x01, text)
