"""Forecasts from the hall's own history: arrivals per category and half hour, and service times.

The same functions feed the reallocation advisor in production (manager/advice.py, through the
server's planning read) and in the hall-day simulator, so the simulator can give the advisor
nothing it could not know live.

* **Arrival profile** (:func:`build_profile`). Mean arrivals per hour for each category, ISO
  weekday and slot of the day (30 minutes by default), over the past ``weeks`` of days the hall
  was open. Holidays (``hours.closed_dates``) are left out; 调休 working weekends
  (``hours.extra_workdays``) count as ordinary workdays, in the all-workday pool only (a worked
  Saturday is not a Saturday). A weekday's own mean rests on at most ``weeks`` days, so it is
  shrunk towards the all-workday mean as if that pool were ``shrink_days`` more days of that
  weekday: a Monday seen twice leans on the pool, a Monday seen eight times mostly on itself.
  Weekend days (open for all, or appointments only) form their own pool: an appointment-only
  Saturday sees a trickle, and a workday profile would plan it as a Monday.
  A workday on which no ticket at all was issued is left out too: it is a closure nobody wrote
  in the calendar or a day the system was off, not a day nobody came. Days before the first
  ticket in the history are left out for the same reason (a hall that started using hallq last
  week has one week of history, not eight weeks of mostly nothing).
* **Live rate** (:func:`live_rate`). What the advisor uses now: the arrivals of the last half
  hour blended with the forecast for now (:func:`hall.queueing.blended_rate`; the forecast weighs
  like 15 minutes of observation).
* **Service estimate** (:func:`service_estimate`). The *mean* of today's finished services, not
  the median: service times are right-skewed (lognormal, σ ≈ 0.5), whose median is about 12 %
  below the mean, and the load a queue has to carry is the mean. The mean is guarded against the
  outlier that made the median attractive — one service left open over lunch because a clerk
  forgot 办结 — by capping each duration at ``cap_factor`` × the configured expectation.

Plain Python: no Qt, no SQL. Times are the hall's local time (``hours.zone``).
"""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hall.calendar import is_working_day
from hall.config import HoursConfig, TimeRange, WeekendMode
from hall.queueing import blended_rate
from hall.text import HallRuleError

MINUTES_PER_DAY = 24 * 60
DEFAULT_WEEKS = 8
DEFAULT_SLOT_MINUTES = 30
DEFAULT_SHRINK_DAYS = 2.0  # the pooled mean weighs like this many days of the weekday's own
DEFAULT_CAP_FACTOR = 4.0  # a finished service counts at most this many times the expectation
MIN_OBSERVED_SERVICES = 5  # fewer finished services: the configured expectation

# Keys of the pools in ArrivalProfile.rates besides the ISO weekdays 1-7.
WORKDAY_POOL = 0
WEEKEND_POOL = 8


def _check_slot_minutes(slot_minutes: int) -> None:
    if not (isinstance(slot_minutes, int) and 0 < slot_minutes <= MINUTES_PER_DAY and MINUTES_PER_DAY % slot_minutes == 0):
        raise HallRuleError(
            "bad_slot_minutes",
            f"时段长度 {slot_minutes} 分钟无效：应能整除一天的 1440 分钟（如 15、30、60）",
            f"a slot of {slot_minutes} minutes is invalid: it must divide the day's 1440 minutes (e.g. 15, 30, 60)",
            422,
        )


def open_ranges(hours: HoursConfig, day: date) -> list[TimeRange]:
    """The time ranges in which the hall is open on ``day`` (empty on a holiday or a closed day)."""
    if day.isoformat() in hours.closed_dates:
        return []
    if is_working_day(hours, day):
        ranges = list(hours.regular) + [r for r in (hours.lunch, hours.extended) if r is not None]
    elif hours.weekend is not None and hours.weekend_mode is not WeekendMode.CLOSED:
        ranges = [hours.weekend]
    else:
        ranges = []
    return sorted(ranges, key=lambda r: r.start)


def _minute_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _end_minute(time_range: TimeRange) -> int:
    return MINUTES_PER_DAY if time_range.end == time.max else _minute_of(time_range.end) + (1 if time_range.end.second else 0)


def day_kind(hours: HoursConfig, day: date) -> int | None:
    """Which profile forecasts ``day``: its ISO weekday (1-7), the workday pool for a 调休 working
    weekend, or None when the hall does not open that day."""
    if not open_ranges(hours, day):
        return None
    if day.isoformat() in hours.extra_workdays and day.isoweekday() not in hours.workdays:
        return WORKDAY_POOL
    return day.isoweekday()


@dataclass(frozen=True)
class ArrivalProfile:
    """Mean arrivals per hour per category, day kind and slot (plain data, see the module doc).

    ``rates[(series, kind)]`` holds one value per slot of the day (slot ``i`` starts at
    ``i × slot_minutes`` after midnight); ``kind`` is an ISO weekday 1-7 (already shrunk towards
    its pool), :data:`WORKDAY_POOL` or :data:`WEEKEND_POOL`. ``days[kind]`` is how many days of
    history each rests on.
    """

    hours: HoursConfig
    slot_minutes: int
    rates: Mapping[tuple[str, int], tuple[float, ...]]
    days: Mapping[int, int]
    series: tuple[str, ...]

    @property
    def slots_per_day(self) -> int:
        return MINUTES_PER_DAY // self.slot_minutes

    def days_observed(self, day: date) -> int:
        """How many days of history the forecast for ``day`` rests on (0: no history, no forecast)."""
        kind = day_kind(self.hours, day)
        if kind is None:
            return 0
        # A weekday's forecast leans on its pool, so the pool's days are what it rests on.
        return self.days.get(WORKDAY_POOL if is_working_day(self.hours, day) else WEEKEND_POOL, 0)

    def rate_per_hour(self, series: str, day: date, at: time) -> float:
        """Forecast arrivals per hour of ``series`` on ``day`` in the slot holding ``at``; zero on a
        day the hall does not open (holidays) and for a category without history."""
        kind = day_kind(self.hours, day)
        if kind is None:
            return 0.0
        rates = self.rates.get((series, kind))
        if rates is None:
            return 0.0
        return rates[_minute_of(at) // self.slot_minutes]

    def day(self, series: str, day: date) -> list[tuple[time, float]]:
        """(slot start, arrivals per hour) for every slot in which the hall is open on ``day``,
        in order; empty on a day it does not open."""
        ranges = open_ranges(self.hours, day)
        out: list[tuple[time, float]] = []
        for slot in range(self.slots_per_day):
            start = slot * self.slot_minutes
            end = start + self.slot_minutes
            if any(_minute_of(r.start) < end and start < _end_minute(r) for r in ranges):
                moment = time(start // 60, start % 60)
                out.append((moment, self.rate_per_hour(series, day, moment)))
        return out


def _local(hours: HoursConfig, instant: datetime) -> datetime:
    # A naive timestamp is taken as the hall's local time already.
    return instant.astimezone(hours.zone) if instant.tzinfo is not None else instant


def build_profile(
    arrivals: Iterable[tuple[str, datetime]],
    hours: HoursConfig,
    today: date,
    weeks: int = DEFAULT_WEEKS,
    slot_minutes: int = DEFAULT_SLOT_MINUTES,
    shrink_days: float = DEFAULT_SHRINK_DAYS,
) -> ArrivalProfile:
    """The arrival profile from ``(series, issued_at)`` pairs of the ``weeks`` weeks before ``today``
    (today itself and anything outside the span are ignored)."""
    _check_slot_minutes(slot_minutes)
    if weeks < 1:
        raise HallRuleError("bad_weeks", "历史周数至少为 1", "the history must cover at least one week", 422)
    first_day = today - timedelta(weeks=weeks)
    slots = MINUTES_PER_DAY // slot_minutes
    counts: dict[date, dict[str, list[int]]] = defaultdict(dict)
    seen_series: set[str] = set()
    for series, issued_at in arrivals:
        local = _local(hours, issued_at)
        day = local.date()
        if not first_day <= day < today:
            continue
        per_slot = counts[day].setdefault(series, [0] * slots)
        per_slot[_minute_of(local.time()) // slot_minutes] += 1
        seen_series.add(series)

    # Sum the counts of the days each kind rests on.
    sums: dict[tuple[str, int], list[int]] = {}
    days: dict[int, int] = defaultdict(int)
    history_start = min(counts, default=today)
    day = max(first_day, history_start)
    while day < today:
        kind = day_kind(hours, day)
        ticketed = day in counts
        if kind is not None and (ticketed or not is_working_day(hours, day)):
            workday = is_working_day(hours, day)
            keys = [WORKDAY_POOL if workday else WEEKEND_POOL]
            if kind != WORKDAY_POOL:
                keys.append(kind)
            for key in keys:
                days[key] += 1
                for series, per_slot in counts.get(day, {}).items():
                    total = sums.setdefault((series, key), [0] * slots)
                    for slot, n in enumerate(per_slot):
                        total[slot] += n
        day += timedelta(days=1)

    per_hour = 60.0 / slot_minutes
    rates: dict[tuple[str, int], tuple[float, ...]] = {}
    for series in sorted(seen_series):
        pools = {}
        for pool in (WORKDAY_POOL, WEEKEND_POOL):
            n = days.get(pool, 0)
            total = sums.get((series, pool), [0] * slots)
            pools[pool] = [count / n * per_hour if n else 0.0 for count in total]
            if n:
                rates[(series, pool)] = tuple(pools[pool])
        for weekday in range(1, 8):
            n = days.get(weekday, 0)
            pool = WORKDAY_POOL if weekday in hours.workdays else WEEKEND_POOL
            if n == 0 and days.get(pool, 0) == 0:
                continue
            total = sums.get((series, weekday), [0] * slots)
            # (n days at their own mean + shrink_days at the pool's mean) / (n + shrink_days)
            rates[(series, weekday)] = tuple(
                (count * per_hour + shrink_days * pooled) / (n + shrink_days) for count, pooled in zip(total, pools[pool], strict=True)
            )
    return ArrivalProfile(hours, slot_minutes, rates, dict(days), tuple(sorted(seen_series)))


def live_rate(
    forecast_per_minute: float | None,
    arrival_minutes: Sequence[float],
    now_minute: float,
    open_minute: float = float("-inf"),
    window_minutes: float = 30.0,
    prior_minutes: float = 15.0,
    min_observed_minutes: float = 10.0,
) -> float:
    """Arrivals per minute the advisor uses now.

    ``arrival_minutes`` are today's arrivals of one category (ascending, on the same clock as
    ``now_minute`` and ``open_minute``, the hall's opening today). The arrivals of the last
    ``window_minutes`` the hall was open are blended with the forecast, which weighs like
    ``prior_minutes`` of observation. Without a forecast (no history yet) the observation alone
    is used, over at least ``min_observed_minutes`` so a burst in the first minutes of the day is
    not read as a flood.
    """
    observed = max(0.0, min(window_minutes, now_minute - open_minute))
    count = bisect.bisect_right(arrival_minutes, now_minute) - bisect.bisect_left(arrival_minutes, now_minute - observed)
    if forecast_per_minute is None:
        return count / max(observed, min_observed_minutes)
    return blended_rate(count, observed, forecast_per_minute, prior_minutes)


def service_estimate(
    durations_minutes: Iterable[float],
    expected_minutes: float,
    min_count: int = MIN_OBSERVED_SERVICES,
    cap_factor: float = DEFAULT_CAP_FACTOR,
) -> float:
    """Mean service minutes of finished services, each capped at ``cap_factor`` × expected;
    ``expected_minutes`` when fewer than ``min_count`` are known."""
    cap = cap_factor * expected_minutes
    capped = [min(max(0.0, d), cap) for d in durations_minutes]
    if len(capped) < max(1, min_count):
        return expected_minutes
    return statistics.fmean(capped)
