"""Report queries: a hall's figures per day, week, month, category, item, window, clerk, department, hour and
weekday, and its 好差评 records, for one store.

A report reads the rollups of its closed days (:mod:`db.reports.rollups`, :mod:`db.reports.rollup_reads`) and
aggregates the open days (today) live from raw rows (:mod:`db.reports.live`) with the code the rollups are built
by, so a closed day from its rollup equals the same day computed live. ``ReportQueries(store, use_rollups=False)``
aggregates everything live: the reference in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from db.reports.context import ReportContext, load_context
from db.reports.figures import Figures, RollupSum
from db.reports.keys import NOT_PER_TICKET, TIME_DIMENSIONS, label, sort_key, time_key
from db.reports.live import Collector
from db.reports.records import read_rating_records
from db.reports.rollup_reads import load_rollups, rollup_source
from db.reports.rollups import RollupBuilder
from db.store import StoreCore
from hall.reports import Dimension, RatingRecord, Report, ReportRequest
from hall.text import Bilingual, HallRuleError


class ReportQueries:
    """Reports, 好差评 records and the daily rollups behind them, for one store."""

    def __init__(self, store: StoreCore, *, use_rollups: bool = True) -> None:
        self.store = store
        # use_rollups=False aggregates every day live from raw rows: the reference the rollups are checked against.
        self.use_rollups = use_rollups
        self.rollups = RollupBuilder(store)

    # ------------------------------------------------------------ reports

    def report(self, hall_id: int, request: ReportRequest) -> Report:
        if request.end < request.start:
            raise HallRuleError("bad_period", "结束日期早于开始日期", "the period ends before it starts", 422)
        wanted = request.filter
        by = request.by
        source_dimension = Dimension.HALL if by in TIME_DIMENSIONS else by
        source = rollup_source(request, source_dimension) if self.use_rollups else None
        # Decided once: a day closed now stays closed, even if the hall rolls over meanwhile.
        closed_end = min(request.end, self.rollups.last_closed_day(hall_id))
        if source is not None:
            self.rollups.refresh(hall_id, request.start, closed_end)
        with self.store.read() as session:
            context = load_context(self.store, session, hall_id)
            live_start = request.start
            # Every figure is summed in day order (closed days from their rollups, then the live ones), per report row.
            row_sums: dict[str, RollupSum] = {}
            total_sum = RollupSum()
            if source is not None and closed_end >= request.start:
                rollup_dimension, rollup_key = source
                load_rollups(session, context, request, closed_end, rollup_dimension, rollup_key, row_sums, total_sum)
                live_start = closed_end + timedelta(days=1)
            rows = {row_key: summed.figures() for row_key, summed in row_sums.items()}
            total = total_sum.figures()
            if live_start <= request.end:
                collector = Collector(session, context, wanted, {source_dimension, Dimension.HALL})
                collector.clock_now = self.store.clock.now()
                groups = collector.collect(live_start, request.end)
                for day, dimension, key in sorted(groups, key=lambda k: (k[0], k[1].value, k[2])):
                    figures = groups[(day, dimension, key)]
                    if dimension is Dimension.HALL:
                        total.merge(figures)
                        if by in TIME_DIMENSIONS:
                            rows.setdefault(time_key(by, day), Figures()).merge(figures)
                    elif dimension is source_dimension:
                        rows.setdefault(key, Figures()).merge(figures)
            return self._assemble(request, context, rows, total)

    def _assemble(self, request: ReportRequest, context: ReportContext, rows: dict[str, Figures], total: Figures) -> Report:
        by, wanted = request.by, request.filter
        issued_applies = wanted.window is None and wanted.clerk is None and wanted.department is None
        report_rows = [
            figures.row(key, label(by, key, context), issued_applies and by not in NOT_PER_TICKET, context.today)
            for key, figures in sorted(rows.items(), key=lambda pair: sort_key(by, pair[0]))
        ]
        return Report(
            request=request, rows=report_rows, total=total.row("total", Bilingual("合计", "total"), issued_applies, context.today)
        )

    # ------------------------------------------------------------ 好差评 records

    def rating_records(self, hall_id: int, start: date, end: date) -> list[RatingRecord]:
        """Citizens' and default ratings of services on business days start..end, oldest first (see :mod:`db.reports.records`)."""
        return read_rating_records(self.store, hall_id, start, end)

    # ------------------------------------------------------------ rollups

    def refresh_rollups(self, hall_id: int, progress: Callable[[date], None] | None = None) -> int:
        """Build the rollups of every closed day that has none or a stale one; returns the days built.

        ``progress`` is called with each day built (a year takes a while)."""
        return self.rollups.refresh(hall_id, date.min, self.rollups.last_closed_day(hall_id), progress)
