"""Frames <-> typed keypad messages. Pure: no port, no thread; time is passed in.

What the frames of :mod:`hardware.serial.framing` mean on a hall's call-keypad bus.

Keypad -> server (the clerk's call keypad, 呼叫器)
    ``FUNC 01`` "key pressed", the key code in ``data[0]``. The public vendor sheets we found
    agree on the frame but not on function numbers, so hallq fixes this convention and keeps it
    in one table (:data:`KEY_ACTIONS`) for a hall to adjust:

    ====  ======================  =================================
    key   keypad label            action
    ====  ======================  =================================
    0C    呼叫 / 下一位            call the next ticket
    0D    重呼                    recall the current ticket
    0B    评价 / 办结              finish, then ask the citizen to rate
    12    暂停 / 恢复              pause or resume the window (one key toggles)
    13    转移                    transfer the current ticket
    0F 01 功能 + 1 → 过号          no-show
    0F 02 功能 + 2 → 挂起          park
    0F 03 功能 + 3 → 回呼          call back a parked ticket
    ====  ======================  =================================

    The function key ``0F`` and its digit may come in one frame (``data = 0F 01``) or as two
    key frames from the same address (``0F`` then ``01``) within :data:`PREFIX_TIMEOUT_S`;
    both are accepted. Digit keys alone mean nothing to hallq and are ignored.

Rater -> server (the 4-key rater, 评价器, on the same bus)
    ``FUNC 11``, the key in ``data[0]``: 01 非常满意, 02 满意, 03 基本满意, 04 不满意 — the
    order the keys are printed left to right on common raters. The hall's scale has five levels;
    **a 4-key rater cannot give 非常不满意**, and it cannot tick the reasons for a 差评 either.
    A hall that needs the full scale puts the tablet pad (pad/) at the window instead.

Server -> keypad
    ``FUNC 02`` shows six ASCII characters on the keypad's display (``" A023 "``, ``"A023 5"``);
    ``FUNC 03`` beeps. The bus has no acknowledgement: the clerk sees the display change.
    Frames with these function codes arriving *at* the server are our own writes echoed by a
    half-duplex RS-485 adapter (or by ``loop://``) and are ignored.

Keypad addresses map to window numbers through a small dict from the hall's device config;
messages carry both so the consumer can route by window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hall.text import Bilingual
from hall.tickets import Action, RatingLevel
from hardware.serial.framing import Frame, encode_frame

FUNC_KEY = 0x01
FUNC_DISPLAY = 0x02
FUNC_BEEP = 0x03
FUNC_RATER = 0x11
SERVER_FUNCS = frozenset({FUNC_DISPLAY, FUNC_BEEP})

DISPLAY_WIDTH = 6
PREFIX_TIMEOUT_S = 5.0

KEY_FUNCTION = 0x0F   # 功能: the next digit picks no-show / park / call back


class KeyAction(StrEnum):
    """What a clerk asked for on the keypad. Values are the counter's action names: the ticket
    actions of :class:`hall.tickets.Action` where one exists, ``pause`` for the window."""

    CALL_NEXT = Action.CALL.value
    RECALL = Action.RECALL.value
    FINISH = Action.FINISH.value          # finish, then the counter asks for a rating
    PAUSE = "pause"                       # toggles 暂停服务 / 恢复: the counter knows which
    TRANSFER = Action.TRANSFER.value      # the counter picks the target (keypad has no menu)
    NO_SHOW = Action.NO_SHOW.value
    PARK = Action.PARK.value
    CALL_BACK = Action.CALL_BACK.value

    @property
    def ticket_action(self) -> Action | None:
        """The ticket state-machine action this key requests; ``None`` for window pause."""
        return None if self is KeyAction.PAUSE else Action(self.value)


KEY_ACTIONS: dict[int, KeyAction] = {
    0x0C: KeyAction.CALL_NEXT,
    0x0D: KeyAction.RECALL,
    0x0B: KeyAction.FINISH,
    0x12: KeyAction.PAUSE,
    0x13: KeyAction.TRANSFER,
}

FUNCTION_DIGIT_ACTIONS: dict[int, KeyAction] = {
    0x01: KeyAction.NO_SHOW,
    0x02: KeyAction.PARK,
    0x03: KeyAction.CALL_BACK,
}

RATER_LEVELS: dict[int, RatingLevel] = {
    0x01: RatingLevel.VERY_SATISFIED,
    0x02: RatingLevel.SATISFIED,
    0x03: RatingLevel.BASIC,
    0x04: RatingLevel.DISSATISFIED,
}

KEY_NAMES: dict[KeyAction, Bilingual] = {
    KeyAction.CALL_NEXT: Bilingual("呼叫下一位", "call next"),
    KeyAction.RECALL: Bilingual("重呼", "recall"),
    KeyAction.FINISH: Bilingual("办结并请评价", "finish and ask for a rating"),
    KeyAction.PAUSE: Bilingual("暂停/恢复", "pause / resume"),
    KeyAction.TRANSFER: Bilingual("转移", "transfer"),
    KeyAction.NO_SHOW: Bilingual("过号", "no-show"),
    KeyAction.PARK: Bilingual("挂起", "park"),
    KeyAction.CALL_BACK: Bilingual("回呼", "call back"),
}


def key_frame_data(action: KeyAction) -> bytes:
    """The ``FUNC 01`` data a keypad sends for ``action`` (function-key actions in one frame)."""
    for code, known in KEY_ACTIONS.items():
        if known is action:
            return bytes((code,))
    for digit, known in FUNCTION_DIGIT_ACTIONS.items():
        if known is action:
            return bytes((KEY_FUNCTION, digit))
    raise ValueError(f"no key for {action!r}")   # pragma: no cover - every action has a key


def rater_key(level: RatingLevel) -> int:
    """The rater key code for ``level``; 非常不满意 has no key on a 4-key rater."""
    for code, known in RATER_LEVELS.items():
        if known is level:
            return code
    raise ValueError(str(Bilingual(f"四键评价器没有“{level.value}”键", f"a 4-key rater has no key for {level.value}")))


@dataclass(frozen=True)
class KeyPressed:
    addr: int
    action: KeyAction
    window: int | None = None


@dataclass(frozen=True)
class RaterPressed:
    addr: int
    level: RatingLevel
    window: int | None = None


KeypadMessage = KeyPressed | RaterPressed


@dataclass(frozen=True)
class Ignored:
    """A good frame that means nothing to hallq (or an echo of our own write), and why."""

    frame: Frame
    reason: str
    quiet: bool = False   # echoes and half-sequences: log at debug, not warning


def display_text(text: str) -> bytes:
    """``text`` as the six ASCII characters of a keypad display: shorter text is centred."""
    if len(text) > DISPLAY_WIDTH or not all(" " <= ch <= "~" for ch in text):
        raise ValueError(str(Bilingual(
            f"呼叫器只能显示最多{DISPLAY_WIDTH}个英文字母、数字或空格：{text!r}",
            f"a keypad display shows at most {DISPLAY_WIDTH} ASCII letters, digits or spaces: {text!r}",
        )))
    return text.center(DISPLAY_WIDTH).encode("ascii")


def display_frame(addr: int, text: str) -> bytes:
    """Server -> keypad: show ``text`` (FUNC 02, six ASCII bytes)."""
    return encode_frame(addr, FUNC_DISPLAY, display_text(text))


def beep_frame(addr: int) -> bytes:
    """Server -> keypad: beep (FUNC 03, no data)."""
    return encode_frame(addr, FUNC_BEEP)


def key_frame(addr: int, action: KeyAction) -> bytes:
    """Keypad -> server: the frame a keypad sends when the clerk asks for ``action``."""
    return encode_frame(addr, FUNC_KEY, key_frame_data(action))


def rater_frame(addr: int, level: RatingLevel) -> bytes:
    """Rater -> server: the frame a 4-key rater sends for ``level``."""
    return encode_frame(addr, FUNC_RATER, bytes((rater_key(level),)))


class KeypadParser:
    """Turns good frames into messages. Keeps one piece of state per address: a pending ``0F``
    function key waiting for its digit. ``now`` is a monotonic time in seconds."""

    def __init__(self, windows: Mapping[int, int] | None = None, prefix_timeout: float = PREFIX_TIMEOUT_S) -> None:
        self._windows = dict(windows or {})
        self._prefix_timeout = prefix_timeout
        self._function_pending: dict[int, float] = {}

    def window_of(self, addr: int) -> int | None:
        return self._windows.get(addr)

    def parse(self, frame: Frame, now: float) -> KeypadMessage | Ignored | None:
        """A message, an :class:`Ignored` with the reason, or ``None`` while a 0F waits for its digit."""
        if frame.func == FUNC_KEY:
            return self._key(frame, now)
        if frame.func == FUNC_RATER:
            self._function_pending.pop(frame.addr, None)
            if len(frame.data) >= 1 and frame.data[0] in RATER_LEVELS:
                return RaterPressed(frame.addr, RATER_LEVELS[frame.data[0]], self.window_of(frame.addr))
            return Ignored(frame, "unknown rater key")
        if frame.func in SERVER_FUNCS:
            return Ignored(frame, "echo of a server->keypad frame", quiet=True)
        return Ignored(frame, "unknown function code")

    def _key(self, frame: Frame, now: float) -> KeyPressed | Ignored | None:
        if not frame.data:
            return Ignored(frame, "key frame without a key code")
        code = frame.data[0]
        pending_since = self._function_pending.pop(frame.addr, None)
        if code == KEY_FUNCTION:
            if len(frame.data) >= 2:
                return self._function_digit(frame, frame.data[1])
            self._function_pending[frame.addr] = now
            return None
        if pending_since is not None and now - pending_since <= self._prefix_timeout and code in FUNCTION_DIGIT_ACTIONS:
            return self._function_digit(frame, code)
        action = KEY_ACTIONS.get(code)
        if action is None:
            quiet = code <= 0x09
            return Ignored(frame, "digit key outside a function sequence" if quiet else "unknown key code", quiet=quiet)
        return KeyPressed(frame.addr, action, self.window_of(frame.addr))

    def _function_digit(self, frame: Frame, digit: int) -> KeyPressed | Ignored:
        action = FUNCTION_DIGIT_ACTIONS.get(digit)
        if action is None:
            return Ignored(frame, f"function key followed by unknown digit {digit:#04x}")
        return KeyPressed(frame.addr, action, self.window_of(frame.addr))
