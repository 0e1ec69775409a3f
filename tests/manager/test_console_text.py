"""What the console says and what its settings tab sends, without Qt."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from manager.console_text import (
    followup_summary,
    followup_values,
    hall_zone,
    short_time,
    skill_warning_text,
    wait_text,
    window_state_text,
)
from manager.settings_edits import notice_lines, rule_changes, rules_being_edited, target_calls

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_times_read_in_the_halls_zone_and_an_unknown_zone_falls_back() -> None:
    assert short_time("2026-11-17T01:12:00+00:00", SHANGHAI) == "11-17 09:12"
    assert short_time(None, SHANGHAI) == "" and short_time("not a time", SHANGHAI) == ""
    assert hall_zone({"timezone": "Asia/Shanghai"}) == SHANGHAI
    assert hall_zone({"timezone": "Mars/Olympus"}) is None and hall_zone({}) is None


def test_window_state_and_waits() -> None:
    paused = {"state": "paused", "paused_since": "2026-11-17T09:00:00+08:00"}
    assert window_state_text(paused, "2026-11-17T09:05:00+08:00") == "暂停 5 分"
    assert window_state_text({"state": "open"}, None) == "服务中"
    assert wait_text(math.inf) == "—" and wait_text(12.4) == "12"
    assert skill_warning_text([]) == "" and "C" in skill_warning_text(["C"])


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
    assert followup_summary([row, {"status": "resolved"}]) == "差评回访 2 件 · 待处理 1 · 逾期 1"


def test_settings_send_only_what_changed() -> None:
    published = {"promised_working_days": 5, "recall_limit": 3, "pause_warn_minutes": 3, "long_wait_alert_minutes": 30.0}
    values = {"promised_working_days": 10.0, "recall_limit": 3.0, "pause_warn_minutes": 3.0, "long_wait_alert_minutes": 45.0}
    changes = rule_changes(published, values)
    assert changes == {"promised_working_days": 10, "long_wait_alert_minutes": 45.0}
    assert isinstance(changes["promised_working_days"], int)
    assert rules_being_edited({"recall_limit": 4.0}, {"recall_limit": 3.0}) and not rules_being_edited({"recall_limit": 3.0}, {})
    categories = [{"series": "A", "target_wait_minutes": 20, "expected_service_minutes": 8}]
    assert target_calls(categories, {"A": (20.0, 8.0)}) == []
    (call,) = target_calls(categories, {"A": (25.0, 8.0)})
    assert call.args == ("PUT", "/api/config/categories/A", {"target_wait_minutes": 25.0})
    assert notice_lines(" 第一条\n\n第二条 ") == ["第一条", "第二条"]
