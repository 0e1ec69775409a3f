"""The city's view of its halls: per-hall counts, link state and lag (GET /city/api/halls)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from city.live import logged_in_windows, oldest_waiting, paused_windows
from city.models import (
    CityDeviceFault,
    CityFollowUp,
    CityHall,
    CityHallProfile,
    CityPause,
    CityRating,
    CityRevocation,
    CityService,
    CityTicket,
)

LINK_DOWN_AFTER_SECONDS = 30.0  # three missed heartbeats (server/city_link.py sends one every 10 s when idle)


def _counts(connection: Any, query: Any) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in connection.execute(query)}


def halls_overview(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        halls = connection.execute(select(CityHall).order_by(CityHall.code)).all()
        revoked = {row[0] for row in connection.execute(select(CityRevocation.code))}
        tickets = _counts(connection, select(CityTicket.hall, func.count()).group_by(CityTicket.hall))
        latest_day = select(CityTicket.hall, func.max(CityTicket.business_day).label("day")).group_by(CityTicket.hall).subquery()
        waiting = _counts(
            connection,
            select(CityTicket.hall, func.count())
            .join(latest_day, (latest_day.c.hall == CityTicket.hall) & (latest_day.c.day == CityTicket.business_day))
            .where(CityTicket.status == "waiting")
            .group_by(CityTicket.hall),
        )
        finished = _counts(
            connection, select(CityService.hall, func.count()).where(CityService.ended_at.is_not(None)).group_by(CityService.hall)
        )
        ratings = _counts(connection, select(CityRating.hall, func.count()).group_by(CityRating.hall))
        bad = _counts(connection, select(CityRating.hall, func.count()).where(CityRating.bad).group_by(CityRating.hall))
        followups = _counts(
            connection, select(CityFollowUp.hall, func.count()).where(CityFollowUp.status == "open").group_by(CityFollowUp.hall)
        )
        pauses = _counts(connection, select(CityPause.hall, func.count()).where(CityPause.ended_at.is_(None)).group_by(CityPause.hall))
        faults = _counts(connection, select(CityDeviceFault.hall, func.count()).group_by(CityDeviceFault.hall))
        known = {row.code: row for row in connection.execute(select(CityHallProfile))}
        staffed, paused, oldest = logged_in_windows(connection), paused_windows(connection), oldest_waiting(connection)
    overview = []
    for hall in halls:
        silent = (now - hall.last_contact_at).total_seconds()
        link = "revoked" if hall.code in revoked else ("up" if silent <= LINK_DOWN_AFTER_SECONDS else "down")
        overview.append(
            {
                "hall": hall.code,
                "link": link,
                "seconds_since_contact": round(silent, 1),
                "acked_seq": hall.acked_seq,
                "head_seq": hall.head_seq,
                "lag_events": max(0, hall.head_seq - hall.acked_seq),
                "lag_seconds": round(hall.last_lag_seconds, 3),
                "business_day": hall.business_day.isoformat() if hall.business_day else None,
                "tickets": tickets.get(hall.code, 0),
                "waiting": waiting.get(hall.code, 0),
                "services_finished": finished.get(hall.code, 0),
                "ratings": ratings.get(hall.code, 0),
                "bad_ratings": bad.get(hall.code, 0),
                "open_followups": followups.get(hall.code, 0),
                "open_pauses": pauses.get(hall.code, 0),
                "device_faults": faults.get(hall.code, 0),
                **_profile_and_now(hall.code, known, staffed, paused, oldest, now),
            }
        )
    seen = {hall.code for hall in halls}
    for code in sorted(set(known) - seen):  # set up by the operator, never heard from
        overview.append({"hall": code, "link": "never", **_profile_and_now(code, known, staffed, paused, oldest, now)})
    return overview


def _profile_and_now(
    code: str,
    known: dict[str, Any],
    staffed: dict[str, set[int]],
    paused: dict[str, set[int]],
    oldest: dict[str, datetime],
    now: datetime,
) -> dict[str, Any]:
    profile = known.get(code)
    first = oldest.get(code)
    return {
        "name": profile.name if profile else "",
        "district": profile.district if profile else "",
        "staffed_windows": len(staffed.get(code, set()) - paused.get(code, set())),
        "longest_wait_minutes": round(max(0.0, (now - first).total_seconds()) / 60, 1) if first else 0.0,
    }
