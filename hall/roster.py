"""The roster: which clerks are on duty today, at a window, at lunch, or free to open a closed window.

The least machinery a hall accepts, with nothing to fill in each morning:

* A clerk is **on duty** once they have logged in at any counter today, until they sign off for
  the day (签退) at their counter. The manager may mark a clerk **absent** today (sick, on a
  course); logging in again puts a signed-off or absent clerk back on duty. Both end with the
  business day: tomorrow everyone starts afresh.
* A clerk on duty with a session open at a window is **at a window** (serving, paused or at a
  closed window they have not left). One who has logged out of their window without signing off
  is **free**: they can open a closed window (the advisor's spare clerk) …
* … unless it is their **lunch**: each clerk may have a lunch turn of their own (e.g. early
  11:30-12:30 or late 12:30-13:30, set in the hall's configuration or by the manager); a clerk
  without one eats in the hall's lunch hours (午间服务, when only the lunch windows are open). A
  clerk at a window during their lunch is working through it: still at the window.

Plain Python; the database side is :mod:`db.roster`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from hall.config import TimeRange
from hall.text import Bilingual


class DutyState(StrEnum):
    AT_WINDOW = "at_window"
    FREE = "free"  # on duty, not at a window, not at lunch: can open a closed window
    AT_LUNCH = "at_lunch"
    SIGNED_OFF = "signed_off"  # 签退 for the day
    ABSENT = "absent"  # marked absent today by the manager
    NOT_IN = "not_in"  # not logged in anywhere today yet


DUTY_TEXT: dict[DutyState, Bilingual] = {
    DutyState.AT_WINDOW: Bilingual("在窗口", "at a window"),
    DutyState.FREE: Bilingual("在岗待命", "on duty, free"),
    DutyState.AT_LUNCH: Bilingual("午休", "at lunch"),
    DutyState.SIGNED_OFF: Bilingual("已签退", "signed off"),
    DutyState.ABSENT: Bilingual("今日缺勤", "absent today"),
    DutyState.NOT_IN: Bilingual("今日未到岗", "not in yet today"),
}

OFF_DUTY_REASONS = (DutyState.SIGNED_OFF.value, DutyState.ABSENT.value)


@dataclass(frozen=True)
class ClerkDay:
    """What the database knows of one clerk today."""

    logged_in_today: bool  # a session started today, at any window
    at_window: bool  # a session open now
    off_duty: str = ""  # "signed_off" or "absent" when set for today, else ""
    lunch: TimeRange | None = None  # the clerk's own lunch turn, if any


def duty_state(clerk: ClerkDay, now: time, hall_lunch: TimeRange | None) -> DutyState:
    """The clerk's state at ``now`` (the hall's local time of day)."""
    if clerk.at_window:
        return DutyState.AT_WINDOW
    if clerk.off_duty in OFF_DUTY_REASONS:
        return DutyState(clerk.off_duty)
    if not clerk.logged_in_today:
        return DutyState.NOT_IN
    lunch = clerk.lunch or hall_lunch
    if lunch is not None and lunch.contains(now):
        return DutyState.AT_LUNCH
    return DutyState.FREE
