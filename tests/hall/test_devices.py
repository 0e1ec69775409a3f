"""hall.devices and hall.audit_text: device health, its alerts, and audit entries as sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hall.audit_text import audit_sentence
from hall.devices import (
    SILENT_SECONDS,
    Severity,
    conditions_changed,
    device_alerts,
    health_summary,
    parse_report,
)

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)


def kiosk(health: dict, seen_ago: float | None = 1.0, **extra) -> dict:  # type: ignore[type-arg]
    seen = None if seen_ago is None else (NOW - timedelta(seconds=seen_ago)).isoformat()
    return {"id": 7, "role": "kiosk", "name": "kiosk-east", "window": None, "health": health, "last_seen_at": seen, **extra}


def test_reports_are_checked_and_normalised() -> None:
    assert parse_report({"printer": {"state": "paper_out", "detail": "x" * 500}}) == {"printer": {"state": "paper_out", "detail": "x" * 200}}
    assert parse_report({"voice": "ok"}) == {"voice": {"state": "ok", "detail": ""}}
    for bad in ({"toaster": "ok"}, {"printer": {"state": "on fire"}}):
        with pytest.raises(ValueError, match=r"未知的设备.*unknown device"):
            parse_report(bad)


def test_only_state_changes_need_a_write() -> None:
    ok = {"printer": {"state": "ok", "detail": ""}}
    assert not conditions_changed(ok, {"printer": {"state": "ok", "detail": "again"}})
    assert conditions_changed(ok, {"printer": {"state": "paper_out", "detail": ""}})
    assert conditions_changed(None, ok)


def test_a_fault_alerts_and_clears() -> None:
    out = device_alerts([kiosk({"printer": {"state": "paper_out"}})], NOW)
    assert [(a.key, a.severity) for a in out] == [("device:7:printer", Severity.FAULT)]
    assert out[0].message.zh == "取号机「kiosk-east」打印机缺纸"
    assert device_alerts([kiosk({"printer": {"state": "ok"}})], NOW) == []
    assert device_alerts([kiosk({"printer": {"state": "paper_low"}})], NOW)[0].severity is Severity.WARNING


def test_a_silent_device_is_offline_but_one_never_seen_is_not_alerted() -> None:
    silent = device_alerts([kiosk({"printer": {"state": "ok"}}, seen_ago=SILENT_SECONDS + 1)], NOW)
    assert [a.key for a in silent] == ["device:7:silent"] and "离线" in silent[0].message.zh
    assert device_alerts([kiosk({}, seen_ago=None)], NOW) == []
    assert device_alerts([kiosk({"printer": {"state": "paper_out"}}, revoked=True)], NOW) == []


def test_health_summary_for_the_devices_tab() -> None:
    assert health_summary(kiosk({"printer": {"state": "ok"}}), NOW) == (Severity.OK, health_summary(kiosk({"printer": {"state": "ok"}}), NOW)[1])
    level, text = health_summary(kiosk({"printer": {"state": "cover_open"}}), NOW)
    assert level is Severity.FAULT and text.zh == "在线，打印机上盖未关"
    assert health_summary(kiosk({}, seen_ago=None), NOW)[1].zh == "未上线"
    assert health_summary(kiosk({}, seen_ago=60), NOW)[1].zh == "离线"


def test_audit_entries_read_as_sentences() -> None:
    health = audit_sentence(
        "device_health", {"device": 7, "role": "kiosk", "name": "kiosk-east", "window": None, "changes": {"printer": ["ok", "paper_out"]}}
    )
    assert health.zh == "取号机「kiosk-east」：打印机由正常变为缺纸"
    assert health.en == "kiosk kiosk-east: printer working → out of paper"
    moved = audit_sentence("reallocate", {"window": 5, "before": {"primary": ["A"], "secondary": []}, "after": {"primary": ["C"], "secondary": ["A"]}})
    assert moved.zh == "5号窗口改为主办 C、兼办 A（原主办 A、兼办 无）"
    rules = audit_sentence("hall_settings", {"keys": ["rules"], "rules": {"recall_limit": [3, 2]}})
    assert rules.zh == "大厅设置 规则：recall_limit 由 3 改为 2"
    assert "{" not in audit_sentence("device_alert", {"device": 3, "role": "pad", "window": 3, "kind": "rater_lost"}).zh
    unknown = audit_sentence("something_new", {"a": 1})
    assert unknown.zh == "something_new（a：1）"
    assert audit_sentence("reallocate", {"before": "garbage"}).zh  # malformed old entry still reads


def test_a_device_named_after_its_window_is_not_placed_twice() -> None:
    assert audit_sentence("enroll", {"device": 4, "role": "counter", "window": 20, "name": "20号窗口"}).zh == "登记终端 窗口终端「20号窗口」"
    assert audit_sentence("enroll", {"device": 4, "role": "counter", "window": 20, "name": "东厅"}).zh == "登记终端 20号窗口窗口终端「东厅」"
