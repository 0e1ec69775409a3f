"""hall.tickets: the ticket state machine, outcomes and rating levels."""

from __future__ import annotations

import itertools

import pytest

from hall.text import HallRuleError
from hall.tickets import (
    ACTION_NAMES,
    BAD_RATING_REASONS,
    OUTCOME_NAMES,
    PRIORITY_REASONS,
    RATING_NAMES,
    STATUS_NAMES,
    TRANSITIONS,
    Action,
    Outcome,
    RatingLevel,
    TicketStatus,
    next_status,
)

S, A = TicketStatus, Action

ALLOWED = [
    (S.WAITING, A.CALL, S.CALLED),
    (S.CALLED, A.RECALL, S.CALLED),
    (S.CALLED, A.START, S.SERVING),
    (S.CALLED, A.NO_SHOW, S.NO_SHOW),
    (S.CALLED, A.PARK, S.PARKED),
    (S.SERVING, A.PARK, S.PARKED),
    (S.PARKED, A.CALL_BACK, S.CALLED),
    (S.SERVING, A.FINISH, S.DONE),
    (S.CALLED, A.TRANSFER, S.WAITING),
    (S.SERVING, A.TRANSFER, S.WAITING),
    (S.NO_SHOW, A.REQUEUE, S.WAITING),
    (S.NO_SHOW, A.CALL, S.CALLED),       # a late return called at once (rules.late_call_at_window)
    (S.WAITING, A.EXPIRE, S.EXPIRED),
    (S.CALLED, A.EXPIRE, S.EXPIRED),
    (S.SERVING, A.EXPIRE, S.EXPIRED),
    (S.PARKED, A.EXPIRE, S.EXPIRED),
]


@pytest.mark.parametrize(("current", "action", "target"), ALLOWED, ids=[f"{c}-{a}" for c, a, _ in ALLOWED])
def test_allowed_transition(current: TicketStatus, action: Action, target: TicketStatus) -> None:
    assert next_status(current, action) is target


def test_the_table_has_exactly_the_allowed_transitions() -> None:
    assert {(c, a): t for c, a, t in ALLOWED} == TRANSITIONS


REFUSED = [(c, a) for c, a in itertools.product(TicketStatus, Action) if (c, a) not in TRANSITIONS]


@pytest.mark.parametrize(("current", "action"), REFUSED, ids=[f"{c}-{a}" for c, a in REFUSED])
def test_refused_transition_names_state_and_action_in_both_languages(current: TicketStatus, action: Action) -> None:
    with pytest.raises(HallRuleError) as caught:
        next_status(current, action)
    error = caught.value
    assert error.code == "illegal_transition" and error.status == 409
    assert STATUS_NAMES[current].zh in error.message.zh and ACTION_NAMES[action].zh in error.message.zh
    assert STATUS_NAMES[current].en in error.message.en and ACTION_NAMES[action].en in error.message.en


def test_a_few_refusals_read_well() -> None:
    with pytest.raises(HallRuleError) as caught:
        next_status(S.DONE, A.CALL)
    assert caught.value.message.zh == "号票当前状态为“已办结”，不能叫号"
    assert caught.value.message.en == "a ticket that is done cannot be given 'call'"
    with pytest.raises(HallRuleError, match="不能办结"):
        next_status(S.CALLED, A.FINISH)  # a service must be started before it is finished


@pytest.mark.parametrize("terminal", [S.DONE, S.EXPIRED])
def test_done_and_expired_are_final(terminal: TicketStatus) -> None:
    assert not [a for (c, a) in TRANSITIONS if c is terminal]


def test_every_status_action_and_outcome_has_names() -> None:
    assert set(STATUS_NAMES) == set(TicketStatus)
    assert set(ACTION_NAMES) == set(Action)
    assert set(OUTCOME_NAMES) == set(Outcome)
    assert [OUTCOME_NAMES[o].zh for o in Outcome] == ["即办件", "承诺件", "联办件", "上报件", "退办件"]
    assert "other" in BAD_RATING_REASONS and "elderly" in PRIORITY_REASONS


@pytest.mark.parametrize(
    ("level", "zh", "score", "bad"),
    [
        (RatingLevel.VERY_SATISFIED, "非常满意", 5, False),
        (RatingLevel.SATISFIED, "满意", 4, False),
        (RatingLevel.BASIC, "基本满意", 3, False),
        (RatingLevel.DISSATISFIED, "不满意", 2, True),
        (RatingLevel.VERY_DISSATISFIED, "非常不满意", 1, True),
    ],
)
def test_rating_levels(level: RatingLevel, zh: str, score: int, bad: bool) -> None:
    assert RATING_NAMES[level].zh == zh
    assert level.score == score
    assert level.is_bad is bad  # 差评 opens a follow-up
    assert level.counts_as_satisfied is not bad


def test_five_rating_levels() -> None:
    assert len(RatingLevel) == 5 and set(RATING_NAMES) == set(RatingLevel)
