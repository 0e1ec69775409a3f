"""The kiosk's ID card and QR scanner, without Qt: the card holder as the server may see it, the
scanner's bursts told apart from a person typing, the booking code read from a QR.

**Hashing on the kiosk.** A card read becomes a :class:`CardHolder` on the reader's own thread, at
once: ``HMAC-SHA256(hall key, number)`` and the masked number (hall.identity). The clear number
never reaches the flow, the screen, the log or the network. The hall key comes from
``GET /api/kiosk/id-key`` (kiosk tokens only, over the pinned HTTPS link) and is kept in memory
only; without it a card is refused with a clear message (:data:`NO_KEY_TEXT`) and the key is asked
for again.

**Scanner.** A QR scanner that types like a keyboard sends its characters a few milliseconds apart
and ends with Enter. :class:`ScanDetector` keeps the characters of the current burst and, at Enter,
says whether they came fast enough (every gap at most ``max_gap_s``) and were enough of them to be
a scan; a person at a keyboard is far slower, so their keys and Enter keep their ordinary meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hall.booking import CODE_ALPHABET, CODE_LENGTH
from hall.identity import id_hash, mask_id, normalize_id
from hardware.idcard.protocol import IdCard
from kiosk.texts import Text

NO_KEY_TEXT = Text("身份证功能暂不可用，请稍后再刷卡或手动取号", "ID card check-in is not ready yet; read the card again shortly or take a number")
BAD_CARD_TEXT = Text("无法识别此身份证，请重新刷卡或手动取号", "this ID card could not be read; please try again or take a number")
BAD_QR_TEXT = Text("无法识别的二维码，请出示预约确认页上的二维码", "unknown QR code; show the QR code of your booking confirmation")


@dataclass(frozen=True)
class CardHolder:
    """The citizen whose card was read, as the server may see them: keyed hash and masked number."""

    id_hash: str
    id_masked: str


def holder_from_card(key: str, card: IdCard) -> CardHolder:
    """Hash and mask at once; ``HallRuleError`` (422 bad_id_number) for a number that fails GB 11643."""
    number = normalize_id(card.id_number)
    return CardHolder(id_hash(key, number), mask_id(number))


@dataclass
class ScanDetector:
    """Scanner bursts by timing. ``key`` for each printable character, ``enter`` at Enter."""

    max_gap_s: float = 0.08  # scanners type a character every few ms; people take well over 0.1 s
    min_length: int = 6
    _chars: list[str] = field(default_factory=list)
    _last: float = float("-inf")

    def key(self, char: str, at: float) -> None:
        if at - self._last > self.max_gap_s:
            self._chars = []          # too slow: a new burst starts here
        self._chars.append(char)
        self._last = at

    def enter(self, at: float) -> str | None:
        """The scanned text when the burst was a scanner's, else ``None`` (Enter keeps its meaning)."""
        burst = "".join(self._chars) if len(self._chars) >= self.min_length and at - self._last <= self.max_gap_s else None
        self._chars = []
        self._last = float("-inf")
        return burst


def booking_code_from_scan(text: str) -> str | None:
    """The booking code in what the scanner read: the /b confirmation's QR holds the bare code;
    a code printed in groups (ABCDE FGHJK), lower case or at the end of a link is accepted too."""
    text = text.strip()
    if "code=" in text:
        text = text.split("code=", 1)[1].split("&", 1)[0]
    elif "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[1]
    code = "".join(ch for ch in text if ch not in " -").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def walk_in_text(holder: CardHolder) -> Text:
    return Text(
        f"已读取身份证 {holder.id_masked}：您今天没有可签到的预约，请选择业务取号（一人一号）",
        f"ID card {holder.id_masked} read: no booking to check in today; choose a service to take a number (one per person)",
    )


LATE_TEXT = Text("您已超过预约时段，已为您改取普通号", "You are past your booking's time: you have a walk-in number instead")
CHECKING_TEXT = Text("正在查询您的预约…", "Looking up your booking…")
