"""One hall as the city sees it now, read-only, derived from the events it shipped: its windows
(staffed, serving, paused), its queues per category, its recent calls and its alerts.

"Staffed" is the hall's own rule as far as the events show it: a clerk's last login event at a
window is a login (clerk_logged_in after any clerk_logged_out) and the window is not paused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, text

from city.models import CityDeviceFault, CityFollowUp, CityHall, CityHallProfile, CityPause, CityService, CityTicket
from hall.text import HallRuleError

RECENT_CALLS = 12
RECENT_FAULTS = 20

# The last clerk login / logout event per (hall, window): a login means a clerk is at the window.
_LOGINS_SQL = """
SELECT DISTINCT ON (hall, data->>'window') hall, (data->>'window')::int AS window, kind
FROM city_events
WHERE kind IN ('clerk_logged_in', 'clerk_logged_out') AND data->>'window' ~ '^[0-9]+$' {where}
ORDER BY hall, data->>'window', seq DESC
"""


def logged_in_windows(connection: Any, hall: str | None = None) -> dict[str, set[int]]:
    where = "AND hall = :hall" if hall is not None else ""
    found: dict[str, set[int]] = {}
    for code, window, kind in connection.execute(text(_LOGINS_SQL.format(where=where)), {"hall": hall} if hall else {}):
        if kind == "clerk_logged_in":
            found.setdefault(code, set()).add(int(window))
    return found


def paused_windows(connection: Any, hall: str | None = None) -> dict[str, set[int]]:
    query = select(CityPause.hall, CityPause.window).where(CityPause.ended_at.is_(None))
    if hall is not None:
        query = query.where(CityPause.hall == hall)
    found: dict[str, set[int]] = {}
    for code, window in connection.execute(query):
        found.setdefault(code, set()).add(int(window))
    return found


def oldest_waiting(connection: Any, hall: str | None = None) -> dict[str, datetime]:
    """Per hall, the issue time of its longest-waiting ticket of its current day."""
    latest_day = select(CityTicket.hall, func.max(CityTicket.business_day).label("day")).group_by(CityTicket.hall).subquery()
    query = (
        select(CityTicket.hall, func.min(CityTicket.issued_at))
        .join(latest_day, and_(latest_day.c.hall == CityTicket.hall, latest_day.c.day == CityTicket.business_day))
        .where(CityTicket.status == "waiting")
        .group_by(CityTicket.hall)
    )
    if hall is not None:
        query = query.where(CityTicket.hall == hall)
    return {code: issued for code, issued in connection.execute(query)}


def hall_live(engine: Engine, code: str, now: datetime) -> dict[str, Any]:
    with engine.connect() as connection:
        hall = connection.execute(select(CityHall).where(CityHall.code == code)).first()
        if hall is None:
            raise HallRuleError("unknown_hall", f"市级没有大厅 {code} 的数据", f"the city holds nothing of hall {code}", 404)
        profile = connection.execute(select(CityHallProfile).where(CityHallProfile.code == code)).first()
        day = hall.business_day or connection.execute(select(func.max(CityTicket.business_day)).where(CityTicket.hall == code)).scalar()
        staffed = logged_in_windows(connection, code).get(code, set())
        paused = paused_windows(connection, code).get(code, set())
        pause_reasons = {
            row.window: (row.reason, row.started_at)
            for row in connection.execute(select(CityPause).where(CityPause.hall == code, CityPause.ended_at.is_(None)))
        }
        serving = {
            row.window: row
            for row in connection.execute(
                select(CityTicket.window, CityTicket.number, CityTicket.status, CityTicket.called_at)
                .where(CityTicket.hall == code, CityTicket.business_day == day, CityTicket.status.in_(("called", "serving")))
                .order_by(CityTicket.called_at)
            )
            if row.window is not None
        }
        served_today = {
            window: count
            for window, count in connection.execute(
                select(CityService.window, func.count())
                .join(CityTicket, and_(CityTicket.hall == CityService.hall, CityTicket.ticket_id == CityService.ticket_id))
                .where(CityService.hall == code, CityTicket.business_day == day, CityService.ended_at.is_not(None))
                .group_by(CityService.window)
            )
        }
        numbers = sorted(staffed | paused | set(serving) | {w for w in served_today if w is not None})
        windows = []
        for number in numbers:
            current = serving.get(number)
            reason, since = pause_reasons.get(number, ("", None))
            windows.append(
                {
                    "window": number,
                    "staffed": number in staffed and number not in paused,
                    "paused": number in paused,
                    "pause_reason": reason,
                    "paused_minutes": round((now - since).total_seconds() / 60, 1) if since else None,
                    "current": current.number if current else None,
                    "current_status": current.status if current else None,
                    "served_today": served_today.get(number, 0),
                }
            )
        queues = [
            {
                "series": series,
                "waiting": int(waiting),
                "longest_wait_minutes": round(max(0.0, (now - oldest).total_seconds()) / 60, 1),
            }
            for series, waiting, oldest in connection.execute(
                select(CityTicket.series, func.count(), func.min(CityTicket.issued_at))
                .where(CityTicket.hall == code, CityTicket.business_day == day, CityTicket.status == "waiting")
                .group_by(CityTicket.series)
                .order_by(CityTicket.series)
            )
        ]
        calls = [
            {"number": row.number, "window": row.window, "called_at": row.called_at.isoformat(), "status": row.status}
            for row in connection.execute(
                select(CityTicket.number, CityTicket.window, CityTicket.called_at, CityTicket.status)
                .where(CityTicket.hall == code, CityTicket.business_day == day, CityTicket.called_at.is_not(None))
                .order_by(CityTicket.called_at.desc())
                .limit(RECENT_CALLS)
            )
        ]
        faults = [
            {"at": row.at.isoformat(), "role": row.role, "kind": row.kind, "message": {"zh": row.message_zh, "en": row.message_en}}
            for row in connection.execute(
                select(CityDeviceFault).where(CityDeviceFault.hall == code).order_by(CityDeviceFault.seq.desc()).limit(RECENT_FAULTS)
            )
        ]
        open_followups = connection.execute(
            select(func.count()).select_from(CityFollowUp).where(CityFollowUp.hall == code, CityFollowUp.status == "open")
        ).scalar_one()
    alerts: list[dict[str, Any]] = []
    if open_followups:
        alerts.append({"kind": "followups", "zh": f"{open_followups} 条差评待整改回访", "en": f"{open_followups} 差评 follow-up(s) open"})
    for queue in queues:
        if queue["longest_wait_minutes"] >= 30:
            alerts.append(
                {
                    "kind": "long_wait",
                    "zh": f"{queue['series']} 类最长已等 {queue['longest_wait_minutes']:.0f} 分钟",
                    "en": f"category {queue['series']}: longest wait {queue['longest_wait_minutes']:.0f} min",
                }
            )
    for fault in faults[:5]:
        alerts.append({"kind": "device", "zh": f"设备故障：{fault['message']['zh']}", "en": f"device fault: {fault['message']['en']}"})
    return {
        "hall": code,
        "name": profile.name if profile else "",
        "district": profile.district if profile else "",
        "address": profile.address if profile else "",
        "business_day": day.isoformat() if day else None,
        "windows": windows,
        "queues": queues,
        "recent_calls": calls,
        "device_faults": faults,
        "alerts": alerts,
    }
