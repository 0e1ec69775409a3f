"""What the hall display shows, kept from the server's snapshot and event stream (no Qt).

The screens draw a :class:`HallScreenModel`; the voice gets the calls this model says to speak.
The model owns three decisions:

* **Zone.** A display may cover part of the hall (a floor, windows 1–20, the V series): calls,
  windows and queues outside its :class:`~hall.announcements.Zone` are neither shown nor spoken.
* **Catch-up without stale voice.** After a reconnect the server replays what was missed. Every
  replayed call is shown (the screen is the record) but a call whose event is older than
  ``speak_within_seconds`` by the server's clock is not spoken: a citizen called three minutes
  ago is not summoned again by a voice that comes back late.
* **Calls follow the ticket.** The big call is the newest call whose ticket is still at its
  window. A transfer, a no-show or a park withdraws the call at once (its line leaves the list);
  a finished service leaves its line in the list as history but no longer holds the big call.
* **Server time.** Event times are the server's. The display learns the offset between its own
  clock and the server's from each snapshot, so a display whose clock is off still judges age
  correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hall.announcements import Call, Zone
from hall.serving import Staffing, staffing

RECENT_LIMIT = 10

# A recent call whose ticket is now back in a queue, parked or missed was withdrawn: not listed.
WITHDRAWN_STATUSES = frozenset({"waiting", "parked", "no_show"})

# Events after which counts the display cannot derive locally may be off: refresh the snapshot.
RESYNC_KINDS = frozenset(
    {"ticket_requeued", "ticket_transferred", "ticket_parked", "window_categories_changed", "config_changed", "day_rolled"}
)


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CallEntry:
    """One call as the screen lists it."""

    number: str
    window: int
    window_name: str = ""
    called_at: datetime | None = None
    recall: bool = False
    seq: int = 0

    @property
    def series(self) -> str:
        return "".join(ch for ch in self.number if ch.isalpha()).upper()


@dataclass
class WindowView:
    number: int
    name_zh: str = ""
    name_en: str = ""
    state: str = "open"              # open / closed / paused
    current: str | None = None       # the ticket number being called or served
    current_status: str = ""         # "called" or "serving" while there is a current ticket
    clerk: dict[str, Any] | None = None
    paused_since: datetime | None = None
    pause_reason: str = ""
    series: tuple[str, ...] = ()     # primary + secondary series it serves

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def staffing(self) -> Staffing:
        return staffing(self.state, self.clerk is not None)


@dataclass
class CategoryView:
    series: str
    name_zh: str
    name_en: str = ""
    waiting: int = 0
    estimated_wait_minutes: float = 0


@dataclass
class HallInfo:
    name_zh: str = ""
    name_en: str = ""
    notices: tuple[str, ...] = ()
    complaint_phone: str = ""
    period: str = ""
    notice: str = ""


@dataclass
class Update:
    """What one snapshot or event changed: which parts to redraw and which calls to speak."""

    changed: set[str] = field(default_factory=set)   # "calls", "windows", "categories", "hall"
    speak: list[Call] = field(default_factory=list)
    shown_only: list[CallEntry] = field(default_factory=list)   # calls shown but too old to speak
    new_call: CallEntry | None = None
    resync: bool = False             # the snapshot should be fetched again


class HallScreenModel:
    def __init__(
        self,
        zone: Zone | None = None,
        *,
        speak_within_seconds: float = 20.0,
        recent_limit: int = RECENT_LIMIT,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.zone = zone or Zone()
        self.speak_within_seconds = speak_within_seconds
        self.recent_limit = recent_limit
        self.clock = clock
        self.hall = HallInfo()
        self.windows: dict[int, WindowView] = {}
        self.categories: dict[str, CategoryView] = {}
        self.recent: list[CallEntry] = []     # newest first
        self.seq = 0
        self.has_snapshot = False
        self._server_offset = timedelta(0)

    # -- time -----------------------------------------------------------------------------------

    def server_now(self) -> datetime:
        return self.clock() + self._server_offset

    def age_seconds(self, at: datetime | None) -> float:
        if at is None:
            return 0.0
        return (self.server_now() - at).total_seconds()

    # -- zone -----------------------------------------------------------------------------------

    def in_zone(self, entry: CallEntry) -> bool:
        return self.zone.covers(Call(entry.number, entry.window))

    def window_in_zone(self, window: WindowView) -> bool:
        if self.zone.whole_hall or window.number in self.zone.windows:
            return True
        return any(s in self.zone.series for s in window.series)

    def category_in_zone(self, category: CategoryView) -> bool:
        if self.zone.whole_hall or category.series in self.zone.series:
            return True
        return any(category.series in w.series for n, w in self.windows.items() if n in self.zone.windows)

    def is_live(self, entry: CallEntry) -> bool:
        """The call still stands: its ticket is called or served at that window now."""
        window = self.windows.get(entry.window)
        return window is None or window.current == entry.number

    @property
    def latest_call(self) -> CallEntry | None:
        """The call the screen shows large: the newest one whose ticket is still at its window."""
        return next((entry for entry in self.recent if self.is_live(entry)), None)

    def earlier_calls(self) -> list[CallEntry]:
        """The list beside the big call: every other recent call, newest first."""
        latest = self.latest_call
        return [entry for entry in self.recent if entry is not latest]

    def visible_windows(self) -> list[WindowView]:
        return [w for _, w in sorted(self.windows.items()) if self.window_in_zone(w)]

    def visible_categories(self) -> list[CategoryView]:
        return [c for c in self.categories.values() if self.category_in_zone(c)]

    def window_name(self, number: int) -> str:
        window = self.windows.get(number)
        return window.name_zh if window else ""

    # -- snapshot -------------------------------------------------------------------------------

    def apply_snapshot(self, data: dict[str, Any]) -> Update:
        """Redraw everything from a snapshot. Never speaks: a snapshot is a state, not a call."""
        server_now = _parse_time(data.get("now"))
        if server_now is not None:
            self._server_offset = server_now - self.clock()
        hall = data.get("hall") or {}
        notice = hall.get("notice") or {}
        self.hall = HallInfo(
            name_zh=str(hall.get("name_zh", "")),
            name_en=str(hall.get("name_en", "")),
            notices=tuple(str(n) for n in (hall.get("notices") or ())),
            complaint_phone=str(hall.get("complaint_phone", "") or ""),
            period=str(hall.get("period", "")),
            notice=str(notice.get("zh", "")) if isinstance(notice, dict) else str(notice),
        )
        self.categories = {
            c["series"]: CategoryView(
                series=c["series"],
                name_zh=c.get("name_zh", ""),
                name_en=c.get("name_en", ""),
                waiting=int(c.get("waiting", 0)),
                estimated_wait_minutes=c.get("estimated_wait_minutes", 0) or 0,
            )
            for c in data.get("categories", ())
        }
        self.windows = {}
        for w in data.get("windows", ()):
            current = w.get("current") or None
            self.windows[int(w["number"])] = WindowView(
                number=int(w["number"]),
                name_zh=w.get("name_zh", ""),
                name_en=w.get("name_en", ""),
                state=w.get("state", "open"),
                current=current.get("number") if isinstance(current, dict) else current,
                current_status=str(current.get("status", "called")) if isinstance(current, dict) else ("called" if current else ""),
                clerk=w.get("clerk"),
                paused_since=_parse_time(w.get("paused_since")),
                pause_reason=w.get("pause_reason", "") or "",
                series=tuple(w.get("primary", ())) + tuple(w.get("secondary", ())),
            )
        calls = [
            CallEntry(
                number=c["number"],
                window=int(c["window"]),
                window_name=c.get("window_name", "") or self.window_name(int(c["window"])),
                called_at=_parse_time(c.get("called_at")),
            )
            for c in data.get("recent_calls", ())
            if c.get("status") not in WITHDRAWN_STATUSES
        ]
        self.recent = [c for c in calls if self.in_zone(c)][: self.recent_limit]
        self.seq = int(data.get("seq", self.seq))
        self.has_snapshot = True
        return Update(changed={"calls", "windows", "categories", "hall"})

    # -- events ---------------------------------------------------------------------------------

    def apply_event(self, message: dict[str, Any]) -> Update:
        """Apply one event (``{"seq", "kind", "data", "at"}``) and say what to redraw and speak."""
        kind = message.get("kind", "")
        data = message.get("data") or {}
        at = _parse_time(message.get("at"))
        self.seq = max(self.seq, int(message.get("seq", 0) or 0))
        update = Update(resync=kind in RESYNC_KINDS)
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            handler(data, at, update)
        return update

    def _window(self, number: Any) -> WindowView | None:
        try:
            return self.windows.get(int(number))
        except (TypeError, ValueError):
            return None

    def _on_ticket_called(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        number = str(ticket.get("number", ""))
        window_no = int(data.get("window", 0))
        recall = bool(data.get("recall"))
        window = self._window(window_no)
        if window is not None:
            window.current = number
            window.current_status = "called"
            update.changed.add("windows")
        series = str(ticket.get("series", "")).upper()
        if not recall and series in self.categories:
            category = self.categories[series]
            category.waiting = max(0, category.waiting - 1)
            update.changed.add("categories")
        entry = CallEntry(number, window_no, self.window_name(window_no), at, recall, self.seq)
        if not self.in_zone(entry):
            return
        # A recall or a move to another window replaces the number's older line in the list.
        self.recent = [entry, *[c for c in self.recent if c.number != number][: self.recent_limit - 1]]
        update.changed.add("calls")
        update.new_call = entry
        if self.age_seconds(at) <= self.speak_within_seconds:
            update.speak.append(Call(number, window_no, recall))
        else:
            update.shown_only.append(entry)

    def _on_ticket_issued(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        series = str(ticket.get("series", "")).upper()
        category = self.categories.get(series)
        if category is None:
            update.resync = True
            return
        waiting = data.get("waiting")
        category.waiting = int(waiting) if isinstance(waiting, int) else category.waiting + 1
        update.changed.add("categories")

    def _clear_current(self, window_no: Any, number: str | None, update: Update) -> None:
        window = self._window(window_no)
        if window is not None and (number is None or window.current == number):
            window.current = None
            window.current_status = ""
            update.changed.update({"windows", "calls"})

    def _withdraw(self, window_no: Any, number: str | None, update: Update) -> None:
        """The ticket left the window without being served there: its call no longer stands."""
        self._clear_current(window_no, number, update)
        try:
            window = int(window_no)
        except (TypeError, ValueError):
            return
        kept = [c for c in self.recent if not (c.number == number and c.window == window)]
        if len(kept) != len(self.recent):
            self.recent = kept
            update.changed.add("calls")

    def _on_service_started(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        window = self._window(data.get("window"))
        if window is not None and window.current == ticket.get("number"):
            window.current_status = "serving"
            update.changed.add("windows")

    def _on_service_finished(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        self._clear_current(data.get("window"), ticket.get("number"), update)

    def _on_ticket_no_show(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        self._withdraw(data.get("window"), ticket.get("number"), update)

    def _on_ticket_transferred(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        self._withdraw(data.get("from_window"), ticket.get("number"), update)

    def _on_ticket_parked(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        ticket = data.get("ticket") or {}
        self._withdraw(data.get("window"), ticket.get("number"), update)

    def _on_window_paused(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.state = "paused"
            window.pause_reason = str(data.get("reason", "") or "")
            window.paused_since = _parse_time(data.get("since")) or at
            update.changed.add("windows")

    def _on_window_resumed(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.state = "open"
            window.pause_reason = ""
            window.paused_since = None
            update.changed.add("windows")

    def _on_window_changed(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.state = str(data.get("state", window.state))
            update.changed.add("windows")

    def _on_window_categories_changed(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.series = tuple(data.get("primary", ())) + tuple(data.get("secondary", ()))
            update.changed.add("windows")

    def _on_clerk_logged_in(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.clerk = data.get("clerk")
            update.changed.add("windows")

    def _on_clerk_logged_out(self, data: dict[str, Any], at: datetime | None, update: Update) -> None:
        window = self._window(data.get("window"))
        if window is not None:
            window.clerk = None
            update.changed.add("windows")


__all__ = ["CallEntry", "CategoryView", "HallInfo", "HallScreenModel", "Update", "WindowView"]
