"""The city's 好差评 records for the provincial platform: the hall's record format
(:class:`hall.reports.RatingRecord`, exported by server/exports like a hall's), one place for
every hall. The case number leads with the hall code, so it is unique across the city; clerks'
names and reasons stay in the hall (the events carry the level only)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, and_, select

from city.models import CityRating, CityService, CityTicket
from city.reports import CITY_ZONE, check_period
from hall.reports import RatingRecord
from hall.tickets import RatingLevel


def city_rating_records(engine: Engine, start: date, end: date) -> list[RatingRecord]:
    """Citizens' ratings of services of tickets taken on business days start..end, oldest first."""
    check_period(start, end)
    query = (
        select(
            CityRating.hall,
            CityTicket.business_day,
            CityTicket.number,
            CityTicket.public_id,
            CityTicket.series,
            CityService.item_code,
            CityService.department,
            CityRating.window,
            CityRating.level,
            CityRating.rated_at,
        )
        .join(CityService, and_(CityService.hall == CityRating.hall, CityService.service_id == CityRating.service_id))
        .join(CityTicket, and_(CityTicket.hall == CityService.hall, CityTicket.ticket_id == CityService.ticket_id))
        .where(CityTicket.business_day.between(start, end), CityRating.level.is_not(None))
        .order_by(CityRating.rated_at, CityRating.hall, CityRating.service_id)
    )
    with engine.connect() as connection:
        return [
            RatingRecord(
                case_no=f"{hall}-{day.strftime('%Y%m%d')}-{number}",
                ticket_public_id=public_id,
                item_code=item or "",
                category=series,
                department=department or "",
                window=int(window or 0),
                clerk_staff_no="",
                clerk_name="",
                level=RatingLevel(level),
                is_default=False,
                reasons=[],
                channel="pad",
                rated_at_iso=rated_at.astimezone(CITY_ZONE).isoformat(timespec="seconds"),
            )
            for hall, day, number, public_id, series, item, department, window, level, rated_at in connection.execute(query)
        ]
