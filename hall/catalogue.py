"""What the city sends a hall: the item catalogue (事项, materials to bring, 承诺时限, fees, by
category and department) and the hall's notices. Checked here with the same parser as the hall's
own configuration file (hall/config.py), once by the city before it publishes and again by the
hall before it applies: a broken version is refused with a bilingual message, nothing changes.

A catalogue is the ``[[categories]]`` part of a hall configuration (each with its ``items``);
notices are a list of short texts for the display's ticker and the kiosk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hall.config import CategoryConfig, ConfigError, parse_config
from hall.text import Bilingual
from hall.tickets import MAX_PROMISED_WORKING_DAYS

CATALOGUE, NOTICES = "catalogue", "notices"
KINDS = (CATALOGUE, NOTICES)
MAX_NOTICES, MAX_NOTICE_CHARS = 20, 200


def parse_catalogue(payload: Any) -> tuple[CategoryConfig, ...]:
    """The categories and items of a catalogue, or :class:`ConfigError` naming what is wrong."""
    if not isinstance(payload, dict):
        raise ConfigError("catalogue", "目录应为一个表", "the catalogue must be a table")
    raw = payload.get("categories")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("catalogue.categories", "目录至少要有一个业务类别", "the catalogue needs at least one category")
    for index, category in enumerate(raw):
        if not isinstance(category, dict) or not isinstance(category.get("items", []), list):
            raise ConfigError(f"categories[{index}]", "应为一个表，items 应为列表", "must be a table with a list of items")
        for item_index, item in enumerate(category.get("items", [])):
            if not isinstance(item, dict):
                raise ConfigError(f"categories[{index}].items[{item_index}]", "事项应为一个表", "an item must be a table")
    try:
        categories = parse_config({"hall": {"code": "catalogue", "name_zh": "catalogue"}, "categories": raw}).categories
    except (AttributeError, TypeError) as error:
        raise ConfigError("catalogue", f"目录格式不正确：{error}", f"the catalogue is malformed: {error}") from None
    for category in categories:
        if not category.name_zh.strip():
            raise ConfigError(f"categories.{category.series}.name_zh", "中文名称不能为空", "the Chinese name is empty")
        for item in category.items:
            where = f"categories.{category.series}.items.{item.code}"
            if not item.code.strip() or len(item.code) > 32:
                raise ConfigError(f"{where}.code", "事项编码应为 1–32 个字符", "an item code must be 1-32 characters")
            if not item.name_zh.strip():
                raise ConfigError(f"{where}.name_zh", "事项中文名称不能为空", "the item's Chinese name is empty")
            if not 0 <= item.promised_days <= MAX_PROMISED_WORKING_DAYS:
                raise ConfigError(
                    f"{where}.promised_days",
                    f"承诺时限应为 0–{MAX_PROMISED_WORKING_DAYS} 个工作日",
                    f"the promised time must be 0-{MAX_PROMISED_WORKING_DAYS} working days",
                )
    return categories


def parse_notices(payload: Any) -> tuple[str, ...]:
    """The notices of a notices version: 1-20 texts of at most 200 characters."""
    notices = payload.get("notices") if isinstance(payload, dict) else None
    if not isinstance(notices, list) or not notices or len(notices) > MAX_NOTICES:
        raise ConfigError("notices", f"公告应为 1–{MAX_NOTICES} 条文字", f"notices must be 1-{MAX_NOTICES} texts")
    for index, text in enumerate(notices):
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NOTICE_CHARS:
            raise ConfigError(
                f"notices[{index}]", f"每条公告应为 1–{MAX_NOTICE_CHARS} 个字", f"each notice must be 1-{MAX_NOTICE_CHARS} characters"
            )
    return tuple(text.strip() for text in notices)


def check_payload(kind: str, payload: Any) -> None:
    """Raise :class:`ConfigError` unless ``payload`` is a good version of ``kind``."""
    if kind == CATALOGUE:
        parse_catalogue(payload)
    elif kind == NOTICES:
        parse_notices(payload)
    else:
        raise ConfigError("kind", f"未知的下发类型“{kind}”", f"unknown kind '{kind}'")


# The city link polls every 30 s by default: no poll for this long means the link's thread is not
# running (or the hall server is not): the console says so rather than show an old "up".
LINK_QUIET_SECONDS = 180


def link_state(status: dict[str, Any], now: datetime) -> tuple[str, Bilingual]:
    """The city link as the manager console shows it, from ``db.city_downlink.downlink_status``:
    ("off" | "up" | "down" | "quiet", words); the last poll's error is shown beside it."""
    poll = status.get("poll")
    if not status.get("configured") or not isinstance(poll, dict) or not poll.get("checked_at"):
        return "off", Bilingual("未接入市级平台（配置中无 [city]）", "not linked to a city (no [city] in the configuration)")
    age = (now - datetime.fromisoformat(str(poll["checked_at"]))).total_seconds()
    if age > LINK_QUIET_SECONDS:
        minutes = max(1, round(age / 60))
        return "quiet", Bilingual(f"{minutes} 分钟未与市级联系", f"no contact with the city for {minutes} min")
    if poll.get("last_error"):
        return "down", Bilingual("中断（本大厅照常服务，恢复后自动补传）", "down (the hall serves on; it catches up when the link returns)")
    return "up", Bilingual("连通", "up")
