"""The rating pad's state machine, in plain Python (no Qt).

idle (岗位公示: the clerk's card) -> serving (ticket and item) -> rating (when *this* window's
service finishes: five levels, none pre-selected) -> [差评: reasons, and from there an optional
comment (on-screen keyboard) and an optional phone number for 回访 with consent] -> thanks -> idle. The flow never talks to the server: methods return a :class:`RateRequest`
when something must be recorded, the widget sends it and reports back with
:meth:`PadFlow.rate_done` / :meth:`PadFlow.rate_failed`.

Rules it keeps (好差评, GB/T 39734): one rating per service; no level pre-selected; nobody but
the citizen picks; a rating screen left alone for ``rating_timeout`` seconds records
"not rated" (``level=None``), never a level. The 差评 screens (reasons, comment, phone) wait
``detail_timeout`` seconds of *true* idle: every touch restarts the count, so nobody is cut off
while typing. When a citizen walks away there, what they chose is submitted (the level, the
reasons, a comment or phone number they confirmed) rather than discarded: the 差评 is theirs and
must reach the follow-up; a half-typed comment or an unconfirmed number is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hall.contact import valid_phone
from hall.tickets import RatingLevel


class PadState(StrEnum):
    IDLE = "idle"
    SERVING = "serving"
    RATING = "rating"
    REASONS = "reasons"
    COMMENT = "comment"
    CONTACT = "contact"
    SENDING = "sending"
    THANKS = "thanks"


@dataclass(frozen=True)
class RateRequest:
    service_id: int
    level: RatingLevel | None
    reasons: tuple[str, ...] = ()
    comment: str = ""
    channel: str = "pad"
    contact_phone: str = ""  # given with the citizen's consent, for 回访


DETAIL_STATES = ("reasons", "comment", "contact")


SERVING_EVENTS = ("ticket_called", "service_started")
LEAVING_EVENTS = ("ticket_no_show", "ticket_parked")


@dataclass
class PadFlow:
    window: int
    rating_timeout: float = 30.0
    thanks_seconds: float = 4.0
    detail_timeout: float = 120.0  # true idle on the 差评 screens before what was chosen is sent
    state: PadState = PadState.IDLE
    clerk: dict[str, Any] | None = None
    window_info: dict[str, Any] | None = None
    ticket: dict[str, Any] | None = None  # the ticket now at the window (serving screen)
    service: dict[str, Any] | None = None  # the finished service waiting for its rating
    level: RatingLevel | None = None
    reasons: set[str] = field(default_factory=set)
    comment: str = ""  # confirmed on the keyboard screen
    phone: str = ""  # digits being typed on the contact screen
    consent: bool = False
    contact_phone: str = ""  # confirmed with consent
    sent_contact: bool = False  # the thanks screen promises a 回访 only then
    deadline: float | None = None
    outcome: str = ""  # what the thanks screen says: "rated", "not_rated", "already", "error"
    error: str = ""

    # ------------------------------------------------------------------ the hall tells us

    def on_snapshot(self, snapshot: dict[str, Any], now: float) -> None:
        for window in snapshot.get("windows", []):
            if window.get("number") == self.window:
                self.window_info = {k: window.get(k) for k in ("number", "name_zh", "name_en", "department")}
                self.clerk = window.get("clerk")
                current = window.get("current")
                self.ticket = current if current and current.get("status") in ("called", "serving") else None
                break
        if self.state in (PadState.IDLE, PadState.SERVING):
            self._rest()

    def on_event(self, kind: str, data: dict[str, Any], now: float) -> None:
        if data.get("window") != self.window and data.get("from_window") != self.window:
            return
        if kind == "clerk_logged_in":
            self.clerk = data.get("clerk")
        elif kind == "clerk_logged_out":
            self.clerk = None
        elif kind in SERVING_EVENTS:
            ticket = dict(data.get("ticket") or {})
            ticket["status"] = "serving" if kind == "service_started" else "called"
            self.ticket = ticket
            if self.state in (PadState.IDLE, PadState.SERVING):
                self.state = PadState.SERVING
        elif kind in LEAVING_EVENTS or kind == "ticket_transferred":
            self.ticket = None
            if self.state is PadState.SERVING:
                self.state = PadState.IDLE
        elif kind == "service_finished":
            self.ticket = None
            self.service = {"service_id": data["service_id"], "ticket": data.get("ticket"), "item": data.get("item")}
            self.level, self.reasons, self.error = None, set(), ""
            self._forget_details()
            self.state = PadState.RATING
            self.deadline = now + self.rating_timeout
        elif kind == "service_rated":
            if self.service and data.get("service_id") == self.service["service_id"] and self._on_rating_screen():
                self._thank("already", now)  # rated elsewhere (the 4-key rater, another path)

    # ------------------------------------------------------------------ the citizen acts

    def choose(self, level: RatingLevel, now: float) -> RateRequest | None:
        """A level button (or a 4-key rater key). A 差评 first asks for reasons."""
        if self.state is not PadState.RATING or self.service is None:
            return None
        self.level = level
        if level.is_bad:
            self.state = PadState.REASONS
            self.deadline = now + self.detail_timeout
            return None
        return self._send(level, (), "")

    def toggle_reason(self, code: str, now: float) -> None:
        if self.state is PadState.REASONS:
            self.reasons.symmetric_difference_update({code})
            self.touched(now)

    def back(self, now: float) -> None:
        """返回重选: from the reasons screen pick the level again; from the comment or phone
        screen return to the reasons, leaving what was confirmed before."""
        if self.state is PadState.REASONS:
            self.state, self.level, self.reasons = PadState.RATING, None, set()
            self._forget_details()
            self.deadline = now + self.rating_timeout
        elif self.state in (PadState.COMMENT, PadState.CONTACT):
            self.phone, self.consent = self.contact_phone, bool(self.contact_phone)
            self.state = PadState.REASONS
            self.touched(now)

    def open_comment(self, now: float) -> None:
        if self.state is PadState.REASONS:
            self.state = PadState.COMMENT
            self.touched(now)

    def confirm_comment(self, text: str, now: float) -> None:
        if self.state is PadState.COMMENT:
            self.comment = text.strip()[:500]
            self.state = PadState.REASONS
            self.touched(now)

    def open_contact(self, now: float) -> None:
        if self.state is PadState.REASONS:
            self.state = PadState.CONTACT
            self.touched(now)

    def press_digit(self, digit: str, now: float) -> None:
        if self.state is PadState.CONTACT and digit.isdigit() and len(digit) == 1 and len(self.phone) < 11:
            self.phone += digit
        self.touched(now)

    def delete_digit(self, now: float) -> None:
        if self.state is PadState.CONTACT:
            self.phone = self.phone[:-1]
        self.touched(now)

    def set_consent(self, agreed: bool, now: float) -> None:
        if self.state is PadState.CONTACT:
            self.consent = agreed
        self.touched(now)

    @property
    def contact_ready(self) -> bool:
        return valid_phone(self.phone) and self.consent

    def confirm_contact(self, now: float) -> bool:
        """Keep the number only with a full mobile number and the consent box ticked."""
        if self.state is not PadState.CONTACT or not self.contact_ready:
            return False
        self.contact_phone = self.phone
        self.state = PadState.REASONS
        self.touched(now)
        return True

    def remove_contact(self, now: float) -> None:
        if self.state in (PadState.REASONS, PadState.CONTACT):
            self.contact_phone, self.phone, self.consent = "", "", False
        self.touched(now)

    def submit(self, comment: str | None = None) -> RateRequest | None:
        """完成 on the reasons screen."""
        if self.state is not PadState.REASONS or self.level is None:
            return None
        if comment is not None:
            self.comment = comment.strip()[:500]
        return self._send(self.level, tuple(sorted(self.reasons)), self.comment)

    def touched(self, now: float) -> None:
        """Any touch on a rating screen restarts its countdown."""
        if self.state is PadState.RATING:
            self.deadline = now + self.rating_timeout
        elif self.state.value in DETAIL_STATES:
            self.deadline = now + self.detail_timeout

    def tick(self, now: float) -> RateRequest | None:
        if self.deadline is None or now < self.deadline:
            return None
        if self.state is PadState.RATING:
            return self._send(None, (), "", channel="timeout")
        if self.state.value in DETAIL_STATES and self.level is not None:
            return self._send(self.level, tuple(sorted(self.reasons)), self.comment)
        if self.state is PadState.THANKS:
            self.service, self.deadline = None, None
            self._rest()
        return None

    def seconds_left(self, now: float) -> int:
        return max(0, round(self.deadline - now)) if self.deadline is not None else 0

    # ------------------------------------------------------------------ the server answered

    def rate_done(self, now: float) -> None:
        self._thank("rated" if self.level is not None else "not_rated", now)

    def rate_failed(self, code: str, message: str, now: float) -> None:
        self.error = message
        self._thank("already" if code == "already_rated" else "error", now)

    # ------------------------------------------------------------------ internals

    def _send(self, level: RatingLevel | None, reasons: tuple[str, ...], comment: str, channel: str = "pad") -> RateRequest:
        assert self.service is not None
        self.level = level
        self.state, self.deadline = PadState.SENDING, None
        contact = self.contact_phone if level is not None and level.is_bad else ""
        self.sent_contact = bool(contact)
        return RateRequest(int(self.service["service_id"]), level, reasons, comment, channel, contact)

    def _on_rating_screen(self) -> bool:
        return self.state is PadState.RATING or self.state.value in DETAIL_STATES

    def _forget_details(self) -> None:
        self.comment, self.phone, self.consent, self.contact_phone, self.sent_contact = "", "", False, "", False

    def _thank(self, outcome: str, now: float) -> None:
        if outcome == "not_rated":  # nobody there to thank
            self.service, self.deadline, self.outcome = None, None, outcome
            self._rest()
            return
        self.state, self.outcome, self.deadline = PadState.THANKS, outcome, now + self.thanks_seconds

    def _rest(self) -> None:
        self.state = PadState.SERVING if self.ticket else PadState.IDLE
