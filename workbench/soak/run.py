"""The soak's month: hall days on the accelerated clock, a row of measurements after each night,
then the verdicts (see workbench/soak/conductor.py for the set-up and verdict.py for the rules)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from workbench.soak.conductor import BACKUP_WAIT_SECONDS, DAY_END, DAY_START, NIGHT_START, SoakHall, SoakOptions
from workbench.soak.measure import ERROR_LINE, DayRecord, LogReader, backups_in, file_size, rss_mb, ticket_day
from workbench.soak.verdict import Verdict, judge, series_of, table


@dataclass
class SoakResult:
    records: list[DayRecord]
    verdicts: list[Verdict]
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        lines = [table(self.records), "", "判定 / verdicts:", *(v.line() for v in self.verdicts), ""]
        lines.append(f"墙上时间 / wall time: {self.wall_seconds / 60:.1f} min for {len(self.records)} hall days")
        if self.failures:
            lines += ["未通过 / FAILED:", *(f"  {f}" for f in self.failures)]
        else:
            lines.append("通过：无错误行、每天换日、每晚备份、无无界增长 / PASSED: no error lines, every rollover and backup, nothing grows without bound")
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

    def reach(self, instant: datetime) -> None:
        """Waits until hall time reaches ``instant`` on the running clock."""
        _wait_for(lambda: self.hall.hall_now() >= instant, self.hall.options.day_seconds * 2)

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
        self.reach(hall.local(day, "12:30"))
        business_day = self.business_day_seen()
        self.reach(hall.local(day, DAY_END))
        before = backups_in(hall.backups).newest
        # The night: straight to the small hours before the next working day, where the server's
        # own schedule takes the nightly backup.
        hall.set_clock(hall.local(next_day, NIGHT_START))
        if not _wait_for(lambda: backups_in(hall.backups).newest not in ("", before), BACKUP_WAIT_SECONDS):
            self.failures.append(f"day {number} ({day}): no nightly backup before {next_day}")
        record = self.measure(number, day, business_day)
        if business_day != day.isoformat():
            self.failures.append(f"day {number} ({day}): the server's business day was {business_day}")
        if record.tickets.issued == 0 or not record.tickets.restarted:
            self.failures.append(f"day {number} ({day}): {record.tickets.issued} tickets, numbering restarted: {record.tickets.restarted}")
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
            database_bytes=file_size(hall.database),
            wal_bytes=file_size(Path(f"{hall.database}-wal")),
            log_bytes=sum(file_size(p) for p in logs),
            rotations=self.readers["server.log"].rotations,
            backups=backups_in(hall.backups),
            errors=errors,
        )


def run_soak(options: SoakOptions, say: Callable[[str], None] = print) -> SoakResult:
    started = time.monotonic()
    hall = SoakHall(options)
    say(f"浸泡测试 / soak: {options.days} hall days, {options.tickets_per_day} tickets/day, {options.day_seconds:.0f} s per day, in {options.directory}")
    try:
        hall.start()
        month = Month(hall, say)
        days = working_days(options.start, options.days + 1)
        for number, (day, next_day) in enumerate(zip(days, days[1:], strict=False), start=1):
            month.records.append(month.run_day(number, day, next_day))
            say(table(month.records).splitlines()[-1] if number > 1 else table(month.records))
    finally:
        hall.stop()
    verdicts = [judge(series) for series in series_of(month.records)]
    failures = month.failures + [f"{v.series.name} grows {v.last_slope:+.3f} MB/day (allowed {v.allowed:.3f})" for v in verdicts if v.grows]
    result = SoakResult(month.records, verdicts, failures, time.monotonic() - started)
    (options.directory / "soak-table.txt").write_text(result.report() + "\n", encoding="utf-8")
    if options.plot is not None:
        from workbench.soak.plot import plot_rss

        plot_rss(month.records, options.plot)
    return result
