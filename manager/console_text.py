"""What the manager console says, without Qt: the words for a window's state, a recommendation, a
差评 follow-up, a device and an audit entry, and server timestamps read in the hall's own time
zone (the console may run on a machine set to another one).

The tabs only put these strings into labels and table cells, so what a manager reads is decided
here and can be checked without a screen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.advisor import MoveKind, Recommendation
from hall.tickets import BAD_RATING_REASONS
from manager.advice import minutes_between, parse_time

STATE_NAMES = {"open": "服务中", "paused": "暂停", "closed": "关闭"}
FOLLOWUP_STATUS = {"open": "待处理 open", "resolved": "已办结 resolved", "appealed": "申诉 appealed"}
KIND_TEXT = {
    MoveKind.OPEN_WINDOW: "开窗 Open",
    MoveKind.ADD_CATEGORY: "增办 Add",
    MoveKind.MOVE_WINDOW: "改办 Move",
    MoveKind.CLOSE_WINDOW: "关窗 Close",
}
LEVEL_TEXT = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}


def wait_text(minutes: float) -> str:
    """A predicted wait in whole minutes; an endless one (nobody serves the queue) as a dash."""
    return "—" if math.isinf(minutes) else f"{minutes:.0f}"


def hall_zone(hall: Mapping[str, Any]) -> ZoneInfo | None:
    """The hall's time zone from the snapshot's ``hall``; None (the machine's own) if unknown."""
    try:
        return ZoneInfo(hall["timezone"]) if hall.get("timezone") else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def short_time(text: str | None, zone: ZoneInfo | None) -> str:
    """A server timestamp in the hall's own time zone: "11-17 09:05"."""
    moment = parse_time(text)
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def window_state_text(window: Mapping[str, Any], now_text: str | None) -> str:
    """The state badge on a window card; a paused window says for how long."""
    state = str(window.get("state", "open"))
    text = STATE_NAMES.get(state, state)
    if state == "paused":
        paused = minutes_between(parse_time(window.get("paused_since")), parse_time(now_text))
        if paused is not None:
            text = f"暂停 {paused:.0f} 分"
    return text


def clerk_text(window: Mapping[str, Any]) -> str:
    clerk = window.get("clerk")
    return f"工作人员 {clerk['name']}（{clerk['staff_no']}）" if clerk else "未登录 no clerk"


def categories_text(window: Mapping[str, Any]) -> str:
    primary = "、".join(window.get("primary", [])) or "—"
    secondary = "、".join(window.get("secondary", []))
    return f"主办 {primary}" + (f"   兼办 {secondary}" if secondary else "")


def window_choice_text(window: Mapping[str, Any]) -> str:
    """A window as the reallocation tab's picker lists it."""
    state = STATE_NAMES.get(window.get("state", ""), "")
    return f"{window['number']}号  {window.get('name_zh', '')}（{state}）"


def window_description(window: Mapping[str, Any]) -> str:
    """The reallocation tab's rich-text summary of the picked window: state, clerk and skills,
    current ticket, and what it serves now."""
    state = window.get("state", "")
    clerk = window.get("clerk")
    current = window.get("current")
    return (
        f"<b>{window['number']}号 {window.get('name_zh', '')}</b> · {STATE_NAMES.get(state, state)} · "
        + (f"{clerk['name']}（{clerk['staff_no']}，技能 {'、'.join(clerk.get('skills') or [])}）" if clerk else "未登录")
        + (f" · 当前 {current['number']}" if current else "")
        + f"<br>现主办 {'、'.join(window.get('primary', [])) or '—'}，兼办 {'、'.join(window.get('secondary', [])) or '—'}"
    )


def skill_warning_text(gaps: Sequence[str]) -> str:
    """A warning, not a refusal: the hall may still give a window a category its clerk lacks."""
    if not gaps:
        return ""
    return f"注意：当前工作人员没有 {'、'.join(gaps)} 业务技能  The clerk has no skill for {', '.join(gaps)}"


def recommendation_title(rec: Recommendation) -> str:
    after = "主办 " + ("、".join(rec.primary) or "—") + ("   兼办 " + "、".join(rec.secondary) if rec.secondary else "")
    if rec.kind is MoveKind.CLOSE_WINDOW:
        after = "关闭 closed"
    return f"{KIND_TEXT[rec.kind]} · {rec.window}号窗口 → {after}   （预计减少 {rec.gain_ticket_minutes:.0f} 人·分钟）"


def followup_values(followup: Mapping[str, Any], zone: ZoneInfo | None) -> list[Any]:
    """One row of the follow-up table. The pad stores reason codes; the manager reads what the
    citizen tapped."""
    f = followup
    reasons = "、".join(BAD_RATING_REASONS[code].zh if code in BAD_RATING_REASONS else str(code) for code in f.get("reasons") or [])
    comment = f.get("comment") or ""
    return [
        f["id"],
        f.get("ticket", ""),
        f.get("window", ""),
        f.get("clerk", ""),
        LEVEL_TEXT.get(f.get("level", ""), f.get("level", "")),
        "；".join(x for x in (reasons, comment) if x),
        short_time(f.get("rated_at"), zone),
        f.get("deadline", "") + ("  逾期" if f.get("overdue") else ""),
        FOLLOWUP_STATUS.get(f.get("status", ""), f.get("status", "")),
        f.get("notes", ""),
    ]


def followup_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    open_count = sum(1 for f in rows if f.get("status") == "open")
    overdue = sum(1 for f in rows if f.get("overdue"))
    return f"差评回访 {len(rows)} 件 · 待处理 {open_count} · 逾期 {overdue}"


def device_values(device: Mapping[str, Any], zone: ZoneInfo | None) -> list[Any]:
    d = device
    state = "已吊销 revoked" if d.get("revoked") else "有效 active"
    return [d["id"], d.get("name", ""), d.get("role", ""), d.get("window") or "", short_time(d.get("created_at"), zone), state]


def audit_values(entry: Mapping[str, Any], zone: ZoneInfo | None) -> list[Any]:
    detail = json.dumps(entry.get("detail") or {}, ensure_ascii=False)
    return [short_time(entry.get("at"), zone), entry.get("actor", ""), entry.get("action", ""), detail, entry.get("reason", "")]
