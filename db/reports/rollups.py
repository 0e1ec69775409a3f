"""Daily rollups: every *closed* business day (earlier than today and already rolled over, so its open tickets
are expired and its pauses ended) is reduced once to one ``report_rollups`` row per (dimension, key) of
:data:`~db.reports.keys.ROLLUP_DIMENSIONS`, built by the live code (:mod:`db.reports.live`), and a
``report_days`` row saying when it was built.

Staleness. Closed days still change in three ways, and none may go unnoticed:
- a rating arrives later (phone channel; a default rating inserted after N days): ratings are
  scanned by ``created_at`` since the last check (indexed) and their days rebuilt;
- a 'not rated' row is turned into a default rating in place (``apply_default_ratings``): when
  default ratings are on, the remaining 'not rated' rows per day (a partial index) are compared
  with the count the rollup was built from;
- a 差评 follow-up is resolved (or reopened) later: its update is found in the audit log
  (``update_followup`` writes one per change, indexed by time) and its day rebuilt. Unresolved
  follow-ups are stored by deadline, so 'open' turns 'overdue' by the date a report is read.
A build records the clock time it started; a rating created up to ``REBUILD_MARGIN`` before that
still marks the day stale, so a rating whose transaction began before the build's read and
committed after it is not lost. Tickets and services of a closed day do not change (the roll-over
expired the open ones).

Building is chunked per day: the day's raw rows are read in a read transaction, and only the
rollup rows are written, in one short write transaction per day, so the hall server keeps writing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, FollowUp, Hall, Pause, Rating, ReportDay, ReportRollup, ReportWatermark, Service, Ticket
from db.reports.context import load_context
from db.reports.keys import HALL_KEY, ROLLUP_DIMENSIONS
from db.reports.live import Collector
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.calendar import business_day
from hall.reports import Dimension, ReportFilter
from hall.text import HallRuleError

REBUILD_MARGIN = timedelta(seconds=60)  # longer than any write transaction: a rating begun before a build may commit after it


class RollupBuilder:
    """Builds, and forgets when stale, the rollups of a store's closed days."""

    def __init__(self, store: StoreCore) -> None:
        self.store = store

    def last_closed_day(self, hall_id: int) -> date:
        with self.store.read() as session:
            return load_context(self.store, session, hall_id).first_open_day - timedelta(days=1)

    def refresh(self, hall_id: int, start: date, end: date, progress: Callable[[date], None] | None = None) -> int:
        """Build each closed day of start..end without a rollup. Empty days get their (empty) record
        too, so they are not looked at again; days before the hall's first ticket or pause are skipped."""
        if end < start:
            return 0
        self._mark_stale_days(hall_id)
        with self.store.read() as session:
            first = self._first_day(session, hall_id)
            if first is None:
                return 0
            start = max(start, first)
            built = set(
                session.scalars(
                    select(ReportDay.business_day).where(ReportDay.hall_id == hall_id, ReportDay.business_day.between(start, end))
                )
            )
        count = 0
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            if day in built:
                continue
            self._build_day(hall_id, day)
            count += 1
            if progress is not None:
                progress(day)
        return count

    def _first_day(self, session: Session, hall_id: int) -> date | None:
        """The hall's first business day with a ticket or a pause (both found through an index)."""
        first_ticket = session.scalar(select(func.min(Ticket.business_day)).where(Ticket.hall_id == hall_id))
        first_pause = session.scalar(select(func.min(Pause.started_at)).where(Pause.hall_id == hall_id))
        hall = session.get(Hall, hall_id)
        if hall is None:
            raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
        hours, _ = self.store.settings(session, hall)
        days = [day for day in (first_ticket, business_day(hours, first_pause) if first_pause else None) if day is not None]
        return min(days) if days else None

    def _build_day(self, hall_id: int, day: date) -> None:
        built_at = self.store.clock.now()
        with self.store.read() as session:
            context = load_context(self.store, session, hall_id)
            collector = Collector(session, context, ReportFilter(), ROLLUP_DIMENSIONS)
            collector.clock_now = built_at
            groups = collector.collect(day, day)
            hall_figures = groups.get((day, Dimension.HALL, HALL_KEY))
            pending = hall_figures.not_rated if hall_figures else 0
        rows = [
            {
                "hall_id": hall_id,
                "business_day": day,
                "dimension": dimension.value,
                "key": key,
                "counters": figures.counters_json(),
                "wait_histogram": figures.wait_histogram.encode(),
                "service_histogram": figures.service_histogram.encode(),
            }
            for (_, dimension, key), figures in groups.items()
        ]

        def write(uow: UnitOfWork) -> None:
            session = uow.session
            session.execute(delete(ReportRollup).where(ReportRollup.hall_id == hall_id, ReportRollup.business_day == day))
            session.execute(delete(ReportDay).where(ReportDay.hall_id == hall_id, ReportDay.business_day == day))
            if rows:
                session.execute(ReportRollup.__table__.insert(), rows)
            session.add(ReportDay(hall_id=hall_id, business_day=day, built_at=built_at, pending_ratings=pending))

        try:
            self.store.write(hall_id, write)
        except HallRuleError as error:
            if error.code != "conflict":  # another process built the same day at the same moment: theirs is as good
                raise

    def _days_with_changed_followups(
        self, session: Session, hall_id: int, since: datetime | None, built: dict[date, tuple[datetime, int]]
    ) -> set[date]:
        """Closed days whose 差评 follow-ups were updated after the build. Every update goes through
        ``update_followup``, which writes an audit entry ("followup", with the follow-up's id): the
        audit log (indexed by time) is the change record; a reopened follow-up leaves no other trace."""
        query = select(AuditEntry.detail, AuditEntry.created_at).where(AuditEntry.hall_id == hall_id, AuditEntry.action == "followup")
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        changed_at: dict[int, datetime] = {}
        for detail, created_at in session.execute(query):
            followup_id = detail.get("followup") if isinstance(detail, dict) else None
            if isinstance(followup_id, int):
                changed_at[followup_id] = max(created_at, changed_at.get(followup_id, created_at))
        if not changed_at:
            return set()
        days = session.execute(
            select(FollowUp.id, Ticket.business_day)
            .join(Rating, Rating.id == FollowUp.rating_id)
            .join(Service, Service.id == Rating.service_id)
            .join(Ticket, Ticket.id == Service.ticket_id)
            .where(FollowUp.id.in_(sorted(changed_at)))
        )
        return {day for followup_id, day in days if day in built and changed_at[followup_id] >= built[day][0] - REBUILD_MARGIN}

    def _mark_stale_days(self, hall_id: int) -> None:
        """Forget the rollups of closed days whose ratings or follow-ups changed after they were built."""
        checked_at = self.store.clock.now()
        with self.store.read() as session:
            context = load_context(self.store, session, hall_id)
            since = session.scalar(select(ReportWatermark.ratings_checked_to).where(ReportWatermark.hall_id == hall_id))
            built = {
                day: (built_at, pending)
                for day, built_at, pending in session.execute(
                    select(ReportDay.business_day, ReportDay.built_at, ReportDay.pending_ratings).where(ReportDay.hall_id == hall_id)
                )
            }
            if not built:
                stale: set[date] = set()
            else:
                new_ratings = (
                    select(Ticket.business_day, func.max(Rating.created_at))
                    .join(Service, Service.id == Rating.service_id)
                    .join(Ticket, Ticket.id == Service.ticket_id)
                    .where(Rating.hall_id == hall_id)
                    .group_by(Ticket.business_day)
                )
                if since is not None:
                    new_ratings = new_ratings.where(Rating.created_at >= since)
                stale = {
                    day
                    for day, newest in session.execute(new_ratings)
                    if day in built and newest is not None and newest >= built[day][0] - REBUILD_MARGIN
                }
                stale |= self._days_with_changed_followups(session, hall_id, since, built)
                if context.rules.default_rating_days > 0:
                    # 'Not rated' rows turned into defaults in place keep their created_at: compare counts.
                    pending_now = dict(
                        session.execute(
                            select(Ticket.business_day, func.count())
                            .select_from(Rating)
                            .join(Service, Service.id == Rating.service_id)
                            .join(Ticket, Ticket.id == Service.ticket_id)
                            .where(Rating.hall_id == hall_id, Rating.level.is_(None))
                            .group_by(Ticket.business_day)
                        ).all()
                    )
                    stale |= {day for day, (_, pending) in built.items() if pending_now.get(day, 0) != pending}

        def write(uow: UnitOfWork) -> None:
            session = uow.session
            if stale:
                ordered = sorted(stale)
                session.execute(delete(ReportDay).where(ReportDay.hall_id == hall_id, ReportDay.business_day.in_(ordered)))
                session.execute(delete(ReportRollup).where(ReportRollup.hall_id == hall_id, ReportRollup.business_day.in_(ordered)))
            mark = checked_at - REBUILD_MARGIN
            row = session.get(ReportWatermark, hall_id)
            if row is None:
                session.add(ReportWatermark(hall_id=hall_id, ratings_checked_to=mark))
            elif since is None or mark > since:
                row.ratings_checked_to = mark

        self.store.write(hall_id, write)
