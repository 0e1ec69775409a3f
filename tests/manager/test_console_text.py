"""What the console says and what its settings tab sends, without Qt."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hall.config import CallRule
from manager.console_text import (
    NO_WINDOW,
    action_text,
    audit_values,
    device_values,
    followup_summary,
    followup_values,
    hall_zone,
    predicted_wait_text,
    seen_time,
    serving_text,
    short_time,
    skill_warning_text,
    wait_text,
    window_choice_text,
    window_description,
    window_state_text,
)
from manager.device_watch import ServerClock
from manager.settings_edits import CALL_RULE_CHOICES, notice_lines, rule_changes, rules_being_edited, target_calls

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_times_read_in_the_halls_zone_and_an_unknown_zone_falls_back() -> None:
    assert short_time("2026-11-17T01:12:00+00:00", SHANGHAI) == "11-17 09:12"
    assert short_time(None, SHANGHAI) == "" and short_time("not a time", SHANGHAI) == ""
    assert hall_zone({"timezone": "Asia/Shanghai"}) == SHANGHAI
    assert hall_zone({"timezone": "Mars/Olympus"}) is None and hall_zone({}) is None


def test_window_state_and_waits() -> None:
    paused = {"state": "paused", "paused_since": "2026-11-17T09:00:00+08:00"}
    assert window_state_text(paused, "2026-11-17T09:05:00+08:00") == "暂停 5 分"
    assert wait_text(math.inf) == "—" and wait_text(12.4) == "12"
    assert skill_warning_text([]) == "" and "C" in skill_warning_text(["C"])


CLERK = {"name": "张三", "staff_no": "1003", "skills": ["B"]}


def test_the_badge_says_serving_only_when_a_clerk_serves() -> None:
    """The badge is the window's staffing (hall.serving): an open window with nobody logged in is
    无人在岗, never 服务中 — from the snapshot's "staffing", or derived the same way without it."""
    assert window_state_text({"state": "open", "staffing": "serving", "clerk": CLERK}, None) == "服务中"
    assert window_state_text({"state": "open", "staffing": "unstaffed", "clerk": None}, None) == "无人在岗"
    assert window_state_text({"state": "open"}, None) == "无人在岗"
    assert window_state_text({"state": "open", "clerk": CLERK}, None) == "服务中"
    assert window_state_text({"state": "closed", "staffing": "closed", "clerk": CLERK}, None) == "关闭"
    assert window_state_text({"state": "paused", "staffing": "paused"}, None) == "暂停"
    unstaffed = {"number": 3, "name_zh": "综合窗口", "state": "open", "staffing": "unstaffed", "primary": ["B"]}
    assert window_choice_text(unstaffed) == "3号  综合窗口（无人在岗）"
    assert "服务中" not in window_description(unstaffed) and "无人在岗" in window_description(unstaffed)


def test_a_category_nobody_serves_has_no_predicted_wait() -> None:
    nobody = {"series": "C", "waiting": 4, "windows_serving": 0, "serving_windows": []}
    assert predicted_wait_text(nobody, math.inf, True) == NO_WINDOW == "无窗口 —"
    assert predicted_wait_text({**nobody, "waiting": 0}, math.inf, False) == NO_WINDOW  # no one serves it: no "0"
    served = {"series": "C", "waiting": 4, "windows_serving": 1.5, "serving_windows": [3, 5]}
    assert predicted_wait_text(served, 12.4, True) == "12" and predicted_wait_text(served, 0.0, False) == "0"
    assert serving_text(served) == "1.5（3、5号）" and serving_text(nobody) == "0"
    assert serving_text({"windows_serving": 2}) == "2"


NOW = datetime(2026, 11, 17, 2, 0, 30, tzinfo=ZoneInfo("UTC"))


def test_a_device_row_says_its_health_and_last_heartbeat_in_hall_time() -> None:
    kiosk = {
        "id": 4,
        "name": "取号机1",
        "role": "kiosk",
        "window": None,
        "created_at": "2026-11-17T01:00:00+00:00",
        "revoked": False,
        "health": {"printer": {"state": "paper_out", "detail": ""}},
        "last_seen_at": "2026-11-17T02:00:25+00:00",
    }
    values = device_values(kiosk, SHANGHAI, NOW)
    assert values[2] == "取号机 kiosk" and values[5] == "有效 active"
    assert values[6] == "在线，打印机缺纸" and values[7] == "11-17 10:00:25"
    silent = {**kiosk, "last_seen_at": "2026-11-17T02:00:00+00:00"}
    assert device_values(silent, SHANGHAI, NOW)[6] == "离线"
    never = {**kiosk, "health": {}, "last_seen_at": None}
    assert device_values(never, SHANGHAI, NOW)[6:] == ["未上线", "—"]
    assert seen_time(None, SHANGHAI) == "—"


def test_an_audit_entry_reads_as_a_sentence() -> None:
    entry = {
        "at": "2026-11-17T02:00:25+00:00",
        "actor": "kiosk 取号机1",
        "action": "device_health",
        "detail": {"device": 4, "name": "取号机1", "role": "kiosk", "window": None, "changes": {"printer": ["ok", "paper_out"]}},
        "reason": "",
    }
    values = audit_values(entry, SHANGHAI)
    assert values[2] == "设备状态 device_health"
    assert values[3] == "取号机「取号机1」：打印机由正常变为缺纸"
    assert "{" not in values[3]
    assert action_text("something_new") == "something_new"
    unknown = audit_values({"action": "something_new", "detail": {"x": 1}}, SHANGHAI)
    assert "{" not in unknown[3] and "x：1" in unknown[3]


def test_the_server_clock_moves_on_between_snapshots() -> None:
    ticks = [100.0]
    clock = ServerClock(monotonic=lambda: ticks[0])
    assert clock.now() is None  # not the console's own clock: it may be far off
    told = datetime(2026, 11, 17, 2, 0, tzinfo=ZoneInfo("UTC"))
    clock.set(told)
    ticks[0] = 107.5
    assert clock.now() == told + timedelta(seconds=7.5)
    clock.set(told + timedelta(seconds=3))  # a newer snapshot re-anchors
    assert clock.now() == told + timedelta(seconds=3)


def test_a_followup_reads_the_reason_tapped_not_its_code() -> None:
    row = {
        "id": 1,
        "reasons": ["slow", "made_up"],
        "comment": "等了很久",
        "level": "dissatisfied",
        "overdue": True,
        "deadline": "2026-11-24",
        "status": "open",
        "rated_at": "2026-11-17T01:12:00+00:00",
    }
    values = followup_values(row, SHANGHAI)
    assert values[4] == "不满意" and values[5] == "办理效率低、made_up；等了很久"
    assert values[6] == "11-17 09:12" and values[7] == "2026-11-24  逾期" and values[8] == "待处理 open"
    assert values[10] == "未留 none" and followup_values({**row, "contact": "138****5678"}, SHANGHAI)[10] == "138****5678"
    assert followup_summary([row, {"status": "resolved"}]).startswith("差评回访 2 件 · 待处理 1 · 逾期 1")
    assert "回访率 0% · 整改率 0% · 按时 —" in followup_summary([row, {"status": "resolved"}])


def test_settings_send_only_what_changed() -> None:
    published = {"promised_working_days": 5, "recall_limit": 3, "pause_warn_minutes": 3, "long_wait_alert_minutes": 30.0}
    values = {"promised_working_days": 10.0, "recall_limit": 3.0, "pause_warn_minutes": 3.0, "long_wait_alert_minutes": 45.0}
    changes = rule_changes(published, values)
    assert changes == {"promised_working_days": 10, "long_wait_alert_minutes": 45.0}
    assert isinstance(changes["promised_working_days"], int)
    assert rule_changes({**published, "call_rule": "primary_first"}, published, "target_weighted") == {"call_rule": "target_weighted"}
    assert rule_changes({**published, "call_rule": "primary_first"}, published, "primary_first") == {}
    assert {value for value, _label in CALL_RULE_CHOICES} == {rule.value for rule in CallRule}, "every call rule can be chosen"
    assert rules_being_edited({"recall_limit": 4.0}, {"recall_limit": 3.0}) and not rules_being_edited({"recall_limit": 3.0}, {})
    categories = [{"series": "A", "target_wait_minutes": 20, "expected_service_minutes": 8}]
    assert target_calls(categories, {"A": (20.0, 8.0)}) == []
    (call,) = target_calls(categories, {"A": (25.0, 8.0)})
    assert call.args == ("PUT", "/api/config/categories/A", {"target_wait_minutes": 25.0})
    assert notice_lines(" 第一条\n\n第二条 ") == ["第一条", "第二条"]
