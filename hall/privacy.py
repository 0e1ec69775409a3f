"""个人信息保护法 as rules: how long personal fields are kept, and when a row's are due for erasure.

A hall keeps a citizen's personal fields (a booking's masked name and number and the keyed hash
that finds them, a 回访 contact number, clerks' free-text notes about a case) only as long as the
service needs them: ``[privacy] retention_days`` (default 30) after the day the row is about. Then
db.retention blanks them; the row itself stays, so every count, wait and rating figure is kept.

The one exception is the record of a no-show (hall.no_shows): it holds only the number's keyed
hash and a day, and is kept as long as the suspension rule can still count it
(``no_show_window_days + suspend_days``), then deleted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hall.config import ConfigError, PrivacyConfig

MAX_RETENTION_DAYS = 3650


def parse_privacy(table: dict[str, Any]) -> PrivacyConfig:
    """Validate the ``[privacy]`` table; errors name their place in both languages."""
    if not isinstance(table, dict):
        raise ConfigError("privacy", "应为表", "should be a table")
    unknown = set(table) - {"retention_days"}
    if unknown:
        raise ConfigError("privacy", f"未知设置 {sorted(unknown)}", f"unknown settings {sorted(unknown)}")
    days = table.get("retention_days", PrivacyConfig().retention_days)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise ConfigError(
            "privacy.retention_days",
            f"应为 1 到 {MAX_RETENTION_DAYS} 之间的整数（天）",
            f"should be a whole number of days from 1 to {MAX_RETENTION_DAYS}",
        )
    return PrivacyConfig(retention_days=days)


def privacy_from_json(data: dict[str, Any] | None) -> PrivacyConfig:
    return parse_privacy(dict(data or {}))


def erase_before(privacy: PrivacyConfig, today: date) -> date:
    """Rows about a day before this one have their personal fields erased."""
    return today - timedelta(days=privacy.retention_days)
