"""What a report reads besides the facts: the hall's zone, today and first open day, and the rows that name
the keys (categories, windows, clerks, items), loaded once per report in its read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Category, Clerk, Hall, Item, Window
from db.store import StoreCore
from hall.calendar import business_day
from hall.config import HoursConfig, RulesConfig
from hall.text import HallRuleError


@dataclass
class ReportContext:
    """The hall's settings and today as of the report's read, and its rows by id (or series, code) for the keys."""

    hall_id: int
    hours: HoursConfig
    rules: RulesConfig
    today: date
    first_open_day: date  # days before this one are closed and may be rolled up
    categories: dict[int, Category]
    category_by_series: dict[str, Category]
    windows: dict[int, Window]
    clerks: dict[int, Clerk]
    items: dict[str, Item]

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.hours.zone)

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.hours.zone).astimezone(UTC)


def load_context(store: StoreCore, session: Session, hall_id: int) -> ReportContext:
    hall = session.get(Hall, hall_id)
    if hall is None:
        raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
    hours, rules = store.settings(session, hall)
    today = business_day(hours, store.clock.now())
    # A day is closed once it is over *and* the hall has rolled over past it (its open tickets expired).
    first_open = min(today, hall.current_day) if hall.current_day is not None else date.min
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.hall_id == hall_id))}
    return ReportContext(
        hall_id=hall_id,
        hours=hours,
        rules=rules,
        today=today,
        first_open_day=first_open,
        categories=categories,
        category_by_series={c.series: c for c in categories.values()},
        windows={w.id: w for w in session.scalars(select(Window).where(Window.hall_id == hall_id))},
        clerks={c.id: c for c in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id))},
        items={i.code: i for i in session.scalars(select(Item).where(Item.hall_id == hall_id))},
    )
