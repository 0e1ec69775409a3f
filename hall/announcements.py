"""What the hall's voice says when a number is called, and when it says it.

Two parts, both pure (no audio, no threads, time passed in as seconds):

* **Phrases.** A call (ticket ``A023`` to window 5) becomes the Chinese sentence a speech engine
  reads well — ``请A零二三号到五号窗口办理`` — and optionally an English repeat. Ticket digits are
  read one by one (a citizen compares them with the paper in their hand), window numbers as
  numbers (五号窗口, 十二号窗口, 一百零一号窗口). A recall starts with 再次呼叫 / "Calling again".

  Letters stay letters. espeak-ng's ``sit/cmn-latn-pinyin`` voice reads a *single* Latin letter
  by its Chinese-style letter name (A → "ei4", B → "bi4", E → "yi4", W → "da bu liu"), which is
  what halls expect; a *run* of letters ("AB") would be read as an English word, so a two-letter
  series is spoken with a space between the letters. In English, espeak reads "Number A zero"
  with the article "a" (a schwa), so the English phrase puts a comma after the letters
  ("Number A, zero two three"): then it says the letter name "ay".

* **The announcement queue.** One speaker channel serves many windows (100 windows, each call
  said twice, overloads it), so calls wait in a queue that never speaks two things at once
  (the caller says when playback ended), keeps arrival order, merges a new call for a ticket
  that is still waiting (the latest window wins), repeats each call R times without letting
  another call in between, speaks only its display's zone, and coalesces a backlog: no utterance
  starts more than ``max_lag_seconds`` after its call. Calls that would be later than that are
  dropped from the voice and reported, so the screen, which keeps every call, stays the record.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from hall.text import Bilingual

# ---------------------------------------------------------------------------------------------
# Phrases
# ---------------------------------------------------------------------------------------------

DIGITS_ZH = "零一二三四五六七八九"
DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

DEFAULT_TEMPLATE_ZH = "请{number}号到{window}号窗口办理"
DEFAULT_TEMPLATE_EN = "Number {number}, please go to window {window}."
DEFAULT_RECALL_ZH = "再次呼叫，"
DEFAULT_RECALL_EN = "Calling again. "

_TICKET = re.compile(r"^\s*([A-Za-z]*)\s*(\d+)\s*$")
_PLACEHOLDERS = {"number", "window"}


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


def chinese_number(n: int) -> str:
    """A window number read as a number: 5 → 五, 12 → 十二, 20 → 二十, 101 → 一百零一, 110 → 一百一十.

    Numbers from 10 000 up are read digit by digit (no hall has that many windows, and a wrong
    reading is worse than a plain one)."""
    if n < 0:
        raise ValueError("window numbers are not negative")
    if n >= 10_000:
        return "".join(DIGITS_ZH[int(d)] for d in str(n))
    if n < 10:
        return DIGITS_ZH[n]
    if n < 20:   # 十, 十二: no leading 一 in spoken numbers
        return "十" + (DIGITS_ZH[n - 10] if n % 10 else "")
    parts: list[str] = []
    started = zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit = n // value % 10
        if digit:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            parts.append(DIGITS_ZH[digit] + unit)
            started = True
        elif started:
            zero_pending = True   # 一百零一, 一千零一十: one 零 for any run of zeros
    if n % 10:
        if zero_pending:
            parts.append("零")
        parts.append(DIGITS_ZH[n % 10])
    return "".join(parts)


def _split_ticket(ticket: str) -> tuple[str, str] | None:
    match = _TICKET.match(ticket)
    if not match:
        return None
    return match.group(1).upper(), match.group(2)


def ticket_zh(ticket: str) -> str:
    """``A023`` → ``A零二三``; ``AB7`` → ``A B七``. Anything that is not letters+digits is left as is."""
    parts = _split_ticket(ticket)
    if parts is None:
        return ticket.strip()
    letters, digits = parts
    return " ".join(letters) + "".join(DIGITS_ZH[int(d)] for d in digits)


def ticket_en(ticket: str) -> str:
    """``A023`` → ``A, zero two three`` (the comma makes espeak say the letter, not the article)."""
    parts = _split_ticket(ticket)
    if parts is None:
        return ticket.strip()
    letters, digits = parts
    spoken_digits = " ".join(DIGITS_EN[int(d)] for d in digits)
    if not letters:
        return spoken_digits
    return ", ".join(letters) + ", " + spoken_digits


def window_zh(window: int) -> str:
    return chinese_number(window)


def window_en(window: int) -> str:
    return str(window)   # every English voice reads "12" as twelve


def _check_template(template: str, what: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = names - _PLACEHOLDERS
    if unknown:
        raise ValueError(f"{what}: unknown placeholder(s) {sorted(unknown)}; use {{number}} and {{window}}")
    if "number" not in names:
        raise ValueError(f"{what}: the template must contain {{number}}")
    return template


@dataclass(frozen=True)
class Phrase:
    """One sentence in one language: the unit a speech engine renders to one WAV file."""

    text: str
    lang: Lang


@dataclass(frozen=True)
class AnnouncementStyle:
    """The hall's wording. Templates take ``{number}`` (spoken ticket) and ``{window}`` (spoken window)."""

    template_zh: str = DEFAULT_TEMPLATE_ZH
    template_en: str = DEFAULT_TEMPLATE_EN
    recall_zh: str = DEFAULT_RECALL_ZH
    recall_en: str = DEFAULT_RECALL_EN
    english: bool = False   # add the English repeat after the Chinese sentence

    def __post_init__(self) -> None:
        _check_template(self.template_zh, "template_zh")
        _check_template(self.template_en, "template_en")


@dataclass(frozen=True)
class Call:
    """A ticket called to a window, as the display hears it from the server."""

    ticket: str
    window: int
    recall: bool = False

    @property
    def series(self) -> str:
        parts = _split_ticket(self.ticket)
        return parts[0] if parts else ""


def phrase_zh(call: Call, style: AnnouncementStyle = AnnouncementStyle()) -> Phrase:
    text = style.template_zh.format(number=ticket_zh(call.ticket), window=window_zh(call.window))
    return Phrase((style.recall_zh + text) if call.recall else text, Lang.ZH)


def phrase_en(call: Call, style: AnnouncementStyle = AnnouncementStyle()) -> Phrase:
    text = style.template_en.format(number=ticket_en(call.ticket), window=window_en(call.window))
    return Phrase((style.recall_en + text) if call.recall else text, Lang.EN)


def phrases_for(call: Call, style: AnnouncementStyle = AnnouncementStyle()) -> tuple[Phrase, ...]:
    """What to say for one call, in order: Chinese, then English when the hall wants it."""
    if style.english:
        return (phrase_zh(call, style), phrase_en(call, style))
    return (phrase_zh(call, style),)


# ---------------------------------------------------------------------------------------------
# Zones and durations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    """The calls a display speaks: its windows and/or its series. Empty means the whole hall.

    A call is in the zone when its window *or* its series is listed, so a floor display can speak
    windows 1–20 plus every V (VIP / 绿色通道) call."""

    windows: frozenset[int] = frozenset()
    series: frozenset[str] = frozenset()

    @classmethod
    def of(cls, windows: Iterable[int] = (), series: Iterable[str] = ()) -> Zone:
        return cls(frozenset(windows), frozenset(s.upper() for s in series))

    @classmethod
    def parse(cls, text: str) -> Zone:
        """``"1-20, 25, V"`` → windows 1..20 and 25, series V. Empty text → the whole hall."""
        windows: set[int] = set()
        series: set[str] = set()
        for token in re.split(r"[,;\s]+", text.strip()):
            if not token:
                continue
            if re.fullmatch(r"\d+", token):
                windows.add(int(token))
            elif m := re.fullmatch(r"(\d+)-(\d+)", token):
                low, high = int(m.group(1)), int(m.group(2))
                if low > high:
                    raise ValueError(f"zone range {token!r} runs backwards")
                windows.update(range(low, high + 1))
            elif re.fullmatch(r"[A-Za-z]{1,2}", token):
                series.add(token.upper())
            else:
                raise ValueError(f"zone item {token!r} is neither a window number, a range nor a series")
        return cls(frozenset(windows), frozenset(series))

    @property
    def whole_hall(self) -> bool:
        return not self.windows and not self.series

    def covers(self, call: Call) -> bool:
        return self.whole_hall or call.window in self.windows or call.series in self.series


@dataclass
class DurationEstimator:
    """How long a phrase takes to say. Starts from characters × seconds-per-character (measured on
    espeak-ng at rate 150: 0.34–0.35 s per Chinese character, 0.11 s per English non-space
    character) and learns the real length of each rendered WAV via :meth:`learn`."""

    seconds_per_char_zh: float = 0.35
    seconds_per_char_en: float = 0.11
    chime_seconds: float = 1.2
    gap_seconds: float = 0.3        # silence the player leaves between two phrases
    _learned: dict[Phrase, float] = field(default_factory=dict, repr=False)

    def learn(self, phrase: Phrase, seconds: float) -> None:
        if seconds > 0:
            self._learned[phrase] = seconds

    def phrase_seconds(self, phrase: Phrase) -> float:
        if phrase in self._learned:
            return self._learned[phrase]
        chars = sum(1 for c in phrase.text if not c.isspace())
        per_char = self.seconds_per_char_zh if phrase.lang is Lang.ZH else self.seconds_per_char_en
        return chars * per_char

    def utterance_seconds(self, phrases: Iterable[Phrase], chime: bool) -> float:
        items = list(phrases)
        total = sum(self.phrase_seconds(p) for p in items) + self.gap_seconds * max(len(items) - 1, 0)
        return total + (self.chime_seconds if chime else 0.0)


# ---------------------------------------------------------------------------------------------
# The announcement queue
# ---------------------------------------------------------------------------------------------


class Enqueued(StrEnum):
    QUEUED = "queued"                   # waiting its turn
    MERGED = "merged"                   # replaced a waiting call for the same ticket
    REPLACED_CURRENT = "replaced_current"   # the ticket was being announced: the new call takes over
    OUT_OF_ZONE = "out_of_zone"         # not this display's zone: never spoken here


class DropReason(StrEnum):
    STALE = "stale"              # would have been spoken more than max_lag_seconds after the call
    SUPERSEDED = "superseded"    # a newer call for the same ticket replaced it before it was spoken
    WITHDRAWN = "withdrawn"      # the caller withdrew it (e.g. the citizen already arrived)


DROP_MESSAGES: dict[DropReason, Bilingual] = {
    DropReason.STALE: Bilingual("语音排队过长，此次呼叫仅在屏幕显示", "voice backlog too long: shown on screen only"),
    DropReason.SUPERSEDED: Bilingual("同一号码有新的呼叫，已合并", "merged into a newer call for the same number"),
    DropReason.WITHDRAWN: Bilingual("呼叫已撤回", "call withdrawn"),
}


@dataclass(frozen=True)
class Dropped:
    """A call the voice will not say (the screen still shows it)."""

    call: Call
    reason: DropReason
    at: float

    @property
    def message(self) -> Bilingual:
        return DROP_MESSAGES[self.reason]


@dataclass(frozen=True)
class Utterance:
    """One turn on the speaker: the chime (first repetition only) and the call's phrases."""

    call: Call
    phrases: tuple[Phrase, ...]
    repetition: int          # 1-based
    repetitions: int
    chime: bool
    called_at: float
    started_at: float
    estimated_seconds: float

    @property
    def lag(self) -> float:
        """How far behind the call the voice started."""
        return self.started_at - self.called_at


@dataclass
class _Item:
    call: Call
    called_at: float
    phrases: tuple[Phrase, ...]
    spoken: int = 0
    voiced: bool = False   # at least one repetition has started


class AnnouncementQueue:
    """Orders a display's announcements. Pure: every method takes ``now`` in seconds from any
    monotonic origin (``time.monotonic()`` live, the simulated clock in tests).

    The display calls :meth:`enqueue` for each call event, asks :meth:`next_to_speak` whenever
    it is idle (and on a timer), plays what it gets, and calls :meth:`finished` when playback
    ends. :meth:`take_dropped` hands over the calls the voice gave up on.

    Guarantees: one utterance at a time; spoken calls keep arrival order (a merged call keeps the
    place of the call it replaced); the R repetitions of a call are never interleaved with another
    call; no utterance starts more than ``max_lag_seconds`` after its call — repetitions are
    skipped first when a backlog builds, then stale calls are dropped; every call is either
    spoken at least once or reported in :meth:`take_dropped` (or refused as out of zone).
    """

    def __init__(
        self,
        *,
        style: AnnouncementStyle = AnnouncementStyle(),
        zone: Zone = Zone(),
        repetitions: int = 2,
        max_lag_seconds: float = 30.0,
        estimator: DurationEstimator | None = None,
        playback_timeout_factor: float = 3.0,
    ) -> None:
        if repetitions < 1:
            raise ValueError("repetitions must be at least 1")
        if max_lag_seconds <= 0:
            raise ValueError("max_lag_seconds must be positive")
        self.style = style
        self.zone = zone
        self.repetitions = repetitions
        self.max_lag_seconds = max_lag_seconds
        self.estimator = estimator or DurationEstimator()
        self.playback_timeout_factor = playback_timeout_factor
        self._waiting: list[_Item] = []
        self._current: _Item | None = None
        self._speaking: Utterance | None = None
        self._speaking_deadline = 0.0
        self._dropped: list[Dropped] = []

    # -- state ------------------------------------------------------------------------------

    @property
    def speaking(self) -> Utterance | None:
        return self._speaking

    @property
    def backlog(self) -> int:
        """Calls waiting their first turn."""
        return len(self._waiting)

    @property
    def due(self) -> bool:
        """Whether something waits to be said: a new call or a repetition of the current one."""
        current = self._current
        return bool(self._waiting) or (current is not None and current.spoken < self.repetitions)

    def waiting_calls(self) -> list[Call]:
        return [item.call for item in self._waiting]

    def take_dropped(self) -> list[Dropped]:
        dropped, self._dropped = self._dropped, []
        return dropped

    # -- input ------------------------------------------------------------------------------

    def enqueue(self, call: Call, now: float) -> Enqueued:
        if not self.zone.covers(call):
            return Enqueued.OUT_OF_ZONE
        for item in self._waiting:
            if item.call.ticket == call.ticket:
                self._dropped.append(Dropped(item.call, DropReason.SUPERSEDED, now))
                # Latest wins for the window; but "再次呼叫" for a number the voice never said
                # would confuse, so a recall merged into an unvoiced first call is a first call.
                merged = call if item.call.recall else Call(call.ticket, call.window, recall=False)
                item.call, item.called_at, item.phrases = merged, now, phrases_for(merged, self.style)
                return Enqueued.MERGED
        fresh = _Item(call, now, phrases_for(call, self.style))
        current = self._current
        if current is not None and current.call.ticket == call.ticket and current.spoken < self.repetitions:
            # The ticket is on the speaker now (e.g. moved to another window): stop repeating the
            # old words after this turn and say the new call next, in the old call's place.
            current.spoken = self.repetitions
            self._waiting.insert(0, fresh)
            return Enqueued.REPLACED_CURRENT
        self._waiting.append(fresh)
        return Enqueued.QUEUED

    def withdraw(self, ticket: str, now: float) -> bool:
        """Forget a waiting call (the citizen is already at the window). Returns whether one was waiting."""
        for index, item in enumerate(self._waiting):
            if item.call.ticket == ticket:
                del self._waiting[index]
                self._dropped.append(Dropped(item.call, DropReason.WITHDRAWN, now))
                return True
        if self._current is not None and self._current.call.ticket == ticket:
            self._current.spoken = self.repetitions   # no further repetitions
        return False

    def finished(self, now: float) -> None:
        """Playback of the last utterance ended (or failed): the speaker is free."""
        self._speaking = None

    # -- output -----------------------------------------------------------------------------

    def next_to_speak(self, now: float) -> Utterance | None:
        """The utterance to play now, or None when the speaker is busy or nothing is due."""
        if self._speaking is not None:
            if now < self._speaking_deadline:
                return None
            self._speaking = None   # the player never reported the end: assume it is over
        self._drop_stale(now)
        current = self._current
        if current is not None and current.spoken < self.repetitions:
            estimate = self.estimator.utterance_seconds(current.phrases, chime=False)
            too_late = now - current.called_at > self.max_lag_seconds
            oldest = min((item.called_at for item in self._waiting), default=None)
            crowds_out = oldest is not None and now - oldest + estimate > self.max_lag_seconds
            if not (too_late or crowds_out):
                return self._start(current, now)
        self._current = None
        if not self._waiting:
            return None
        item = self._waiting.pop(0)
        self._current = item
        return self._start(item, now)

    def _drop_stale(self, now: float) -> None:
        keep: list[_Item] = []
        for item in self._waiting:
            if now - item.called_at > self.max_lag_seconds:
                self._dropped.append(Dropped(item.call, DropReason.STALE, now))
            else:
                keep.append(item)
        self._waiting = keep

    def _start(self, item: _Item, now: float) -> Utterance:
        item.spoken += 1
        chime = not item.voiced
        item.voiced = True
        estimate = self.estimator.utterance_seconds(item.phrases, chime=chime)
        utterance = Utterance(
            call=item.call,
            phrases=item.phrases,
            repetition=item.spoken,
            repetitions=self.repetitions,
            chime=chime,
            called_at=item.called_at,
            started_at=now,
            estimated_seconds=estimate,
        )
        self._speaking = utterance
        self._speaking_deadline = now + max(estimate * self.playback_timeout_factor, estimate + 5.0)
        return utterance
