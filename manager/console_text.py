"""What the manager console says, without Qt: the words for a window's staffing, a category's
predicted wait and serving windows, a recommendation, a 差评 follow-up, a device and its health, and
an audit entry (as a sentence, :mod:`hall.audit_text`), and server timestamps read in the hall's own
time zone (the console may run on a machine set to another one).

A window's badge is its staffing as the server derived it from :mod:`hall.serving` (open, a clerk
logged in, not paused): the console never calls a window without a clerk "服务中".

The tabs only put these strings into labels and table cells, so what a manager reads is decided
here and can be checked without a screen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.advisor import MoveKind, Recommendation
from hall.audit_text import audit_sentence
from hall.devices import ROLE_NAMES, health_summary
from hall.followup import followup_figures, percent
from hall.serving import STAFFING_TEXT, Staffing, staffing
from hall.text import Bilingual
from hall.tickets import BAD_RATING_REASONS
from manager.advice import minutes_between, parse_time

NO_WINDOW = "无窗口 —"  # a predicted wait when no staffed window serves the category
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


def seen_time(text: str | None, zone: ZoneInfo | None) -> str:
    """A heartbeat's time in the hall's own time zone, to the second: "11-17 09:05:12"; "—" if never."""
    moment = parse_time(text)
    if moment is None:
        return "—"
    return moment.astimezone(zone).strftime("%m-%d %H:%M:%S")


def window_staffing(window: Mapping[str, Any]) -> Staffing:
    """What the window is doing for citizens, as the snapshot says (hall.serving); derived the same
    way from its state and clerk if the server did not say."""
    try:
        return Staffing(str(window["staffing"]))
    except (KeyError, ValueError):
        return staffing(str(window.get("state", "open")), bool(window.get("clerk")))


def window_state_text(window: Mapping[str, Any], now_text: str | None) -> str:
    """The badge on a window card: 服务中 only when it serves; a paused window says for how long."""
    state = window_staffing(window)
    text = STAFFING_TEXT[state].zh
    if state is Staffing.PAUSED:
        paused = minutes_between(parse_time(window.get("paused_since")), parse_time(now_text))
        if paused is not None:
            text = f"暂停 {paused:.0f} 分"
    return text


def predicted_wait_text(category: Mapping[str, Any], minutes: float, active: bool) -> str:
    """The live table's predicted wait: "无窗口 —" when no staffed window serves the category (there is
    no honest figure), "0" when nobody waits or arrives, else whole minutes."""
    if not category.get("windows_serving"):
        return NO_WINDOW
    return wait_text(minutes) if active else "0"


def serving_text(category: Mapping[str, Any]) -> str:
    """The live table's capacity: staffed windows serving the category (a window of k categories
    counts 1/k) and their numbers, "2（3、5号）"; "0" when none."""
    share = float(category.get("windows_serving") or 0)
    numbers = category.get("serving_windows") or []
    if not share:
        return "0"
    count = f"{share:g}"
    return f"{count}（{'、'.join(str(n) for n in numbers)}号）" if numbers else count


def clerk_text(window: Mapping[str, Any]) -> str:
    clerk = window.get("clerk")
    return f"工作人员 {clerk['name']}（{clerk['staff_no']}）" if clerk else "未登录 no clerk"


def categories_text(window: Mapping[str, Any]) -> str:
    primary = "、".join(window.get("primary", [])) or "—"
    secondary = "、".join(window.get("secondary", []))
    return f"主办 {primary}" + (f"   兼办 {secondary}" if secondary else "")


def window_choice_text(window: Mapping[str, Any]) -> str:
    """A window as the reallocation tab's picker lists it."""
    state = STAFFING_TEXT[window_staffing(window)].zh
    return f"{window['number']}号  {window.get('name_zh', '')}（{state}）"


def window_description(window: Mapping[str, Any]) -> str:
    """The reallocation tab's rich-text summary of the picked window: state, clerk and skills,
    current ticket, and what it serves now."""
    state = STAFFING_TEXT[window_staffing(window)].zh
    clerk = window.get("clerk")
    current = window.get("current")
    return (
        f"<b>{window['number']}号 {window.get('name_zh', '')}</b> · {state} · "
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
        f.get("contact") or "未留 none",  # masked by the server unless this is the follow-up role
    ]


def followup_summary(rows: Sequence[Mapping[str, Any]]) -> str:
    open_count = sum(1 for f in rows if f.get("status") == "open")
    overdue = sum(1 for f in rows if f.get("overdue"))
    figures = followup_figures(rows)
    return (
        f"差评回访 {len(rows)} 件 · 待处理 {open_count} · 逾期 {overdue}    "
        f"回访率 {percent(figures.followup_rate)} · 整改率 {percent(figures.rectification_rate)} · "
        f"按时 {percent(figures.on_time_rate)}"
    )


def call_values(call: Mapping[str, Any], zone: ZoneInfo | None) -> list[Any]:
    """One row of a follow-up's call log."""
    level = str(call.get("satisfaction") or "")
    return [
        short_time(call.get("called_at"), zone),
        call.get("caller", ""),
        "已接通 reached" if call.get("reached") else "未接通 not reached",
        call.get("result", ""),
        call.get("rectification", ""),
        LEVEL_TEXT.get(level, level) or "—",
    ]


def device_values(device: Mapping[str, Any], zone: ZoneInfo | None, now: datetime) -> list[Any]:
    """One row of the devices tab: who, where, its token, its health now and its last heartbeat."""
    d = device
    role = str(d.get("role", ""))
    token = "已吊销 revoked" if d.get("revoked") else "有效 active"
    _severity, health = health_summary(d, now)
    role_text = f"{ROLE_NAMES[role].zh} {role}" if role in ROLE_NAMES else role
    return [
        d["id"],
        d.get("name", ""),
        role_text,
        d.get("window") or "",
        short_time(d.get("created_at"), zone),
        token,
        health.zh,
        seen_time(d.get("last_seen_at"), zone),
    ]


ACTION_NAMES = {
    "reallocate": "窗口调整",
    "window_open": "开启窗口",
    "window_close": "关闭窗口",
    "hall_settings": "大厅设置",
    "category": "业务类别",
    "item": "事项",
    "window": "窗口设置",
    "clerk": "工作人员",
    "enroll": "登记终端",
    "revoke": "吊销终端",
    "device_health": "设备状态",
    "device_alert": "设备故障",
    "reprint": "补打号票",
    "followup": "差评回访",
}


def action_text(action: str) -> str:
    """An audit action's name in Chinese with its code: "设备状态 device_health"."""
    name = ACTION_NAMES.get(action)
    return f"{name} {action}" if name else action


def audit_detail(entry: Mapping[str, Any]) -> Bilingual:
    """An audit entry's detail as a sentence in both languages (never its JSON)."""
    detail = entry.get("detail")
    return audit_sentence(str(entry.get("action", "")), detail if isinstance(detail, Mapping) else None)


def audit_values(entry: Mapping[str, Any], zone: ZoneInfo | None) -> list[Any]:
    """One row of the audit tab: when, who, what (named), the detail as a Chinese sentence, why."""
    return [
        short_time(entry.get("at"), zone),
        entry.get("actor", ""),
        action_text(str(entry.get("action", ""))),
        audit_detail(entry).zh,
        entry.get("reason", ""),
    ]
