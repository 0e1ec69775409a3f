"""The kiosk's steps as a plain state machine: what the citizen sees next, and when a request may go out.

No Qt here. The window shows ``flow.step`` and the data beside it, forwards every touch as an intent
(``choose_category``, ``confirm`` ...) and hands server and printer results back
(``issue_succeeded``, ``went_offline``, ``print_failed`` ...). The flow owns the rules a kiosk must
keep:

* one idempotency key per confirm, created when the confirm page opens and reused for every retry,
  and nothing sent while a request is in flight — one press, one ticket;
* a ticket is shown only after the server committed it; with the server unreachable the kiosk
  says "暂停取号" and resends the *same* request when the server is back (the server answers with
  the ticket it already made, if it did), never inventing a number;
* never "sold out": the only refusals are the hall's own hours (closed, appointments only);
* estimates come from the one truth (hall.serving, via the snapshot): a category no staffed window
  serves now says so ("暂无窗口办理，请咨询导办台"), never "约 0 分钟" or "目前无人等候" as if it
  would be served — a number may still be taken, the hall never caps tickets;
* outside walk-in hours the kiosk says when the hall opens next and when walk-ins are taken, shows
  the hours, offers check-in only when bookings are being served (appointment_only), and lets the
  citizen browse every category's items and materials to prepare (``browsing``: nothing issues);
* idle citizens walk away: every page except home falls back to home after a quiet spell.

Steps: home (categories, with 绿色通道 and 预约签到) → items (if the category has any) →
materials (一次性告知) → confirm → issuing → printing → done; priority picks a reason first;
check-in takes a booking code (hall.booking) from the on-screen keypad or a scanner typing it + Enter.
Browsing (closed hours) walks home → items → materials and back; it never reaches confirm.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hall.booking import CODE_ALPHABET, CODE_LENGTH
from hall.tickets import PRIORITY_REASONS
from kiosk.card import BAD_QR_TEXT, CHECKING_TEXT, LATE_TEXT, CardHolder, booking_code_from_scan, walk_in_text
from kiosk.texts import (
    BROWSE_NOW_TEXT,
    BROWSE_TILE_TEXT,
    CHECK_IN_CLOSED_TEXT,
    CHECK_IN_NOW_TEXT,
    NO_WINDOW_CONFIRM_TEXT,
    NO_WINDOW_TEXT,
    ClosedNotice,
    Text,
    serves_now,
    text_from,
    wait_text,
    walk_ins_from,
)


class Step(StrEnum):
    HOME = "home"
    PRIORITY = "priority"
    ITEMS = "items"
    MATERIALS = "materials"
    CONFIRM = "confirm"
    ISSUING = "issuing"
    PRINTING = "printing"
    DONE = "done"
    CHECK_IN = "check_in"
    PAUSED = "paused"


class PrintState(StrEnum):
    NONE = "none"
    PRINTING = "printing"
    PRINTED = "printed"
    FAULT = "fault"


@dataclass(frozen=True)
class Request:
    """What the window must send. ``key`` is the idempotency key: the same for every retry."""

    kind: str  # "issue" | "check_in" | "card_check_in"
    key: str
    series: str = ""
    items: tuple[str, ...] = ()
    priority_reason: str | None = None
    code: str = ""
    created_at: float = 0.0
    holder: CardHolder | None = None  # the ID card read at this kiosk (kiosk.card): hash and mask only

    def call(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """``(method, args, kwargs)`` for :class:`server.client.HallClient`."""
        card = {"id_hash": self.holder.id_hash, "id_masked": self.holder.id_masked} if self.holder else {}
        if self.kind == "card_check_in":
            return "check_in_by_card", (card["id_hash"], card["id_masked"]), {"key": self.key}
        if self.kind == "check_in":
            return "check_in", (self.code,), {"key": self.key, **card}
        return "issue", (self.series,), {"items": list(self.items), "priority_reason": self.priority_reason, "source": "kiosk", "key": self.key, **card}




@dataclass
class KioskFlow:
    """One kiosk's state. ``now`` is a monotonic clock in seconds (injected for tests)."""

    language: str = "zh"
    now: Callable[[], float] = time.monotonic
    new_key: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    IDLE_SECONDS: float = 45.0  # any page but home -> home after this long without a touch
    DONE_SECONDS: float = 30.0  # the done page stays this long
    REPRINT_SECONDS: float = 20.0  # the reprint button is offered this long after a ticket
    PENDING_KEEP_SECONDS: float = 120.0  # resend a request cut off by an outage only this long after it

    step: Step = Step.HOME
    hall: dict[str, Any] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    online: bool = True
    large_text: bool = False  # 大字/长者模式: the flow re-laid out, a few big choices per screen
    high_contrast: bool = False  # 高对比度 colours
    choice_offset: int = 0  # large mode: the first choice shown on the current page of choices
    choice_step: Step = Step.HOME  # the step choice_offset belongs to: another step starts at 0
    series: str | None = None
    item_code: str | None = None
    priority_reason: str | None = None
    code: str = ""
    message: Text | None = None  # an error or notice on the current page
    pending: Request | None = None  # the request the current confirm/check-in owns
    in_flight: bool = False
    ticket: dict[str, Any] | None = None
    print_state: PrintState = PrintState.NONE
    print_fault: Text | None = None
    printer_trouble: Text | None = None  # the printer's fault, from a failed slip or a status poll, until it is ready again
    browsing: bool = False  # closed hours: items and materials only, nothing issues
    done_at: float = 0.0
    last_touch: float = 0.0
    holder: CardHolder | None = None  # 一人一号: the card read for this citizen, until their ticket or the session ends

    def __post_init__(self) -> None:
        self.last_touch = self.now()

    # ------------------------------------------------------------------ what the screen shows

    def pick(self, zh: str, en: str) -> str:
        return en if self.language == "en" and en else zh

    def name(self, data: dict[str, Any] | None, key: str = "name") -> str:
        if not data:
            return ""
        return self.pick(str(data.get(f"{key}_zh", "")), str(data.get(f"{key}_en", "")))

    @property
    def accepts_walk_ins(self) -> bool:
        return bool(self.hall.get("accepts_walk_ins", True))

    @property
    def period(self) -> str:
        return str(self.hall.get("period", "regular"))

    @property
    def can_check_in(self) -> bool:
        """Bookings are checked in while walk-ins are taken and in appointment-only periods."""
        return self.online and (self.accepts_walk_ins or self.period == "appointment_only")

    def closed_notice(self) -> ClosedNotice | None:
        """What home says when walk-ins are not taken; ``None`` while they are."""
        if self.accepts_walk_ins or not self.hall:
            return None
        opening = self.hall.get("next_opening") or {}
        next_text = text_from(opening.get("text"))
        walk_ins = walk_ins_from(text_from(opening.get("walk_ins_text")))
        appointments_now = self.period == "appointment_only"
        if appointments_now:
            shown_opening = None  # open now for bookings: the next walk-in time is what matters
        else:
            shown_opening = next_text
            if opening.get("walk_ins"):
                walk_ins = None  # that opening takes walk-ins: one line says it
        hours = tuple(t for t in (text_from(line) for line in self.hall.get("hours") or []) if t is not None)
        can_do = (CHECK_IN_NOW_TEXT, BROWSE_NOW_TEXT) if appointments_now else (BROWSE_NOW_TEXT,)
        return ClosedNotice(self.hall_notice() or Text("当前非办公时间", "the hall is closed now"), shown_opening, walk_ins, hours, can_do)

    def tickets_from(self) -> Text:
        """Browse mode's line: when walk-in numbers are taken next."""
        opening = self.hall.get("next_opening") or {}
        return walk_ins_from(text_from(opening.get("walk_ins_text"))) or Text("请在开放时间前来取号", "Please come back during opening hours")

    def tile_text(self, category: dict[str, Any]) -> Text:
        """The second line of a category's home tile."""
        return BROWSE_TILE_TEXT if not self.accepts_walk_ins else wait_text(category)

    def unserved_warning(self) -> Text | None:
        """The confirm page's warning when no window serves the chosen category now."""
        return None if serves_now(self.category()) else NO_WINDOW_CONFIRM_TEXT

    def ticket_wait_text(self) -> Text | None:
        """The done page's extra line when no window serves the ticket's category now."""
        if not self.ticket or self.ticket.get("estimated_wait_minutes") is not None:
            return None
        return None if serves_now(self.category(str(self.ticket.get("series") or ""))) else NO_WINDOW_TEXT

    def hall_notice(self) -> Text | None:
        """The hall's period notice (lunch, closed, appointments only); ``None`` in regular hours."""
        if not self.hall or self.hall.get("period", "regular") == "regular":
            return None
        notice = self.hall.get("notice") or {}
        return Text(str(notice.get("zh", "")), str(notice.get("en", "")))

    def category(self, series: str | None = None) -> dict[str, Any] | None:
        series = series or self.series
        return next((c for c in self.categories if c.get("series") == series), None)

    def items(self) -> list[dict[str, Any]]:
        category = self.category()
        return list(category.get("items", [])) if category else []

    def item(self) -> dict[str, Any] | None:
        return next((i for i in self.items() if i.get("code") == self.item_code), None)

    def materials(self) -> list[str]:
        item = self.item()
        if item:
            return [str(m) for m in item.get("materials", [])]
        return []

    def priority_name(self, reason: str | None = None) -> str:
        reason = reason or self.priority_reason
        if not reason or reason not in PRIORITY_REASONS:
            return ""
        return PRIORITY_REASONS[reason].en if self.language == "en" else PRIORITY_REASONS[reason].zh

    @staticmethod
    def priority_reasons() -> list[str]:
        return list(PRIORITY_REASONS)

    @property
    def can_confirm(self) -> bool:
        return self.step is Step.CONFIRM and not self.in_flight and self.online and not self.browsing

    @property
    def can_reprint(self) -> bool:
        return self.step is Step.DONE and self.ticket is not None and self.now() - self.done_at < self.REPRINT_SECONDS

    def status_url(self) -> str:
        if not self.ticket:
            return ""
        base = str(self.hall.get("public_url", "")).rstrip("/")
        return f"{base}/t/{self.ticket.get('public_id', '')}"

    # ------------------------------------------------------------------ data from the server

    def apply_snapshot(self, snapshot: dict[str, Any]) -> bool:
        """Take the hall's new state; returns True when the current page must be redrawn because
        walk-in hours began or ended under a citizen browsing or choosing."""
        self.hall = dict(snapshot.get("hall") or {})
        self.categories = list(snapshot.get("categories") or [])
        if self.step not in (Step.ITEMS, Step.MATERIALS, Step.CONFIRM) or self.in_flight:
            return False
        if self.browsing and self.accepts_walk_ins:
            self.browsing = False  # the hall opened: the same pages now lead to a number
            return True
        if not self.browsing and not self.accepts_walk_ins:
            self.browsing = True  # the hall closed: keep reading, but nothing issues
            self.pending = None
            if self.step is Step.CONFIRM:
                self.step = Step.MATERIALS if self.item_code else (Step.ITEMS if self.items() else Step.MATERIALS)
            return True
        return False

    # ------------------------------------------------------------------ intents

    def touch(self) -> None:
        self.last_touch = self.now()

    def toggle_language(self) -> None:
        self.touch()
        self.language = "en" if self.language == "zh" else "zh"

    def toggle_large_text(self) -> None:
        self.touch()
        self.large_text = not self.large_text

    def toggle_high_contrast(self) -> None:
        self.touch()
        self.high_contrast = not self.high_contrast

    def end_session(self) -> None:
        """The citizen finished or walked away: the next one starts with the hall's defaults."""
        self.go_home()
        self.large_text = self.high_contrast = False
        self.choice_offset = 0
        self.holder = None

    def first_choice(self) -> int:
        """Large mode: the index of the first choice on screen for the current step."""
        return self.choice_offset if self.choice_step is self.step else 0

    def page_choices(self, forward: bool, total: int, per_page: int) -> None:
        """上一页/下一页 in large mode: move a page of ``per_page`` choices, staying within ``total``."""
        self.touch()
        first = self.first_choice() + (per_page if forward else -per_page)
        if 0 <= first < total:
            self.choice_offset, self.choice_step = first, self.step

    def go_home(self) -> None:
        """Back to the start; a request in flight keeps its page until it answers."""
        if self.in_flight:
            return
        self.step = Step.HOME
        self.series = self.item_code = self.priority_reason = None
        self.browsing = False
        self.code = ""
        self.message = None
        self.pending = None
        self.ticket = None
        self.print_state = PrintState.NONE
        self.print_fault = None

    def back(self) -> None:
        self.touch()
        if self.in_flight:
            return
        self.message = None
        if self.step is Step.CONFIRM:
            self.pending = None
            self.step = Step.MATERIALS if self.item_code else (Step.ITEMS if self.items() else Step.HOME)
            if self.step is Step.HOME:
                self.series = None
        elif self.step is Step.MATERIALS:
            self.item_code = None
            self.step = Step.ITEMS if self.items() else Step.HOME
            if self.step is Step.HOME:
                self.go_home()
        elif self.step is Step.ITEMS:
            self.go_home()
        else:
            self.go_home()

    def start_priority(self) -> None:
        self.touch()
        if self.step is Step.HOME and self.accepts_walk_ins:
            self.step = Step.PRIORITY

    def choose_priority(self, reason: str) -> None:
        self.touch()
        if self.step is Step.PRIORITY and reason in PRIORITY_REASONS:
            self.priority_reason = reason
            self.step = Step.HOME  # now pick the category; the priority stays until the ticket or home

    def cancel_priority(self) -> None:
        self.touch()
        self.priority_reason = None
        if self.step is Step.PRIORITY:
            self.step = Step.HOME

    def choose_category(self, series: str) -> None:
        self.touch()
        if self.step is not Step.HOME or not self.online:
            return
        if self.category(series) is None:
            return
        self.series = series
        self.message = None
        if not self.accepts_walk_ins:
            self.browsing = True  # look, prepare, come back: nothing is issued
            self.priority_reason = None
            self.step = Step.ITEMS if self.items() else Step.MATERIALS
            return
        if self.items():
            self.step = Step.ITEMS
        else:
            self._open_confirm()

    def choose_item(self, code: str) -> None:
        self.touch()
        if self.step is Step.ITEMS and any(i.get("code") == code for i in self.items()):
            self.item_code = code
            self.step = Step.MATERIALS

    def skip_items(self) -> None:
        """"不确定办理事项" — the window clerk sorts it out."""
        self.touch()
        if self.step is Step.ITEMS and not self.browsing:
            self.item_code = None
            self._open_confirm()

    def accept_materials(self) -> None:
        self.touch()
        if self.step is Step.MATERIALS and not self.browsing:
            self._open_confirm()

    def _open_confirm(self) -> None:
        self.step = Step.CONFIRM
        self.message = None
        self.pending = Request(
            "issue",
            self.new_key(),
            series=self.series or "",
            items=(self.item_code,) if self.item_code else (),
            priority_reason=self.priority_reason,
            created_at=self.now(),
            holder=self.holder,
        )

    def confirm(self) -> Request | None:
        """The citizen pressed 确认取号: the request to send, or ``None`` when one is already out."""
        self.touch()
        if not self.can_confirm or self.pending is None:
            return None
        self.in_flight = True
        self.step = Step.ISSUING
        self.message = None
        return self.pending

    # check-in ----------------------------------------------------------

    def start_check_in(self) -> None:
        self.touch()
        if self.step in (Step.HOME, Step.CHECK_IN) and not self.in_flight:
            if not self.can_check_in:
                if self.online:
                    self.message = CHECK_IN_CLOSED_TEXT
                return
            self.step = Step.CHECK_IN
            self.message = None

    def key_digit(self, digit: str) -> None:
        """A keypad press or a scanner digit; from home a digit starts the check-in."""
        self.touch()
        digit = digit.upper()  # a booking code's digit or letter (a scanner or keyboard types letters)
        if not (len(digit) == 1 and (digit.isdigit() or digit in CODE_ALPHABET)):
            return
        if self.step is Step.HOME:
            self.start_check_in()
        if self.step is Step.CHECK_IN and not self.in_flight and len(self.code) < CODE_LENGTH:
            self.code += digit
            self.message = None

    def key_backspace(self) -> None:
        self.touch()
        if self.step is Step.CHECK_IN and not self.in_flight:
            self.code = self.code[:-1]

    def key_clear(self) -> None:
        self.touch()
        if self.step is Step.CHECK_IN and not self.in_flight:
            self.code = ""

    def submit_code(self) -> Request | None:
        """OK on the keypad or Enter from the scanner: the check-in request, or ``None``."""
        self.touch()
        if self.step is not Step.CHECK_IN or self.in_flight or not self.online:
            return None
        if len(self.code) != CODE_LENGTH:
            self.message = Text(f"请输入 {CODE_LENGTH} 位预约码", f"Enter the {CODE_LENGTH}-character booking code")
            return None
        if self.pending is None or self.pending.kind != "check_in" or self.pending.code != self.code:
            self.pending = Request("check_in", self.new_key(), code=self.code, created_at=self.now(), holder=self.holder)
        self.in_flight = True
        self.message = None
        return self.pending

    # ID card and QR scanner (kiosk.card) ------------------------------

    def card_read(self, holder: CardHolder) -> Request | None:
        """A card was read: check in the holder's booking of today, or ``None`` while busy or offline.
        From any page but a ticket being made or printed: a card starts a new citizen's turn."""
        self.touch()
        if self.in_flight or not self.online or self.step in (Step.ISSUING, Step.PRINTING, Step.PAUSED):
            return None
        self.go_home()
        self.holder = holder
        self.step = Step.CHECK_IN
        self.message = CHECKING_TEXT
        self.pending = Request("card_check_in", self.new_key(), created_at=self.now(), holder=holder)
        self.in_flight = True
        return self.pending

    def scanned(self, text: str) -> Request | None:
        """A scanner burst (a booking's QR) from any page: its check-in request, or ``None``."""
        self.touch()
        if self.in_flight or not self.online or self.step in (Step.ISSUING, Step.PRINTING, Step.PAUSED):
            return None
        code = booking_code_from_scan(text)
        holder = self.holder
        self.go_home()
        self.holder = holder
        if code is None:
            self.message = BAD_QR_TEXT
            return None
        self.start_check_in()
        if self.step is not Step.CHECK_IN:
            return None
        self.code = code
        return self.submit_code()

    # ------------------------------------------------------------------ results

    def issue_succeeded(self, ticket: dict[str, Any]) -> None:
        """The server committed the ticket (issue or check-in): print it next."""
        self.in_flight = False
        self.pending = None
        self.ticket = ticket
        self.message = LATE_TEXT if (ticket.get("booking") or {}).get("late") else None
        self.holder = None  # the next number needs the card again
        self.step = Step.PRINTING
        self.print_state = PrintState.PRINTING
        self.print_fault = None
        self.touch()

    def issue_refused(self, message: Text, code: str = "") -> None:
        """The server answered with a rule error (4xx): nothing was issued; say why, stay on the page.
        A card check-in without a booking today (or too early) goes home to take a number with the card."""
        self.in_flight = False
        self.message = message
        if self.pending is not None and self.pending.kind == "card_check_in":
            self.pending = None
            self.step = Step.HOME
            if code == "no_booking_today" and self.holder is not None:
                self.message = walk_in_text(self.holder)
            self.touch()
            return
        if self.step is Step.ISSUING:
            self.step = Step.CONFIRM
        if self.pending is not None and self.pending.kind == "check_in":
            self.pending = None  # a corrected code is a new request
        self.touch()

    def went_offline(self) -> None:
        """The server cannot be reached. A request cut off stays pending with its key."""
        self.online = False
        self.in_flight = False
        if self.step not in (Step.PRINTING, Step.DONE):
            self.step = Step.PAUSED
        self.message = None

    def came_online(self) -> Request | None:
        """The server answers again: the request to resend (same key), or ``None`` (back to home)."""
        was_offline = not self.online
        self.online = True
        if not was_offline or self.step is not Step.PAUSED:
            return None
        request = self.pending
        if request is not None and self.now() - request.created_at < self.PENDING_KEEP_SECONDS:
            self.in_flight = True
            self.step = Step.ISSUING if request.kind == "issue" else Step.CHECK_IN
            return request
        self.go_home()
        return None

    def cancel_pending(self) -> None:
        """The citizen gives up on the paused screen."""
        self.touch()
        self.in_flight = False
        self.pending = None
        if self.online:
            self.go_home()
        else:
            self.series = self.item_code = self.priority_reason = None
            self.code = ""

    def printer_checked(self, fault: Text | None, ready: bool) -> bool:
        """A status poll: a fault warns before anyone presses; a printer that answers ready clears it.
        A printer that cannot say (``ready`` False, no fault) leaves it as it is. Returns whether it changed."""
        before = self.printer_trouble
        if fault is not None:
            self.printer_trouble = fault
        elif ready:
            self.printer_trouble = None
        return before != self.printer_trouble

    def printed(self) -> None:
        self.print_state = PrintState.PRINTED
        self.print_fault = None
        self.printer_trouble = None
        self._done()

    def print_failed(self, fault: Text) -> None:
        """The printer could not print: the ticket stays valid and is shown on screen with its QR code."""
        self.print_state = PrintState.FAULT
        self.print_fault = fault
        self.printer_trouble = fault
        self._done()

    def _done(self) -> None:
        if self.step in (Step.PRINTING, Step.DONE):
            self.step = Step.DONE
            self.done_at = self.now()
            self.touch()

    def reprint(self) -> dict[str, Any] | None:
        """The ticket to print again, or ``None`` when the offer has passed or a print is running."""
        self.touch()
        if not self.can_reprint or self.print_state is PrintState.PRINTING:
            return None
        self.print_state = PrintState.PRINTING
        self.step = Step.PRINTING
        return self.ticket

    # ------------------------------------------------------------------ time

    def tick(self) -> bool:
        """Called about once a second; returns True when the kiosk went back to home."""
        if self.in_flight or self.step in (Step.HOME, Step.PAUSED, Step.PRINTING):
            if self.step is Step.HOME and self.now() - self.last_touch > self.IDLE_SECONDS:
                changed = bool(self.priority_reason or self.large_text or self.high_contrast or self.first_choice() or self.holder)
                if changed:
                    self.end_session()
                return changed
            return False
        limit = self.DONE_SECONDS if self.step is Step.DONE else self.IDLE_SECONDS
        if self.now() - self.last_touch > limit:
            self.end_session()
            return True
        return False
