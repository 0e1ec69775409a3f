"""What the manager is told about the hall server's upkeep: the last good backup, an alert when
there has been none for two days (or the last attempt failed), and an alert while the database's
disk is full or read-only. Plain rules over what the server reports at ``GET /api/maintenance``
(server/backups.py, server/outage.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hall.devices import DeviceAlert, Severity
from hall.text import Bilingual

MAX_BACKUP_AGE = timedelta(days=2)


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def backup_alert(status: Mapping[str, Any], now: datetime) -> DeviceAlert | None:
    """A red alert when the last attempt failed, or when no backup is younger than two days
    (counted from when the server started taking them, so a fresh install has two days)."""
    if not status.get("enabled"):
        return None
    error = status.get("last_error")
    if isinstance(error, Mapping):
        return DeviceAlert(
            "backup:failed",
            0,
            Severity.FAULT,
            Bilingual(f"数据库备份失败：{error.get('zh', '')}", f"the database backup failed: {error.get('en', '')}"),
        )
    last = status.get("last") or {}
    taken = _instant(last.get("taken_at")) or _instant(status.get("since"))
    if taken is None or now - taken <= MAX_BACKUP_AGE:
        return None
    days = (now - taken).total_seconds() / 86400
    what_zh = "上次成功备份" if last else "服务器启动"
    what_en = "since the last good backup" if last else "since the server started, and none yet"
    return DeviceAlert(
        "backup:stale",
        0,
        Severity.FAULT,
        Bilingual(
            f"已 {days:.1f} 天没有成功的数据库备份（自{what_zh}起）：请检查备份目录和磁盘空间",
            f"no good database backup for {days:.1f} days ({what_en}): check the backup folder and the disk",
        ),
    )


def backup_summary(status: Mapping[str, Any], zone: ZoneInfo | None) -> Bilingual:
    """One line for the console: the last good backup, or why there is none."""
    if not status.get("enabled"):
        return Bilingual("本服务器未启用自动备份", "nightly backups are not enabled on this server")
    last = status.get("last") or {}
    taken = _instant(last.get("taken_at"))
    if taken is None:
        return Bilingual("尚无成功的数据库备份", "no good database backup yet")
    when = taken.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    tickets = int(last.get("tickets", 0))
    return Bilingual(f"最近一次成功备份：{when}（{tickets} 张票）", f"last good backup: {when} ({tickets} tickets)")


def storage_alert(fault: Mapping[str, Any] | None) -> DeviceAlert | None:
    """Red while writes fail for a full or read-only disk: kiosks show 暂停取号 meanwhile."""
    if not fault:
        return None
    return DeviceAlert(f"storage:{fault.get('code')}", 0, Severity.FAULT, Bilingual(str(fault.get("zh", "")), str(fault.get("en", ""))))


def maintenance_alerts(maintenance: Mapping[str, Any], now: datetime) -> list[DeviceAlert]:
    """Every upkeep alert for the console, the storage fault first (it stops the hall)."""
    alerts = [storage_alert(maintenance.get("storage_fault")), backup_alert(maintenance.get("backup") or {}, now)]
    return [alert for alert in alerts if alert is not None]
