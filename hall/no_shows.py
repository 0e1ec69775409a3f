"""爽约 (no-shows) as rules: when a booking counts as one, and when a number is suspended.

A booking that is still ``booked`` (not checked in, not cancelled) once its slot has ended and
``no_show_after_minutes`` more have passed (the late window) is a no-show. Counted once, at the
business day's rollover (db.no_shows), whatever the number of runs.

Suspension: when a number's no-show brings its count within the last ``no_show_window_days``
(that no-show's day included) to ``no_show_limit``, the number may not book for
``suspend_days`` from that day: until the day ``day + suspend_days`` (exclusive). Cancelling in
time is never a no-show: it is what the hall asks citizens to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from hall.config import BookingConfig
from hall.text import HallRuleError


def no_show_deadline(slot_at: datetime, slot_minutes: int, booking: BookingConfig) -> datetime:
    """The moment after which a booking not checked in is a no-show."""
    return slot_at + timedelta(minutes=slot_minutes + booking.no_show_after_minutes)


def suspended_until(no_show_days: Iterable[date], booking: BookingConfig, today: date) -> date | None:
    """The first day the number may book again, or None when it is not suspended today."""
    days = sorted(no_show_days)
    window = timedelta(days=booking.no_show_window_days)
    until: date | None = None
    for index, day in enumerate(days):
        first = index - booking.no_show_limit + 1
        if first >= 0 and day - days[first] < window:
            end = day + timedelta(days=booking.suspend_days)
            if end > today and (until is None or end > until):
                until = end
    return until


def keep_no_shows_after(booking: BookingConfig, today: date) -> date:
    """No-show records about a day before this one can no longer suspend anyone."""
    return today - timedelta(days=booking.no_show_window_days + booking.suspend_days)


def suspension_error(until: date, booking: BookingConfig) -> HallRuleError:
    return HallRuleError(
        "booking_suspended",
        f"该手机号近 {booking.no_show_window_days} 天内已爽约 {booking.no_show_limit} 次，"
        f"暂停网上及电话预约，{until.year}年{until.month}月{until.day}日起可再预约（现场取号不受影响）",
        f"this mobile number missed {booking.no_show_limit} bookings within {booking.no_show_window_days} days; "
        f"it may book again from {until.isoformat()} (walk-in numbers are not affected)",
        403,
    )
