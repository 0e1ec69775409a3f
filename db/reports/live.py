"""Figures computed live from raw rows: today's (open) days, any day when rollups are off, and reports whose
filter and grouping have no stored rows. Closed days are rolled up with this same code
(:mod:`db.reports.rollups`), so a day read from its rollup equals the day computed live."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import FollowUp, Pause, Rating, Service, Ticket
from db.reports.context import ReportContext
from db.reports.figures import Figures, ServiceFact
from db.reports.histogram import bin_of
from db.reports.keys import HALL_KEY, ROLLUP_DIMENSIONS
from hall.calendar import business_day
from hall.reports import Dimension, ReportFilter

_LONG_PERIOD_DAYS: Final = 62  # from here a service query filtered to one window, clerk or category starts from it (see _service_days)

Groups = dict[tuple[date, Dimension, str], Figures]


def _keys_of_service(fact: ServiceFact) -> dict[Dimension, str]:
    return {
        Dimension.HALL: HALL_KEY,
        Dimension.CATEGORY: fact.series,
        Dimension.ITEM: fact.item,
        Dimension.WINDOW: fact.window,
        Dimension.CLERK: fact.clerk,
        Dimension.DEPARTMENT: fact.department,
        Dimension.HOUR: f"{fact.hour:02d}",
    }


class Collector:
    """Aggregates raw rows of a day range into figures per (day, dimension, key)."""

    def __init__(self, session: Session, context: ReportContext, wanted: ReportFilter, dimensions: Iterable[Dimension]) -> None:
        self.session = session
        self.context = context
        self.wanted = wanted
        self.dimensions = tuple(dict.fromkeys(dimensions))
        self.groups: Groups = {}
        self.clock_now: datetime | None = None  # set by the caller: an open pause counts until now

    def figures(self, day: date, dimension: Dimension, key: str) -> Figures:
        slot = (day, dimension, key)
        found = self.groups.get(slot)
        if found is None:
            found = self.groups[slot] = Figures()
        return found

    # ------------------------------------------------------------ filters on raw rows

    def _service_conditions(self) -> list[Any]:
        wanted, context = self.wanted, self.context
        conditions: list[Any] = []
        if wanted.category is not None:
            category = context.category_by_series.get(wanted.category)
            conditions.append(Service.category_id == (category.id if category else -1))
        if wanted.window is not None:
            conditions.append(Service.window_id.in_([w.id for w in context.windows.values() if w.number == wanted.window] or [-1]))
        if wanted.clerk is not None:
            conditions.append(Service.clerk_id.in_([c.id for c in context.clerks.values() if c.staff_no == wanted.clerk] or [-1]))
        if wanted.department is not None:
            conditions.append(Service.department == wanted.department)
        return conditions

    # ------------------------------------------------------------ collecting

    def collect(self, start: date, end: date) -> Groups:
        self._tickets(start, end)
        self._services(start, end)
        self._pauses(start, end)
        return self.groups

    def _tickets(self, start: date, end: date) -> None:
        wanted = self.wanted
        if wanted.window is not None or wanted.clerk is not None or wanted.department is not None:
            return  # tickets are taken per category: 'issued' has no meaning for these filters
        conditions = [Ticket.hall_id == self.context.hall_id, Ticket.business_day.between(start, end)]
        if wanted.category is not None:
            conditions.append(Ticket.series == wanted.category)
        dimensions = [d for d in self.dimensions if d in (Dimension.HALL, Dimension.CATEGORY, Dimension.ITEM, Dimension.HOUR)]
        if Dimension.ITEM not in dimensions and Dimension.HOUR not in dimensions:
            # Counts per day and category are all that is needed: counted by the database, not row by row here.
            counted = (
                select(Ticket.business_day, Ticket.series, func.count()).where(*conditions).group_by(Ticket.business_day, Ticket.series)
            )
            for day, series, count in self.session.execute(counted):
                for dimension in dimensions:
                    self.figures(day, dimension, HALL_KEY if dimension is Dimension.HALL else series).issued += count
            return
        query = select(Ticket.business_day, Ticket.series, Ticket.items, Ticket.issued_at).where(*conditions)
        for day, series, items, issued_at in self.session.execute(query.order_by(Ticket.id)):
            keys = {
                Dimension.HALL: HALL_KEY,
                Dimension.CATEGORY: series,
                # A ticket counts once, under the first item it was taken for (the one its service records).
                Dimension.ITEM: items[0] if items else "",
                Dimension.HOUR: f"{self.context.local(issued_at).hour:02d}",
            }
            for dimension in dimensions:
                self.figures(day, dimension, keys[dimension]).issued += 1

    def _service_days(self, start: date, end: date) -> Any:
        """The services' day condition. SQLite keeps no statistics unless ANALYZE runs, so it drives every service
        query from the tickets of the period, even one filtered to a single window, clerk or category, and a long
        period then reads every ticket in it. ``likely()`` tells its planner the day range is no filter to start
        from, so it reads that window's, clerk's or category's services through their index (services_by_window,
        services_by_clerk, services_by_category) and looks their tickets up. Only for long periods: for a day or a
        month the tickets of the period are as cheap."""
        condition = Ticket.business_day.between(start, end)
        wanted = self.wanted
        one_of_few = wanted.window is not None or wanted.clerk is not None or wanted.category is not None
        if one_of_few and (end - start).days >= _LONG_PERIOD_DAYS and self.session.get_bind().dialect.name == "sqlite":
            return func.likely(condition)
        return condition

    def service_facts(self, start: date, end: date) -> Iterator[ServiceFact]:
        context = self.context
        query = (
            select(
                Ticket.business_day,
                Ticket.issued_at,
                Ticket.assist,
                Service.category_id,
                Service.item_code,
                Service.window_id,
                Service.clerk_id,
                Service.department,
                Service.waited_seconds,
                Service.queue_wait,
                Service.started_at,
                Service.ended_at,
                Service.end_reason,
                Service.outcome,
                Rating.id,
                Rating.level,
                Rating.is_default,
                FollowUp.deadline,
                FollowUp.status,
                FollowUp.resolved_at,
            )
            .join(Ticket, Ticket.id == Service.ticket_id)
            .outerjoin(Rating, Rating.service_id == Service.id)
            .outerjoin(FollowUp, FollowUp.rating_id == Rating.id)
            .where(Ticket.hall_id == context.hall_id, self._service_days(start, end), *self._service_conditions())
            .order_by(Service.id)
        )
        windows, clerks, categories = context.windows, context.clerks, context.categories
        for row in self.session.execute(query):
            (
                day,
                issued_at,
                assist,
                category_id,
                item,
                window_id,
                clerk_id,
                department,
                waited,
                queue_wait,
                started,
                ended,
                reason,
                outcome,
                rating_id,
                level,
                default,
                deadline,
                followup_status,
                resolved_at,
            ) = row
            window = windows.get(window_id)
            clerk = clerks.get(clerk_id) if clerk_id is not None else None
            category = categories.get(category_id)
            service_seconds = max(0.0, (ended - started).total_seconds()) if reason == "finished" and started and ended else 0.0
            waited = max(0.0, float(waited or 0.0))
            resolved_on_time = None
            if deadline is not None and followup_status != "open" and resolved_at is not None:
                # on time = resolved by the end of the deadline's day, hall time
                resolved_on_time = context.local(resolved_at).date() <= deadline
            yield ServiceFact(
                day=day,
                hour=context.local(issued_at).hour,
                series=category.series if category else "",
                item=item or "",
                window=str(window.number) if window else "",
                clerk=clerk.staff_no if clerk else "",
                department=department or "",
                waited=waited,
                queue_wait=bool(queue_wait),
                service_seconds=service_seconds,
                wait_bin=bin_of(waited),
                service_bin=bin_of(service_seconds),
                end_reason=reason or "",
                outcome=outcome or "",
                rated=rating_id is not None,
                level=level,
                is_default=bool(default),
                followup_deadline=deadline,
                followup_resolved_on_time=resolved_on_time,
                assist=assist or "",
            )

    def _services(self, start: date, end: date) -> None:
        dimensions = [d for d in self.dimensions if d in ROLLUP_DIMENSIONS]
        for fact in self.service_facts(start, end):
            keys = _keys_of_service(fact)
            for dimension in dimensions:
                self.figures(fact.day, dimension, keys[dimension]).add_service(fact)

    def _pauses(self, start: date, end: date) -> None:
        """Pauses belong to a window (and the clerk who paused), on the business day they began."""
        wanted, context = self.wanted, self.context
        if wanted.category is not None:
            return  # a pause stops a window, not a category
        query = select(Pause.window_id, Pause.clerk_id, Pause.started_at, Pause.ended_at).where(
            Pause.hall_id == context.hall_id,
            Pause.started_at >= context.day_start(start),
            Pause.started_at < context.day_start(end + timedelta(days=1)),
        )
        dimensions = [
            d for d in self.dimensions if d in (Dimension.HALL, Dimension.WINDOW, Dimension.CLERK, Dimension.DEPARTMENT, Dimension.HOUR)
        ]
        for window_id, clerk_id, started_at, ended_at in self.session.execute(query.order_by(Pause.id)):
            window = context.windows.get(window_id)
            clerk = context.clerks.get(clerk_id) if clerk_id is not None else None
            keys = {
                Dimension.HALL: HALL_KEY,
                Dimension.WINDOW: str(window.number) if window else "",
                Dimension.CLERK: clerk.staff_no if clerk else "",
                Dimension.DEPARTMENT: window.department if window else "",
                Dimension.HOUR: f"{context.local(started_at).hour:02d}",
            }
            if wanted.window is not None and keys[Dimension.WINDOW] != str(wanted.window):
                continue
            if wanted.clerk is not None and keys[Dimension.CLERK] != wanted.clerk:
                continue
            if wanted.department is not None and keys[Dimension.DEPARTMENT] != wanted.department:
                continue
            until = ended_at or self.clock_now or started_at  # an open pause counts until now
            seconds = max(0.0, (until - started_at).total_seconds())
            day = business_day(context.hours, started_at)
            for dimension in dimensions:
                self.figures(day, dimension, keys[dimension]).add_pause(seconds)
