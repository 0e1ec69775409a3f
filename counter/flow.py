"""The counter's state machine, in plain Python (no Qt): what a clerk at a window may do next.

States: logged-out -> idle -> called -> serving -> (finish / transfer / park / no-show) -> idle,
and paused (暂停服务) from idle. The widget asks :meth:`CounterFlow.can` which buttons to enable,
calls :meth:`CounterFlow.begin` before sending a request (a second press while one is in flight
is refused, so a double click never calls two numbers), and reports the server's answer with
the ``*_done`` methods. The server stays the authority: a refused request leaves the flow as it
was (:meth:`CounterFlow.failed`).

The AB-post rule (AB角工作制) allows an absence of at most ``pause_warn_minutes`` (3 by default):
:meth:`CounterFlow.pause_overdue` says when the pause timer must warn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from hall.text import Bilingual


class CounterState(StrEnum):
    LOGGED_OUT = "logged_out"
    IDLE = "idle"
    CALLED = "called"
    SERVING = "serving"
    PAUSED = "paused"


class CounterAction(StrEnum):
    CALL_NEXT = "call_next"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    CALL_NUMBER = "call_number"
    PARK = "park"
    CALL_BACK = "call_back"
    PAUSE = "pause"
    RESUME = "resume"
    HANDOVER = "handover"
    FIND_TICKET = "find_ticket"
    LOGOUT = "logout"
    SIGN_OFF = "sign_off"


A = CounterAction
ENABLED: dict[CounterState, frozenset[CounterAction]] = {
    CounterState.LOGGED_OUT: frozenset(),
    CounterState.IDLE: frozenset({A.CALL_NEXT, A.CALL_NUMBER, A.CALL_BACK, A.PAUSE, A.HANDOVER, A.FIND_TICKET, A.LOGOUT, A.SIGN_OFF}),
    CounterState.CALLED: frozenset({A.RECALL, A.START, A.NO_SHOW, A.TRANSFER, A.PARK, A.HANDOVER, A.FIND_TICKET}),
    CounterState.SERVING: frozenset({A.FINISH, A.TRANSFER, A.PARK, A.HANDOVER, A.FIND_TICKET}),
    CounterState.PAUSED: frozenset({A.RESUME, A.HANDOVER, A.FIND_TICKET, A.LOGOUT, A.SIGN_OFF}),
}

ACTION_NAMES: dict[CounterAction, Bilingual] = {
    A.CALL_NEXT: Bilingual("叫号", "Call next"),
    A.RECALL: Bilingual("重呼", "Recall"),
    A.START: Bilingual("开始办理", "Start"),
    A.FINISH: Bilingual("办结", "Finish"),
    A.NO_SHOW: Bilingual("过号", "No-show"),
    A.TRANSFER: Bilingual("转移", "Transfer"),
    A.CALL_NUMBER: Bilingual("指定叫号", "Call number"),
    A.PARK: Bilingual("挂起", "Park"),
    A.CALL_BACK: Bilingual("回呼", "Call back"),
    A.PAUSE: Bilingual("暂停", "Pause"),
    A.RESUME: Bilingual("恢复", "Resume"),
    A.HANDOVER: Bilingual("AB岗交接", "Handover"),
    A.FIND_TICKET: Bilingual("查号", "Find ticket"),
    A.LOGOUT: Bilingual("退出", "Log out"),
    A.SIGN_OFF: Bilingual("签退", "Sign off"),
}

STATE_NAMES: dict[CounterState, Bilingual] = {
    CounterState.LOGGED_OUT: Bilingual("未登录", "logged out"),
    CounterState.IDLE: Bilingual("空闲", "idle"),
    CounterState.CALLED: Bilingual("已叫号", "called"),
    CounterState.SERVING: Bilingual("办理中", "serving"),
    CounterState.PAUSED: Bilingual("暂停服务", "paused"),
}

# Function keys: one key per button. F8 and F9 are two-way keys whose meaning follows the state.
# F11 (查号) finds a ticket by its number in any state: a citizen back after missing the call can
# be put back in the queue while the clerk serves someone else; calling them needs an idle window.
KEYS: dict[str, tuple[CounterAction, ...]] = {
    "F1": (A.CALL_NEXT,),
    "F2": (A.RECALL,),
    "F3": (A.START,),
    "F4": (A.FINISH,),
    "F5": (A.NO_SHOW,),
    "F6": (A.TRANSFER,),
    "F7": (A.CALL_NUMBER,),
    "F8": (A.PARK, A.CALL_BACK),
    "F9": (A.PAUSE, A.RESUME),
    "F10": (A.HANDOVER,),
    "F11": (A.FIND_TICKET,),
}
KEY_OF: dict[CounterAction, str] = {action: key for key, actions in KEYS.items() for action in actions}

PAUSE_REASONS: tuple[Bilingual, ...] = (
    Bilingual("AB岗临时离开", "A/B post: stepping away"),
    Bilingual("业务咨询/请示", "consulting a colleague"),
    Bilingual("设备故障", "equipment fault"),
    Bilingual("会议/学习", "meeting or training"),
)


class FlowError(Exception):
    """An action the current state does not allow (the button should have been disabled)."""

    def __init__(self, action: CounterAction, state: CounterState) -> None:
        self.action, self.state = action, state
        name, where = ACTION_NAMES[action], STATE_NAMES[state]
        super().__init__(f"当前状态“{where.zh}”不能{name.zh} / cannot {name.en.lower()} while {where.en}")


@dataclass
class CounterFlow:
    pause_warn_minutes: float = 3.0
    recall_limit: int = 3
    state: CounterState = CounterState.LOGGED_OUT
    window: int | None = None
    clerk: dict[str, Any] | None = None
    post: str | None = None
    ticket: dict[str, Any] | None = None
    recall_count: int = 0
    paused_since: datetime | None = None
    pause_reason: str = ""
    pending: CounterAction | None = None
    last_service: dict[str, Any] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ what may happen

    @property
    def busy(self) -> bool:
        return self.pending is not None

    def can(self, action: CounterAction) -> bool:
        return not self.busy and action in ENABLED[self.state]

    def enabled_actions(self) -> frozenset[CounterAction]:
        return frozenset() if self.busy else ENABLED[self.state]

    def action_for_key(self, key: str) -> CounterAction | None:
        """The action a function key means now (F8 park/call back, F9 pause/resume)."""
        for action in KEYS.get(key, ()):
            if action in ENABLED[self.state]:
                return action
        return None

    def begin(self, action: CounterAction) -> None:
        if not self.can(action):
            raise FlowError(action, self.state)
        self.pending = action

    def failed(self) -> None:
        """The server refused or could not be reached: nothing changed."""
        self.pending = None

    # ------------------------------------------------------------------ answers from the server

    def logged_in(self, result: dict[str, Any]) -> None:
        self.pending = None
        self.clerk, self.post, self.window = result.get("clerk"), result.get("post"), result.get("window")
        self.state = CounterState.IDLE
        self.ticket, self.paused_since, self.pause_reason = None, None, ""

    def restore(self, window: dict[str, Any], rules: dict[str, Any] | None = None, now: datetime | None = None) -> None:
        """Take the window's real state from a snapshot (after login, handover or a reconnect)."""
        if rules:
            self.pause_warn_minutes = float(rules.get("pause_warn_minutes", self.pause_warn_minutes))
            self.recall_limit = int(rules.get("recall_limit", self.recall_limit))
        if self.state is CounterState.LOGGED_OUT:
            return
        current = window.get("current")
        if current and current.get("status") in ("called", "serving"):
            if self.ticket is None or self.ticket.get("id") != current.get("id"):
                self.ticket = current
            else:
                self.ticket = {**self.ticket, **{k: v for k, v in current.items() if v is not None}}
            self.recall_count = int(current.get("recall_count", 0))
            self.state = CounterState.SERVING if current["status"] == "serving" else CounterState.CALLED
        elif window.get("state") == "paused":
            self.ticket = None
            self.state = CounterState.PAUSED
            since = window.get("paused_since")
            self.paused_since = datetime.fromisoformat(since) if since else now
            self.pause_reason = window.get("pause_reason", "")
        else:
            self.ticket = None
            self.state = CounterState.IDLE
            self.paused_since = None

    def called(self, result: dict[str, Any]) -> bool:
        """A call (next, number or call-back) answered; False when nobody was waiting."""
        self.pending = None
        ticket = result.get("ticket")
        if not ticket:
            return False
        self.ticket, self.recall_count, self.state = ticket, 0, CounterState.CALLED
        return True

    def recalled(self, result: dict[str, Any]) -> None:
        self.pending = None
        if result.get("no_show"):
            self.ticket_closed()
            return
        self.recall_count = int(result.get("recall_count", self.recall_count + 1))

    @property
    def recalls_left(self) -> int:
        return max(0, self.recall_limit - self.recall_count)

    def started(self, result: dict[str, Any]) -> None:
        self.pending = None
        if self.ticket is not None:
            self.ticket = {**self.ticket, "status": "serving", "service_id": result.get("service_id")}
        self.state = CounterState.SERVING

    def finished(self, result: dict[str, Any]) -> None:
        self.last_service = result
        self.ticket_closed()

    def ticket_closed(self) -> None:
        """Finished, no-show, transferred or parked: the window is free again."""
        self.pending = None
        self.ticket, self.recall_count, self.state = None, 0, CounterState.IDLE

    def paused(self, since: datetime, reason: str) -> None:
        self.pending = None
        self.state, self.paused_since, self.pause_reason = CounterState.PAUSED, since, reason

    def resumed(self) -> None:
        self.pending = None
        self.state, self.paused_since, self.pause_reason = CounterState.IDLE, None, ""

    def logged_out(self) -> None:
        self.pending = None
        self.state = CounterState.LOGGED_OUT
        self.clerk = self.post = None
        self.ticket, self.paused_since = None, None

    # ------------------------------------------------------------------ timers

    def pause_elapsed(self, now: datetime) -> timedelta:
        if self.state is not CounterState.PAUSED or self.paused_since is None:
            return timedelta(0)
        return max(timedelta(0), now - self.paused_since)

    def pause_overdue(self, now: datetime) -> bool:
        """Past the AB-post limit (3 minutes away with a sign out): the counter warns."""
        return self.pause_elapsed(now) > timedelta(minutes=self.pause_warn_minutes)

    def waited_minutes(self) -> float | None:
        """How long the current citizen waited before the call (kept across transfers)."""
        if self.ticket is None:
            return None
        if self.ticket.get("waited_minutes") is not None:
            return float(self.ticket["waited_minutes"])
        issued, called = self.ticket.get("issued_at"), self.ticket.get("called_at")
        if issued and called:
            return round((datetime.fromisoformat(called) - datetime.fromisoformat(issued)).total_seconds() / 60.0, 1)
        return None


def ticket_notes(ticket: dict[str, Any] | None, tz: tzinfo | None = None) -> list[Bilingual]:
    """What the clerk should notice about a ticket: priority, appointment, transfer, recall."""
    if not ticket:
        return []
    from hall.tickets import ASSIST_MODES, PRIORITY_REASONS

    notes: list[Bilingual] = []
    if ticket.get("priority"):
        reason = PRIORITY_REASONS.get(ticket.get("priority_reason") or "", Bilingual("特殊人群", "special need"))
        notes.append(Bilingual(f"绿色通道：{reason.zh}", f"priority: {reason.en}"))
    assist = ASSIST_MODES.get(str(ticket.get("assist") or ""))
    if assist is not None:  # the guide desk marked it: staff handle it for the citizen or help them through
        notes.append(Bilingual(f"导办台：{assist.zh}", f"guide desk: {assist.en}"))
    if ticket.get("appointment_at"):
        at = datetime.fromisoformat(ticket["appointment_at"])
        at = at.astimezone(tz) if tz is not None and at.tzinfo is not None else at
        notes.append(Bilingual(f"预约 {at:%H:%M}", f"appointment {at:%H:%M}"))
    if int(ticket.get("transfer_count") or 0) > 0:
        extra = f"：{ticket['note']}" if ticket.get("note") else ""
        notes.append(Bilingual(f"转来 {ticket['transfer_count']} 次{extra}", f"transferred x{ticket['transfer_count']}{extra}"))
    return notes
