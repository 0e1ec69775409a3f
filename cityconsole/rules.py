"""What the city console shows, as plain rules (no Qt): a hall's alert level and reasons from its
overview row, the link and lag texts, the report groupings, and the period checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from hall.text import Bilingual

CITY_ZONE = ZoneInfo("Asia/Shanghai")  # every hall of a city is in China Standard Time
LONG_WAIT_MINUTES = 30.0  # as the city's live view: a category whose longest wait passes it is an alert
LAG_EVENTS_ALERT = 500  # events the city has not received yet: the hall is catching up
REFRESH_SECONDS = 15


class Level(StrEnum):
    OK = "ok"
    ALERT = "alert"  # amber: look at it
    DOWN = "down"  # red: the city does not hear from the hall


LINK_NAMES: dict[str, Bilingual] = {
    "up": Bilingual("在线", "up"),
    "down": Bilingual("断开", "down"),
    "revoked": Bilingual("已注销", "revoked"),
    "never": Bilingual("从未连接", "never connected"),
}

# The groupings GET /city/api/report takes (city/reports.py CityDimension), in the order offered.
GROUPINGS: tuple[tuple[str, Bilingual], ...] = (
    ("hall", Bilingual("按大厅", "by hall")),
    ("district", Bilingual("按区县", "by district")),
    ("category", Bilingual("按业务类别", "by category")),
    ("item", Bilingual("按事项", "by item")),
    ("department", Bilingual("按部门", "by department")),
    ("city", Bilingual("全市合计", "whole city")),
)
EXPORT_FORMATS = ("csv", "xlsx")


def hall_name(row: dict[str, Any]) -> str:
    name = str(row.get("name") or "")
    return f"{name}（{row['hall']}）" if name else str(row["hall"])


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} 秒 / s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟 / min"
    if seconds < 86400 * 2:
        return f"{seconds / 3600:.1f} 小时 / h"
    return f"{seconds / 86400:.0f} 天 / days"


def link_text(row: dict[str, Any]) -> str:
    name = LINK_NAMES.get(str(row.get("link")), Bilingual(str(row.get("link")), str(row.get("link"))))
    return f"{name.zh} {name.en}"


def lag_text(row: dict[str, Any]) -> str:
    """Events not yet received and how long since the hall was last heard from."""
    if row.get("link") == "never":
        return "—"
    silent = float(row.get("seconds_since_contact") or 0.0)
    lag = int(row.get("lag_events") or 0)
    return f"{lag} 条未到 · {duration_text(silent)}前" if lag else f"已同步 · {duration_text(silent)}前"


def hall_alerts(row: dict[str, Any]) -> list[Bilingual]:
    """Why a hall needs a look, most urgent first."""
    found: list[Bilingual] = []
    link = row.get("link")
    if link == "down":
        silent = float(row.get("seconds_since_contact") or 0.0)
        found.append(Bilingual(f"链路断开 {duration_text(silent)}", f"link down for {duration_text(silent)}"))
    elif link == "revoked":
        found.append(Bilingual("大厅已被注销", "the hall is revoked"))
    elif link == "never":
        found.append(Bilingual("已登记但从未上报", "set up but never reported"))
    if int(row.get("lag_events") or 0) >= LAG_EVENTS_ALERT:
        found.append(Bilingual(f"{row['lag_events']} 条事件未到", f"{row['lag_events']} events behind"))
    if float(row.get("longest_wait_minutes") or 0.0) >= LONG_WAIT_MINUTES:
        minutes = float(row["longest_wait_minutes"])
        found.append(Bilingual(f"最长等候 {minutes:.0f} 分钟", f"longest wait {minutes:.0f} min"))
    if int(row.get("open_followups") or 0):
        found.append(Bilingual(f"{row['open_followups']} 条差评待回访", f"{row['open_followups']} 差评 follow-up(s) open"))
    if int(row.get("device_faults") or 0):
        found.append(Bilingual(f"{row['device_faults']} 次设备故障", f"{row['device_faults']} device fault(s)"))
    if int(row.get("waiting") or 0) and row.get("link") == "up" and not int(row.get("staffed_windows") or 0):
        found.append(Bilingual("有人等候但无窗口在岗", "citizens wait and no window is staffed"))
    return found


def hall_level(row: dict[str, Any]) -> Level:
    if row.get("link") in ("down", "revoked", "never"):
        return Level.DOWN
    return Level.ALERT if hall_alerts(row) else Level.OK


def overview_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By district, then hall code; halls without a district last."""
    return sorted(rows, key=lambda row: (not row.get("district"), str(row.get("district") or ""), str(row["hall"])))


@dataclass(frozen=True)
class OverviewSummary:
    halls: int
    down: int
    alerts: int
    waiting: int

    @property
    def text(self) -> str:
        return (
            f"{self.halls} 个大厅 · {self.down} 个断开 · {self.alerts} 个需关注 · 全市等候 {self.waiting} 人    "
            f"{self.halls} halls · {self.down} down · {self.alerts} need a look · {self.waiting} waiting city-wide"
        )


def summarise(rows: list[dict[str, Any]]) -> OverviewSummary:
    levels = [hall_level(row) for row in rows]
    return OverviewSummary(
        len(rows), levels.count(Level.DOWN), levels.count(Level.ALERT), sum(int(row.get("waiting") or 0) for row in rows)
    )


def check_period(start: date, end: date) -> Bilingual | None:
    """The console's own check before asking the city (the city checks again)."""
    if end < start:
        return Bilingual("结束日期早于开始日期", "the period ends before it starts")
    if (end - start).days >= 366:
        return Bilingual("期间最长一年", "a period is at most one year")
    return None


def city_today(now: datetime | None = None) -> date:
    return (now or datetime.now(CITY_ZONE)).astimezone(CITY_ZONE).date()


def minutes_ago(iso: str, now: datetime) -> str:
    """A call's time as the hall's clock shows it and how long ago: "10:42（3 分钟前）"."""
    at = datetime.fromisoformat(iso)
    ago = max(timedelta(0), now - at)
    return f"{at.astimezone(CITY_ZONE):%H:%M}（{ago.total_seconds() / 60:.0f} 分钟前 / min ago）"


TICKET_STATUS_NAMES: dict[str, Bilingual] = {
    "called": Bilingual("已叫号", "called"),
    "serving": Bilingual("办理中", "serving"),
    "done": Bilingual("已办结", "done"),
    "no_show": Bilingual("过号", "no-show"),
    "transferred": Bilingual("已转移", "transferred"),
    "waiting": Bilingual("等候中", "waiting"),
    "expired": Bilingual("已过期", "expired"),
}


def status_text(status: str | None) -> str:
    if not status:
        return ""
    name = TICKET_STATUS_NAMES.get(status, Bilingual(status, status))
    return f"{name.zh} {name.en}"


def window_state(window: dict[str, Any]) -> Bilingual:
    if window.get("paused"):
        minutes = window.get("paused_minutes")
        reason = str(window.get("pause_reason") or "")
        since = f" {minutes:.0f} 分钟" if isinstance(minutes, int | float) else ""
        since_en = f" {minutes:.0f} min" if isinstance(minutes, int | float) else ""
        return Bilingual(f"暂停{since}{('：' + reason) if reason else ''}", f"paused{since_en}")
    if window.get("staffed"):
        return Bilingual("在岗", "staffed")
    return Bilingual("无人", "not staffed")
