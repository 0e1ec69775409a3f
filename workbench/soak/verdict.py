"""Does anything grow without bound? A verdict per series of the soak, and the day table.

Each series is a value per hall day. Its growth is the Theil–Sen slope per day (the median of the
slopes between every two days) over the first ``BASELINE_DAYS`` days and over the days after them
(the last 20 of a 30-day soak). The median, not least squares: a busy night's peak that falls back
the next day (the server's RSS after a big report) is not growth, while a floor that keeps rising
is; least squares let three peaks in the last days decide the verdict.

- **Bounded** series — the RSS of every process, the WAL, the log files (capped by rotation):
  after the first days they must level off. One grows without bound when its slope over the last
  days exceeds the series' floor: 1 MB/day of RSS (30 MB a month of never restarting; Python's
  allocator and Qt's caches wander by less than that once warm), 1 MB/day of WAL, and 0.1 MB/day
  of logs (the server's rotate under a cap; the programs' stderr goes to the journal, which
  must not fill up with lines either).
- **Accumulating** series — the database and the newest backup of it: the hall keeps its history, so
  they grow with the tickets, but each day must cost what the first days cost. One grows without
  bound when its slope over the last days exceeds 1.25 × its slope over the first days plus a
  floor of 256 KB/day (a table or index that grows faster than the tickets, an outbox never
  trimmed, would show up as a rising cost per day).

A soak shorter than ``BASELINE_DAYS`` + 2 days gives no growth verdict (too few points); errors
and rollovers are judged on any length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

from workbench.soak.measure import MB, DayRecord

BASELINE_DAYS = 10
RSS_FLOOR_MB_PER_DAY = 1.0
WAL_FLOOR_MB_PER_DAY = 1.0
LOG_FLOOR_MB_PER_DAY = 0.1
ACCUMULATING_RATIO = 1.25
ACCUMULATING_FLOOR_MB_PER_DAY = 0.25


class Kind(StrEnum):
    BOUNDED = "bounded"
    ACCUMULATING = "accumulating"


@dataclass(frozen=True)
class Series:
    name: str
    kind: Kind
    values: tuple[float, ...]  # MB per day
    floor: float  # MB/day


@dataclass(frozen=True)
class Verdict:
    series: Series
    first_slope: float | None
    last_slope: float | None
    allowed: float | None

    @property
    def judged(self) -> bool:
        return self.allowed is not None

    @property
    def grows(self) -> bool:
        return self.last_slope is not None and self.allowed is not None and self.last_slope > self.allowed

    def line(self) -> str:
        name = f"{self.series.name:<22} {self.series.kind:<12}"
        if not self.judged:
            return f"{name} {self.series.values[-1]:9.1f} MB   太短，不判断 / too short to judge"
        word = "无界增长 / GROWS" if self.grows else "有界 / bounded"
        return (
            f"{name} {self.series.values[-1]:9.1f} MB   first {BASELINE_DAYS} d {self.first_slope:+8.3f} MB/d   "
            f"later {self.last_slope:+8.3f} MB/d   allowed {self.allowed:7.3f}   {word}"
        )


def slope(values: Sequence[float]) -> float:
    """Theil–Sen growth per step: the median of the pairwise slopes (0 for fewer than two points)."""
    pairs = [(values[j] - values[i]) / (j - i) for i in range(len(values)) for j in range(i + 1, len(values))]
    return median(pairs) if pairs else 0.0


def judge(series: Series) -> Verdict:
    values = series.values
    if len(values) < BASELINE_DAYS + 2:
        return Verdict(series, None, None, None)
    first, last = slope(values[:BASELINE_DAYS]), slope(values[BASELINE_DAYS:])
    allowed = series.floor if series.kind is Kind.BOUNDED else ACCUMULATING_RATIO * max(first, 0.0) + series.floor
    return Verdict(series, first, last, allowed)


def series_of(records: Sequence[DayRecord]) -> list[Series]:
    processes = list(records[0].rss_mb) if records else []
    found = [
        Series(f"RSS {name}", Kind.BOUNDED, tuple(r.rss_mb.get(name, 0.0) for r in records), RSS_FLOOR_MB_PER_DAY) for name in processes
    ]
    found.append(Series("WAL", Kind.BOUNDED, tuple(r.wal_bytes / MB for r in records), WAL_FLOOR_MB_PER_DAY))
    found.append(Series("logs", Kind.BOUNDED, tuple(r.log_bytes / MB for r in records), LOG_FLOOR_MB_PER_DAY))
    found.append(Series("database", Kind.ACCUMULATING, tuple(r.database_bytes / MB for r in records), ACCUMULATING_FLOOR_MB_PER_DAY))
    # The newest backup, not the folder's total: until retention is full the total gains a copy a
    # night, and after it, keep × the database's growth; the copy itself must grow as the database does.
    found.append(Series("backup", Kind.ACCUMULATING, tuple(r.backups.newest_bytes / MB for r in records), ACCUMULATING_FLOOR_MB_PER_DAY))
    return found


def table(records: Sequence[DayRecord]) -> str:
    """One row per hall day."""
    if not records:
        return ""
    processes = list(records[0].rss_mb)
    head = (
        f"{'day':>3} {'date':<10} {'tickets':>7} {'done':>6} {'1st=1':>5} "
        + " ".join(f"{name[:9]:>9}" for name in processes)
        + f" {'fds':>4} {'db MB':>7} {'wal MB':>6} {'log KB':>7} {'rot':>4} {'bak':>3} {'bak MB':>6} {'err':>3}"
    )
    rows = [head, "-" * len(head)]
    for r in records:
        rows.append(
            f"{r.number:>3} {r.day.isoformat():<10} {r.tickets.issued:>7} {r.tickets.done:>6} {'yes' if r.tickets.restarted else 'NO':>5} "
            + " ".join(f"{r.rss_mb.get(name, 0.0):>9.1f}" for name in processes)
            + f" {r.server_files:>4} {r.database_bytes / MB:>7.1f} {r.wal_bytes / MB:>6.1f} {r.log_bytes / 1024:>7.0f} {r.rotations:>4} "
            f"{r.backups.count:>3} {r.backups.newest_bytes / MB:>6.1f} {r.error_count:>3}"
        )
    return "\n".join(rows)
