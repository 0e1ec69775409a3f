"""The 预约 and privacy settings edited through the config API (``PUT /api/config/hall`` with
``booking``, ``privacy``, and the holiday calendar as ``hours.closed_dates`` / ``extra_workdays``).

Each is checked by the parser the config file goes through before anything is written; the
phone-hash key kept in ``halls.booking`` (db.booking) is never shown or overwritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Category, Hall
from hall.booking import parse_booking
from hall.config import ConfigError
from hall.privacy import parse_privacy

HOLIDAY_KEYS = ("closed_dates", "extra_workdays")
MAX_HOLIDAY_DATES = 400


def check_holiday_dates(hours: dict[str, Any]) -> None:
    """调休 and holiday lists: ISO dates (2026-10-01), a day in at most one of the two lists."""
    seen: dict[str, set[str]] = {}
    for key in HOLIDAY_KEYS:
        if key not in hours:
            continue
        values = hours[key]
        if not isinstance(values, list) or len(values) > MAX_HOLIDAY_DATES:
            raise ConfigError(f"hours.{key}", f"应为至多 {MAX_HOLIDAY_DATES} 个日期的列表", f"should be a list of at most {MAX_HOLIDAY_DATES} dates")
        for value in values:
            try:
                if not isinstance(value, str) or len(value) != 10:
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"hours.{key}", f"“{str(value)[:20]}”不是日期（如 2026-10-01）", f"'{str(value)[:20]}' is not a date such as 2026-10-01") from None
        seen[key] = set(values)
    both = seen.get("closed_dates", set()) & seen.get("extra_workdays", set())
    if both:
        day = sorted(both)[0]
        raise ConfigError("hours", f"{day} 不能既是休息日又是调休上班日", f"{day} cannot be both a holiday and a make-up working day")


def edit_booking_privacy(session: Session, hall: Hall, changes: dict[str, Any], detail: dict[str, Any]) -> None:
    """Apply ``booking`` and ``privacy`` from ``changes`` to ``hall`` (validated); note them in ``detail``."""
    if "booking" in changes:
        known = tuple(session.scalars(select(Category.series).where(Category.hall_id == hall.id)))
        current = {k: v for k, v in (hall.booking or {}).items() if not k.startswith("_")}
        wanted = {k: v for k, v in changes["booking"].items() if not k.startswith("_")}
        parsed = parse_booking({**current, **wanted}, known)
        secret = {k: v for k, v in (hall.booking or {}).items() if k.startswith("_")}
        detail["booking"] = {k: [current.get(k), v] for k, v in wanted.items() if current.get(k) != v}
        hall.booking = {**parsed.as_json(), **secret}
    if "privacy" in changes:
        parsed_privacy = parse_privacy({**(hall.privacy or {}), **changes["privacy"]})
        detail["privacy"] = {"retention_days": [(hall.privacy or {}).get("retention_days"), parsed_privacy.retention_days]}
        hall.privacy = parsed_privacy.as_json()
