"""考勤: each clerk's day from the records the hall already keeps — no punch clock to fill in.

Per clerk and business day:

* **first sign-in / last sign-out** — the first session started that day at any counter and
  the end of the last one (none while the clerk is still logged in);
* **signed-in time** — the union of the day's sessions (a handover at 11:00 and a login at
  another window at 11:00 are not counted twice), up to ``now`` for a session still open;
* **pauses** — count and minutes, by reason (会议, 培训, AB岗交接 ...); a pause belongs to the clerk
  who paused, or, in rows written before pauses kept a clerk, to the clerk logged in at that
  window when it began;
* **worked time** — signed-in time less paused time;
* **lunch** — within the clerk's lunch turn (their own, else the hall's lunch hours): minutes
  away from every window, and minutes worked through it;
* **AB absences** — each time the clerk, on the A post, handed their window over to the B post
  (AB岗), the span the B clerk held it, and who that was; a day the manager marked them absent (缺勤).

Plain Python (no Qt, no SQL); the database side is :mod:`db.attendance`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from hall.config import TimeRange
from hall.text import Bilingual

HANDOVER = "handover"  # clerk_sessions.end_reason of an A/B 岗 handover


@dataclass(frozen=True)
class SessionSpan:
    """One clerk session at one window (clerk_sessions)."""

    clerk_id: int
    window: int
    post: str  # "A" or "B"
    started_at: datetime
    ended_at: datetime | None
    end_reason: str = ""


@dataclass(frozen=True)
class PauseSpan:
    """One pause of a window (pauses); ``clerk_id`` None in rows that did not keep who paused."""

    window: int
    clerk_id: int | None
    reason: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class ClerkOnRoll:
    clerk_id: int
    staff_no: str
    name: str
    lunch: TimeRange | None = None  # the clerk's own lunch turn; None = the hall's lunch hours


@dataclass(frozen=True)
class PauseTotal:
    reason: str
    count: int
    minutes: float


@dataclass(frozen=True)
class Cover:
    """A span the clerk's window was held by the other post's clerk after a handover."""

    window: int
    start: datetime
    end: datetime | None  # None: still covered now
    by_staff_no: str
    by_name: str
    minutes: float


@dataclass(frozen=True)
class AttendanceDay:
    day: date
    staff_no: str
    name: str
    first_sign_in: datetime | None
    last_sign_out: datetime | None  # None while still logged in, or when never in
    signed_in_minutes: float
    paused_minutes: float
    worked_minutes: float
    pauses: tuple[PauseTotal, ...]
    lunch: TimeRange | None
    lunch_away_minutes: float
    lunch_worked_minutes: float
    covers: tuple[Cover, ...]
    windows: tuple[int, ...]
    marked_absent: bool = False
    still_in: bool = False

    @property
    def pause_count(self) -> int:
        return sum(total.count for total in self.pauses)

    @property
    def status(self) -> Bilingual:
        if self.marked_absent and self.first_sign_in is None:
            return Bilingual("缺勤", "absent")
        if self.first_sign_in is None:
            return Bilingual("未到岗", "not in")
        if self.still_in:
            return Bilingual("在岗", "on duty")
        return Bilingual(
            "已签退" if not self.marked_absent else "到岗后标缺勤", "signed out" if not self.marked_absent else "in, then marked absent"
        )


@dataclass(frozen=True)
class AttendanceInput:
    """Everything the database knows of the period: the hall's clerks and the records."""

    clerks: Sequence[ClerkOnRoll]
    sessions: Sequence[SessionSpan]
    pauses: Sequence[PauseSpan]
    absent_days: frozenset[tuple[int, date]] = field(default_factory=frozenset)  # (clerk_id, day) marked absent
    hall_lunch: TimeRange | None = None


Interval = tuple[datetime, datetime]


def _minutes(spans: Iterable[Interval]) -> float:
    return sum((end - start).total_seconds() for start, end in spans) / 60


def _union(spans: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(spans: Sequence[Interval], window: Interval) -> list[Interval]:
    low, high = window
    return [(max(start, low), min(end, high)) for start, end in spans if start < high and end > low]


def _day_bounds(day: date, zone: tzinfo) -> Interval:
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def _local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _owner_of_pause(pause: PauseSpan, sessions: Sequence[SessionSpan], now: datetime) -> int | None:
    if pause.clerk_id is not None:
        return pause.clerk_id
    for span in sessions:
        if span.window == pause.window and span.started_at <= pause.started_at < (span.ended_at or now):
            return span.clerk_id
    return None


def attendance_days(records: AttendanceInput, start: date, end: date, zone: tzinfo, now: datetime) -> list[AttendanceDay]:
    """One row per clerk and business day from ``start`` to ``end`` (the hall's local days) on which
    the clerk was signed in or marked absent; ordered by day, then staff number."""
    clerks = {clerk.clerk_id: clerk for clerk in records.clerks}
    sessions_of: dict[tuple[int, date], list[SessionSpan]] = defaultdict(list)
    for span in records.sessions:
        sessions_of[(span.clerk_id, _local_day(span.started_at, zone))].append(span)
    pauses_of: dict[tuple[int, date], list[PauseSpan]] = defaultdict(list)
    for pause in records.pauses:
        owner = _owner_of_pause(pause, records.sessions, now)
        if owner is not None:
            pauses_of[(owner, _local_day(pause.started_at, zone))].append(pause)

    keys = {key for key in sessions_of if key[0] in clerks} | {key for key in records.absent_days if key[0] in clerks}
    rows = [
        _one_day(clerks[clerk_id], day, sessions_of.get((clerk_id, day), []), pauses_of.get((clerk_id, day), []), records, zone, now)
        for clerk_id, day in keys
        if start <= day <= end
    ]
    return sorted(rows, key=lambda row: (row.day, row.staff_no))


def _one_day(
    clerk: ClerkOnRoll,
    day: date,
    sessions: list[SessionSpan],
    pauses: list[PauseSpan],
    records: AttendanceInput,
    zone: tzinfo,
    now: datetime,
) -> AttendanceDay:
    sessions = sorted(sessions, key=lambda span: span.started_at)
    day_start, day_end = _day_bounds(day, zone)
    closes = min(day_end, now)
    signed_in = _union((span.started_at, min(span.ended_at or closes, day_end)) for span in sessions)
    paused = _union(_overlap([(p.started_at, min(p.ended_at or closes, day_end)) for p in pauses], (day_start, day_end)))

    by_reason: dict[str, list[float]] = defaultdict(list)
    for pause in pauses:
        by_reason[pause.reason or "—"].append(_minutes([(pause.started_at, min(pause.ended_at or closes, day_end))]))
    totals = tuple(PauseTotal(reason, len(spells), round(sum(spells), 1)) for reason, spells in sorted(by_reason.items()))

    lunch = clerk.lunch or records.hall_lunch
    lunch_away = lunch_worked = 0.0
    if lunch is not None and sessions:
        lunch_span = (datetime.combine(day, lunch.start, tzinfo=zone), datetime.combine(day, lunch.end, tzinfo=zone))
        lunch_span = (lunch_span[0], min(lunch_span[1], closes))
        if lunch_span[1] > lunch_span[0]:
            lunch_worked = _minutes(_overlap(signed_in, lunch_span))
            lunch_away = _minutes([lunch_span]) - lunch_worked

    still_in = any(span.ended_at is None for span in sessions)
    return AttendanceDay(
        day=day,
        staff_no=clerk.staff_no,
        name=clerk.name,
        first_sign_in=sessions[0].started_at if sessions else None,
        last_sign_out=None if still_in or not sessions else max(span.ended_at or closes for span in sessions),
        signed_in_minutes=round(_minutes(signed_in), 1),
        paused_minutes=round(_minutes(paused), 1),
        # A pause outlasting the session (the window left paused) is not taken off worked time twice.
        worked_minutes=round(_minutes(signed_in) - sum(_minutes(_overlap(paused, span)) for span in signed_in), 1),
        pauses=totals,
        lunch=lunch,
        lunch_away_minutes=round(lunch_away, 1),
        lunch_worked_minutes=round(lunch_worked, 1),
        covers=tuple(_covers(sessions, records, now)),
        windows=tuple(sorted({span.window for span in sessions})),
        marked_absent=(clerk.clerk_id, day) in records.absent_days,
        still_in=still_in,
    )


def _covers(sessions: Sequence[SessionSpan], records: AttendanceInput, now: datetime) -> Iterable[Cover]:
    """For each handover by the A post (the B post handing back is the A clerk's return, not an
    absence), the session that took the window at that moment: who covered, how long."""
    names = {clerk.clerk_id: clerk for clerk in records.clerks}
    for span in sessions:
        if span.end_reason != HANDOVER or span.post != "A" or span.ended_at is None:
            continue
        taker = next(
            (
                other
                for other in records.sessions
                if other.window == span.window and other.clerk_id != span.clerk_id and other.started_at == span.ended_at
            ),
            None,
        )
        if taker is None:
            continue
        coverer = names.get(taker.clerk_id)
        until = taker.ended_at or now
        yield Cover(
            window=span.window,
            start=span.ended_at,
            end=taker.ended_at,
            by_staff_no=coverer.staff_no if coverer else "",
            by_name=coverer.name if coverer else "",
            minutes=round((until - span.ended_at).total_seconds() / 60, 1),
        )


# ---------------------------------------------------------------- the table every format shows

ATTENDANCE_COLUMNS: tuple[Bilingual, ...] = (
    Bilingual("日期", "Day"),
    Bilingual("工号", "Staff no."),
    Bilingual("姓名", "Name"),
    Bilingual("状态", "Status"),
    Bilingual("窗口", "Windows"),
    Bilingual("首次签到", "First sign-in"),
    Bilingual("最后签退", "Last sign-out"),
    Bilingual("在岗（分钟）", "Signed in (min)"),
    Bilingual("暂停次数", "Pauses"),
    Bilingual("暂停（分钟）", "Paused (min)"),
    Bilingual("暂停原因", "Pause reasons"),
    Bilingual("实际工作（分钟）", "Worked (min)"),
    Bilingual("午休", "Lunch"),
    Bilingual("AB岗顶岗", "A/B cover"),
)


def _clock(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment is not None else "—"


def attendance_cells(row: AttendanceDay, zone: tzinfo) -> list[Bilingual]:
    """The row as the table's cells, each in both languages (the same in all formats)."""

    def same(text: str) -> Bilingual:
        return Bilingual(text, text)

    reasons_zh = "；".join(f"{total.reason} {total.count}次 {total.minutes:g}分" for total in row.pauses)
    reasons_en = "; ".join(f"{total.reason} ×{total.count} {total.minutes:g} min" for total in row.pauses)
    if row.lunch is None or row.first_sign_in is None:
        lunch = same("—")
    else:
        lunch = Bilingual(
            f"{row.lunch} 离岗 {row.lunch_away_minutes:g} 分"
            + (f"，在岗 {row.lunch_worked_minutes:g} 分" if row.lunch_worked_minutes else ""),
            f"{row.lunch} away {row.lunch_away_minutes:g} min"
            + (f", worked {row.lunch_worked_minutes:g} min" if row.lunch_worked_minutes else ""),
        )
    covers_zh = "；".join(
        f"{c.window}号窗 {_clock(c.start, zone)}–{_clock(c.end, zone) if c.end else '至今'} 由{c.by_name}（{c.by_staff_no}）顶岗 {c.minutes:g}分"
        for c in row.covers
    )
    covers_en = "; ".join(
        f"window {c.window} {_clock(c.start, zone)}–{_clock(c.end, zone) if c.end else 'now'} covered by {c.by_name} ({c.by_staff_no}) {c.minutes:g} min"
        for c in row.covers
    )
    sign_out = Bilingual("在岗中", "still in") if row.still_in else same(_clock(row.last_sign_out, zone))
    return [
        same(row.day.isoformat()),
        same(row.staff_no),
        same(row.name),
        row.status,
        same("、".join(str(number) for number in row.windows) or "—"),
        same(_clock(row.first_sign_in, zone)),
        sign_out,
        same(f"{row.signed_in_minutes:g}"),
        same(str(row.pause_count)),
        same(f"{row.paused_minutes:g}"),
        Bilingual(reasons_zh or "—", reasons_en or "—"),
        same(f"{row.worked_minutes:g}"),
        lunch,
        Bilingual(covers_zh or "—", covers_en or "—"),
    ]


def attendance_to_json(rows: Sequence[AttendanceDay], zone: tzinfo) -> dict[str, object]:
    """The table as the API sends it: the columns and, per row, its day, staff number and cells."""
    return {
        "columns": [column.as_dict() for column in ATTENDANCE_COLUMNS],
        "rows": [
            {"day": row.day.isoformat(), "staff_no": row.staff_no, "cells": [cell.as_dict() for cell in attendance_cells(row, zone)]}
            for row in rows
        ],
    }
