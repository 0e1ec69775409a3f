"""The holiday calendar a hall edits by hand: 法定节假日 and 调休 working days, as a TOML file
next to the hall's config (``[hours] calendar = "holidays.toml"``)::

    [[holiday]]
    name = "国庆节、中秋节"
    from = 2026-10-01
    to = 2026-10-08

    [[workday]]              # 调休: a weekend day the hall works (and takes bookings)
    name = "国庆节调休上班"
    date = 2026-10-10

Read once when the config is loaded and merged into the hours' ``closed_dates`` and
``extra_workdays``, so every rule that knows the hours (walk-ins, bookings, 承诺件 deadlines,
the forecast) knows the holidays. Errors name the entry in both languages.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hall.config import ConfigError

MAX_HOLIDAY_DAYS = 31  # one entry spans at most a month: a longer one is a typo in a year


def _day(entry: dict[str, Any], key: str, where: str) -> date:
    if key not in entry:
        raise ConfigError(where, f"缺少“{key}”", f"'{key}' is missing")
    value = entry[key]
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ConfigError(f"{where}.{key}", "日期应写作 2026-10-01", "a date should look like 2026-10-01")
    return value


def parse_calendar(data: dict[str, Any], source: str = "calendar") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(closed dates, 调休 working days) as ISO dates, from a decoded calendar file."""
    unknown = set(data) - {"holiday", "workday"}
    if unknown:
        raise ConfigError(
            source, f"未知的表 {sorted(unknown)}（应为 holiday 或 workday）", f"unknown tables {sorted(unknown)} (use holiday or workday)"
        )
    closed: list[date] = []
    for index, entry in enumerate(data.get("holiday", [])):
        where = f"{source}: holiday[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(where, "应为表", "should be a table")
        first = _day(entry, "from", where)
        last = _day(entry, "to", where) if "to" in entry else first
        if last < first:
            raise ConfigError(where, f"结束日期 {last} 早于开始日期 {first}", f"it ends ({last}) before it starts ({first})")
        if (last - first).days >= MAX_HOLIDAY_DAYS:
            raise ConfigError(where, f"一段假期最长 {MAX_HOLIDAY_DAYS} 天", f"one holiday spans at most {MAX_HOLIDAY_DAYS} days")
        closed += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    working: list[date] = []
    for index, entry in enumerate(data.get("workday", [])):
        where = f"{source}: workday[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(where, "应为表", "should be a table")
        day = _day(entry, "date", where)
        if day in closed:
            raise ConfigError(where, f"{day} 同时被列为假日和调休上班日", f"{day} is listed both as a holiday and as a working day")
        working.append(day)
    return tuple(sorted({d.isoformat() for d in closed})), tuple(sorted({d.isoformat() for d in working}))


def load_calendar(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(
            str(path), f"无法读取节假日文件：{error.strerror}", f"cannot read the holiday calendar: {error.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "节假日文件不是 UTF-8 编码", "the holiday calendar is not UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), f"TOML 语法错误：{error}", f"TOML syntax error: {error}") from None
    return parse_calendar(data, path.name)


def merge_calendar(hours: dict[str, Any], path: Path) -> dict[str, Any]:
    """The ``[hours]`` table with the calendar file's dates added (the ``calendar`` key consumed)."""
    closed, working = load_calendar(path)
    merged = {k: v for k, v in hours.items() if k != "calendar"}
    merged["closed_dates"] = sorted({*merged.get("closed_dates", []), *closed})
    merged["extra_workdays"] = sorted({*merged.get("extra_workdays", []), *working})
    clash = set(merged["closed_dates"]) & set(merged["extra_workdays"])
    if clash:
        day = min(clash)
        raise ConfigError(str(path), f"{day} 同时被列为假日和调休上班日", f"{day} is listed both as a holiday and as a working day")
    return merged
