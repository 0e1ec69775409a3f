"""Ticket states, outcomes and rating levels, and which state changes the hall allows.

The state machine lives here so the server, the counter's own flow and the simulator agree on
what a clerk may do next. The database enforces the same through conditional updates.
"""

from __future__ import annotations

from enum import StrEnum

from hall.text import Bilingual, HallRuleError


class TicketStatus(StrEnum):
    WAITING = "waiting"  # in the queue
    CALLED = "called"  # called to a window, citizen on the way
    SERVING = "serving"  # service started at the window
    PARKED = "parked"  # 挂起: set aside at a window, to be called back there
    DONE = "done"  # service finished
    NO_SHOW = "no_show"  # 过号: did not come after the last recall
    EXPIRED = "expired"  # closed at business-day rollover, never served


ACTIVE_AT_WINDOW = (TicketStatus.CALLED, TicketStatus.SERVING)
OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.PARKED)


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    PARK = "park"
    CALL_BACK = "call_back"
    TRANSFER = "transfer"
    REQUEUE = "requeue"  # a no-show citizen came back late
    EXPIRE = "expire"


# (from, action) -> to
TRANSITIONS: dict[tuple[TicketStatus, Action], TicketStatus] = {
    (TicketStatus.WAITING, Action.CALL): TicketStatus.CALLED,
    (TicketStatus.CALLED, Action.RECALL): TicketStatus.CALLED,
    (TicketStatus.CALLED, Action.START): TicketStatus.SERVING,
    (TicketStatus.CALLED, Action.NO_SHOW): TicketStatus.NO_SHOW,
    (TicketStatus.CALLED, Action.PARK): TicketStatus.PARKED,
    (TicketStatus.SERVING, Action.PARK): TicketStatus.PARKED,
    (TicketStatus.PARKED, Action.CALL_BACK): TicketStatus.CALLED,
    (TicketStatus.SERVING, Action.FINISH): TicketStatus.DONE,
    (TicketStatus.CALLED, Action.TRANSFER): TicketStatus.WAITING,
    (TicketStatus.SERVING, Action.TRANSFER): TicketStatus.WAITING,
    (TicketStatus.NO_SHOW, Action.REQUEUE): TicketStatus.WAITING,
    (TicketStatus.NO_SHOW, Action.CALL): TicketStatus.CALLED,  # a late return called at once, if the hall allows it
    (TicketStatus.WAITING, Action.EXPIRE): TicketStatus.EXPIRED,
    (TicketStatus.CALLED, Action.EXPIRE): TicketStatus.EXPIRED,
    (TicketStatus.SERVING, Action.EXPIRE): TicketStatus.EXPIRED,
    (TicketStatus.PARKED, Action.EXPIRE): TicketStatus.EXPIRED,
}

STATUS_NAMES: dict[TicketStatus, Bilingual] = {
    TicketStatus.WAITING: Bilingual("等候中", "waiting"),
    TicketStatus.CALLED: Bilingual("已叫号", "called"),
    TicketStatus.SERVING: Bilingual("办理中", "being served"),
    TicketStatus.PARKED: Bilingual("挂起", "parked"),
    TicketStatus.DONE: Bilingual("已办结", "done"),
    TicketStatus.NO_SHOW: Bilingual("已过号", "missed"),
    TicketStatus.EXPIRED: Bilingual("已作废", "expired"),
}

ACTION_NAMES: dict[Action, Bilingual] = {
    Action.CALL: Bilingual("叫号", "call"),
    Action.RECALL: Bilingual("重呼", "recall"),
    Action.START: Bilingual("开始办理", "start"),
    Action.FINISH: Bilingual("办结", "finish"),
    Action.NO_SHOW: Bilingual("过号", "no-show"),
    Action.PARK: Bilingual("挂起", "park"),
    Action.CALL_BACK: Bilingual("回呼", "call back"),
    Action.TRANSFER: Bilingual("转移", "transfer"),
    Action.REQUEUE: Bilingual("重新排队", "re-queue"),
    Action.EXPIRE: Bilingual("作废", "expire"),
}


def next_status(current: TicketStatus, action: Action) -> TicketStatus:
    """The status after ``action``, or a bilingual refusal naming both the state and the action."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        state, act = STATUS_NAMES[current], ACTION_NAMES[action]
        raise HallRuleError(
            "illegal_transition",
            f"号票当前状态为“{state.zh}”，不能{act.zh}",
            f"a ticket that is {state.en} cannot be given '{act.en}'",
        ) from None


class Outcome(StrEnum):
    IMMEDIATE = "immediate"  # 即办件
    PROMISED = "promised"  # 承诺件
    JOINT = "joint"  # 联办件
    REPORTED = "reported"  # 上报件
    REFUSED = "refused"  # 退办件


# A 承诺件's deadline in working days when neither the clerk nor the item's 承诺时限 gives one
# (an item done on the spot has none: promised_days 0). The clerk sees it and can change it.
DEFAULT_PROMISED_WORKING_DAYS = 5
MAX_PROMISED_WORKING_DAYS = 365


def promised_working_days(chosen: int | None, item_days: int | None, hall_default: int = DEFAULT_PROMISED_WORKING_DAYS) -> int:
    """The clerk's choice, else the item's 承诺时限, else the hall's default (rules.promised_working_days)."""
    if chosen:
        return chosen
    return item_days if item_days else hall_default


OUTCOME_NAMES: dict[Outcome, Bilingual] = {
    Outcome.IMMEDIATE: Bilingual("即办件", "done on the spot"),
    Outcome.PROMISED: Bilingual("承诺件", "promised by a deadline"),
    Outcome.JOINT: Bilingual("联办件", "joint with other departments"),
    Outcome.REPORTED: Bilingual("上报件", "sent to a higher level"),
    Outcome.REFUSED: Bilingual("退办件", "refused with written reason"),
}


class RatingLevel(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def score(self) -> int:
        return RATING_SCORES[self]

    @property
    def is_bad(self) -> bool:
        """差评: the two lowest levels open a follow-up."""
        return self in (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)

    @property
    def counts_as_satisfied(self) -> bool:
        """满意率 counts 非常满意 + 满意 + 基本满意 over all rated."""
        return not self.is_bad


RATING_SCORES: dict[RatingLevel, int] = {
    RatingLevel.VERY_SATISFIED: 5,
    RatingLevel.SATISFIED: 4,
    RatingLevel.BASIC: 3,
    RatingLevel.DISSATISFIED: 2,
    RatingLevel.VERY_DISSATISFIED: 1,
}

RATING_NAMES: dict[RatingLevel, Bilingual] = {
    RatingLevel.VERY_SATISFIED: Bilingual("非常满意", "very satisfied"),
    RatingLevel.SATISFIED: Bilingual("满意", "satisfied"),
    RatingLevel.BASIC: Bilingual("基本满意", "basically satisfied"),
    RatingLevel.DISSATISFIED: Bilingual("不满意", "dissatisfied"),
    RatingLevel.VERY_DISSATISFIED: Bilingual("非常不满意", "very dissatisfied"),
}

# Reasons a citizen may tick for a 差评 (multi-select on the pad).
BAD_RATING_REASONS: dict[str, Bilingual] = {
    "attitude": Bilingual("服务态度差", "poor attitude"),
    "slow": Bilingual("办理效率低", "too slow"),
    "unclear": Bilingual("告知不清楚", "unclear instructions"),
    "runaround": Bilingual("多次跑腿", "made to come back again"),
    "not_done": Bilingual("未办成", "not done"),
    "wait": Bilingual("等候时间长", "long wait"),
    "other": Bilingual("其他", "other"),
}


class TicketSource(StrEnum):
    KIOSK = "kiosk"
    GUIDE_DESK = "guide_desk"  # 导办员 / 咨询台 issue for the citizen
    APPOINTMENT = "appointment"  # check-in of a booked slot
    COUNTER = "counter"  # a clerk issued it (e.g. walk-up at a window)


SOURCES_BY_ROLE: dict[str, frozenset[str]] = {
    "kiosk": frozenset({TicketSource.KIOSK.value}),
    "guide": frozenset({TicketSource.GUIDE_DESK.value}),
    "manager": frozenset(source.value for source in TicketSource),
}
"""Which channel a role may name on a ticket: the reports count 导办 tickets by source, so a kiosk
may not pass its tickets off as the guide desk's."""


def may_claim_source(role: str, source: str) -> bool:
    return source in SOURCES_BY_ROLE.get(role, frozenset())


class AssistMode(StrEnum):
    """Assisted services the guide desk marks on a ticket (政务服务 代办/帮办)."""

    PROXY = "proxy"  # 代办: staff handle the matter on the citizen's behalf
    HELP = "help"  # 帮办: staff help the citizen through it


ASSIST_MODES: dict[str, Bilingual] = {
    AssistMode.PROXY.value: Bilingual("代办", "handled for the citizen"),
    AssistMode.HELP.value: Bilingual("帮办", "helped through"),
}


PRIORITY_REASONS: dict[str, Bilingual] = {
    "elderly": Bilingual("老年人", "elderly"),
    "disabled": Bilingual("残疾人", "disabled"),
    "pregnant": Bilingual("孕妇", "pregnant"),
    "military": Bilingual("军人", "military"),
    "infant": Bilingual("携带婴幼儿", "with an infant"),
    "other": Bilingual("其他特殊人群", "other special need"),
}
