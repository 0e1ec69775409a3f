"""The soak's month: hall days on the accelerated clock, a row of measurements after each night,
then the verdicts (see workbench/soak/conductor.py for the set-up and verdict.py for the rules)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from workbench.soak.conductor import (
    BACKUP_WAIT_SECONDS,
    DAY_END,
    DAY_START,
    NIGHT_START,
    WALK_IN_SECONDS,
    WALK_INS_FROM,
    SoakHall,
    SoakOptions,
)
from workbench.soak.measure import ERROR_LINE, DayRecord, LogReader, backups_in, file_size, open_files, rss_mb, ticket_count, ticket_day
from workbench.soak.verdict import Verdict, judge, series_of, table

LAG_TOLERANCE = 0.03
MIN_VOLUME = 0.9  # a day with fewer tickets than this share of the volume fails
HOLD_POLL_SECONDS = 0.25
QUIET_POLLS = 4  # a second without a new ticket while held


@dataclass
class SoakResult:
    records: list[DayRecord]
    verdicts: list[Verdict]
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    held_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        lines = [table(self.records), "", "判定 / verdicts:", *(v.line() for v in self.verdicts), ""]
        lines.append(
            f"墙上时间 / wall time: {self.wall_seconds / 60:.1f} min for {len(self.records)} hall days "
            f"(clock held {self.held_seconds / 60:.1f} min for the hall to keep up with its volume)"
        )
        if self.failures:
            lines += ["未通过 / FAILED:", *(f"  {f}" for f in self.failures)]
        else:
            lines.append(
                "通过：无错误行、每天换日、每晚备份、无无界增长 / PASSED: no error lines, every rollover and backup, nothing grows without bound"
            )
        return "\n".join(lines)


def working_days(start: date, count: int) -> list[date]:
    """The sample hall's next ``count`` working days from ``start`` (weekdays, closed dates skipped)."""
    from hall.config import load_sample_hall

    hours = load_sample_hall().hours
    closed = {date.fromisoformat(d) if isinstance(d, str) else d for d in hours.closed_dates}
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.isoweekday() in hours.workdays and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Month:
    """Runs the days and records them; every fault found goes to ``failures``."""

    def __init__(self, hall: SoakHall, say: Callable[[str], None]) -> None:
        self.hall, self.say = hall, say
        self.readers = {name: LogReader(process.log) for name, process in hall.processes.items()}
        self.readers["server.log"] = LogReader(hall.logs / "server.log")
        self.records: list[DayRecord] = []
        self.failures: list[str] = []
        self.held_seconds = 0.0  # wall time the clock was held for the hall to catch up

    def reach(self, day: date, instant: datetime) -> None:
        """Runs hall time on to ``instant``, holding the clock while the hall is behind its day.

        A busy machine cannot always take a day's tickets in ``--day-seconds``; rather than let
        hall time run ahead of the citizens (a thin day, a soak that proves less), the clock is
        held whenever the tickets issued so far fall short of the day's schedule by more than
        ``LAG_TOLERANCE`` of its volume, and runs again once they are back within half of that."""
        hall, options = self.hall, self.hall.options
        opening = hall.local(day, WALK_INS_FROM)
        tolerance = LAG_TOLERANCE * options.tickets_per_day
        held, quiet, last_count = False, 0, -1
        while (now := hall.hall_now()) < instant:
            expected = options.tickets_per_day * min(1.0, max(0.0, (now - opening).total_seconds() / WALK_IN_SECONDS))
            count = ticket_count(hall.database, day)
            quiet = quiet + 1 if count == last_count else 0
            last_count = count
            if not held and expected - count > tolerance:
                hall.hold_clock(True)
                held = True
            elif held and (expected - count <= tolerance / 2 or quiet >= QUIET_POLLS):
                # Back on schedule, or every citizen due by now has a ticket (the schedules of
                # the kiosk and the floor begin a little after the opening): run on.
                hall.hold_clock(False)
                held = False
            if held:
                self.held_seconds += HOLD_POLL_SECONDS
            time.sleep(HOLD_POLL_SECONDS)
        if held:
            hall.hold_clock(False)

    def business_day_seen(self) -> str:
        from server.client import ApiError, HallClient

        try:
            return str(HallClient(self.hall.url, self.hall.manager_token).snapshot()["hall"]["business_day"])
        except ApiError as error:
            self.failures.append(f"snapshot refused: {error}")
            return "?"

    def run_day(self, number: int, day: date, next_day: date) -> DayRecord:
        hall = self.hall
        hall.set_clock(hall.local(day, DAY_START))
        self.reach(day, hall.local(day, "12:30"))
        business_day = self.business_day_seen()
        self.reach(day, hall.local(day, DAY_END))
        # The night: straight to the small hours before the next working day, where the server's
        # own schedule takes the nightly backup (after a weekend it first takes the one it missed).
        hall.set_clock(hall.local(next_day, NIGHT_START))
        nightly = f"hallq-{next_day:%Y%m%d}-0230"  # backups are named by hall time
        if not _wait_for(lambda: backups_in(hall.backups).newest >= nightly, BACKUP_WAIT_SECONDS):
            self.failures.append(f"day {number} ({day}): no nightly backup before {next_day}")
        record = self.measure(number, day, business_day)
        if business_day != day.isoformat():
            self.failures.append(f"day {number} ({day}): the server's business day was {business_day}")
        if record.tickets.issued < MIN_VOLUME * hall.options.tickets_per_day or not record.tickets.restarted:
            self.failures.append(f"day {number} ({day}): {record.tickets.issued} tickets, numbering restarted: {record.tickets.restarted}")
        if record.backups.stray:
            self.failures.append(f"day {number} ({day}): left over in the backup folder: {', '.join(record.backups.stray[:6])}")
        for name, lines in record.errors.items():
            self.failures.extend(f"day {number} {name}: {line}" for line in lines[:5])
        return record

    def measure(self, number: int, day: date, business_day: str) -> DayRecord:
        hall = self.hall
        errors: dict[str, list[str]] = {}
        for name, reader in self.readers.items():
            found = [line for line in reader.new_lines() if ERROR_LINE.search(line)]
            if found:
                errors[name] = found
        for name, process in hall.processes.items():
            if process.popen.poll() is not None:
                errors.setdefault(name, []).append(f"process exited with code {process.popen.returncode}")
        logs = [path for path in hall.logs.iterdir() if path.is_file()]  # rotated copies included
        return DayRecord(
            number=number,
            day=day,
            business_day=business_day,
            tickets=ticket_day(hall.database, day),
            rss_mb={name: rss_mb(process.popen.pid) for name, process in hall.processes.items()},
            server_files=open_files(hall.processes["server"].popen.pid),
            database_bytes=file_size(hall.database),
            wal_bytes=file_size(Path(f"{hall.database}-wal")),
            log_bytes=sum(file_size(p) for p in logs),
            rotations=self.readers["server.log"].rotations,
            backups=backups_in(hall.backups, settle_seconds=2.0),
            errors=errors,
        )


def run_soak(options: SoakOptions, say: Callable[[str], None] = print) -> SoakResult:
    started = time.monotonic()
    hall = SoakHall(options)
    say(
        f"浸泡测试 / soak: {options.days} hall days, {options.tickets_per_day} tickets/day, {options.day_seconds:.0f} s per day, in {options.directory}"
    )
    try:
        hall.start()
        month = Month(hall, say)
        days = working_days(options.start, options.days + 1)
        for number, (day, next_day) in enumerate(itertools.pairwise(days), start=1):
            month.records.append(month.run_day(number, day, next_day))
            say(table(month.records).splitlines()[-1] if number > 1 else table(month.records))
    finally:
        hall.stop()
    verdicts = [judge(series) for series in series_of(month.records)]
    failures = month.failures + [f"{v.series.name} grows {v.last_slope:+.3f} MB/day (allowed {v.allowed:.3f})" for v in verdicts if v.grows]
    result = SoakResult(month.records, verdicts, failures, time.monotonic() - started, month.held_seconds)
    (options.directory / "soak-table.txt").write_text(result.report() + "\n", encoding="utf-8")
    if options.plot is not None:
        from workbench.soak.plot import plot_rss

        plot_rss(month.records, options.plot)
    return result
