"""Editing the hall's configuration through the store: every change applied, audited and announced."""

from __future__ import annotations

import json

import pytest

from db.models import AuditEntry, Category, Clerk, Hall, Item, Window
from hall.config import ConfigError
from tests.db.conftest import HallEnv


def audit(env: HallEnv, action: str) -> list[AuditEntry]:
    return env.rows(AuditEntry, AuditEntry.action == action)


def last_event(env: HallEnv) -> dict:
    return env.events()[-1]


def test_new_category_can_be_issued_at_once(env: HallEnv) -> None:
    result = env.store.upsert_category(env.manager, "K", {"name_zh": "退役军人服务", "name_en": "Veterans", "department": "退役军人事务局"})
    assert result == {"series": "K", "name_zh": "退役军人服务", "active": True}
    assert env.issue("K")["number"] == "K001"
    (entry,) = audit(env, "category")
    assert entry.detail == {"series": "K", "name_zh": "退役军人服务", "name_en": "Veterans", "department": "退役军人事务局"}
    assert entry.actor.startswith("manager:")
    event = next(e for e in env.events() if e["kind"] == "config_changed")
    assert event["data"]["what"] == "category" and event["data"]["detail"]["series"] == "K"


def test_category_edit_and_deactivate(env: HallEnv) -> None:
    env.store.upsert_category(env.manager, "A", {"expected_service_minutes": 25, "target_wait_minutes": 30})
    row = env.rows(Category, Category.series == "A")[0]
    assert (row.expected_service_minutes, row.target_wait_minutes, row.name_zh) == (25, 30, "投资建设项目")
    env.store.upsert_category(env.manager, "H", {"active": False})
    with env.refused("not_found", 404):
        env.store.issue_ticket(env.kiosk, "H")
    assert "H" not in [c["series"] for c in env.store.snapshot(env.hall_id)["categories"]]
    assert len(audit(env, "category")) == 2


@pytest.mark.parametrize(
    ("series", "data", "code"), [("k", {"name_zh": "x"}, "bad_series"), ("ABC", {"name_zh": "x"}, "bad_series"), ("K", {}, "missing_name")]
)
def test_category_refusals(env: HallEnv, series: str, data: dict, code: str) -> None:
    with env.refused(code, 422):
        env.store.upsert_category(env.manager, series, data)
    assert audit(env, "category") == []


def test_items(env: HallEnv) -> None:
    env.store.upsert_item(env.manager, "A04", {"series": "A", "name_zh": "竣工验收备案", "materials": ["验收报告"], "promised_days": 3})
    assert env.issue("A", items=["A04"])["items"] == ["A04"]
    env.store.upsert_item(env.manager, "A04", {"fee": "50元"})
    row = env.rows(Item, Item.code == "A04")[0]
    assert (row.fee, row.promised_days, row.materials) == ("50元", 3, ["验收报告"])
    env.store.upsert_item(env.manager, "A04", {"series": "B"})  # moved to another category
    with env.refused("unknown_item", 404):
        env.store.issue_ticket(env.kiosk, "A", ["A04"])
    assert env.issue("B", items=["A04"])["items"] == ["A04"]
    assert [e.detail["code"] for e in audit(env, "item")] == ["A04"] * 3
    with env.refused("missing_series", 422):
        env.store.upsert_item(env.manager, "Z01", {"name_zh": "无类别"})
    with env.refused("not_found", 404):
        env.store.upsert_item(env.manager, "Z01", {"series": "Z", "name_zh": "无类别"})
    with env.refused("missing_name", 422):
        env.store.upsert_item(env.manager, "Z01", {"series": "A"})


def test_windows(env: HallEnv) -> None:
    result = env.store.upsert_window(env.manager, 21, {"name_zh": "临时窗口", "department": "政务服务中心"})
    assert result == {"number": 21, "name_zh": "临时窗口", "state": "closed"}  # a new window starts closed
    env.store.set_window_categories(env.manager, 21, ["A"], [])
    env.store.set_window_open(env.manager, 21, True)
    env.issue("A")
    assert env.store.call_next(env.manager, 21)["ticket"]["number"] == "A001"
    env.store.upsert_window(env.manager, 2, {"name_en": "Investment (2)"})
    assert env.rows(Window, Window.number == 2)[0].name_en == "Investment (2)"
    assert [e.detail["number"] for e in audit(env, "window")] == [21, 2]
    with env.refused("missing_name", 422):
        env.store.upsert_window(env.manager, 22, {})


def test_clerk_pin_change_lets_the_clerk_log_in_with_the_new_pin(env: HallEnv) -> None:
    result = env.store.upsert_clerk(env.manager, "1001", {"pin": "246810"})
    assert result["staff_no"] == "1001" and "pin" not in result and "pin_hash" not in result
    with env.refused("bad_login", 401):
        env.store.login(env.counter(1), "1001", "1001")
    assert env.clerk(1, pin="246810").clerk_id == env.clerk_id("1001")
    (entry,) = audit(env, "clerk")
    assert entry.detail == {"staff_no": "1001", "pin_changed": True}
    assert "246810" not in json.dumps([e.detail for e in env.rows(AuditEntry)]) + json.dumps(env.events())
    assert env.rows(Clerk, Clerk.staff_no == "1001")[0].pin_hash.startswith("$argon2")


def test_new_and_deactivated_clerks(env: HallEnv) -> None:
    env.store.upsert_clerk(env.manager, "2001", {"name": "新同事", "pin": "8888", "skills": ["A"]})
    assert env.clerk(2, staff_no="2001", pin="8888").clerk_id == env.clerk_id("2001")
    env.store.upsert_clerk(env.manager, "1003", {"active": False})
    with env.refused("bad_login", 401):
        env.store.login(env.counter(3), "1003", "1003")
    listed = {c["staff_no"]: c for c in env.store.clerks(env.hall_id)}
    assert len(listed) == 21 and listed["1003"]["active"] is False and listed["2001"]["skills"] == ["A"]
    with env.refused("bad_pin", 422):
        env.store.upsert_clerk(env.manager, "1001", {"pin": "12ab"})
    with env.refused("missing_fields", 422):
        env.store.upsert_clerk(env.manager, "2002", {"name": "无密码"})


def test_hall_hours_change_applies_at_once_and_is_audited(env: HallEnv) -> None:
    env.issue("A")  # 10:00 is regular hours
    env.store.update_hall(env.manager, {"hours": {"regular": ["13:30-17:30"]}, "name_en": "Sample Hall"})
    with env.refused("hall_not_taking_walk_ins"):
        env.store.issue_ticket(env.kiosk, "A")  # the morning session is gone
    hall = env.rows(Hall)[0]
    assert hall.hours["regular"] == ["13:30-17:30"] and hall.hours["lunch"] == "12:00-13:30" and hall.name_en == "Sample Hall"
    (entry,) = audit(env, "hall_settings")
    assert entry.detail == {"keys": ["hours", "name_en"], "hours": {"regular": [["08:30-12:00", "13:30-17:30"], ["13:30-17:30"]]}}  # from, to
    assert last_event(env)["kind"] == "config_changed"
    assert env.store.snapshot(env.hall_id)["hall"]["period"] == "closed"


def test_rules_change(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"recall_limit": 5, "pause_warn_minutes": 2}})
    assert env.store.snapshot(env.hall_id)["rules"]["recall_limit"] == 5
    assert env.rows(Hall)[0].rules["call_rule"] == "primary_first"  # other rules kept


@pytest.mark.parametrize(
    "changes",
    [
        {"hours": {"regular": ["17:00-08:00"]}},
        {"hours": {"timezone": "Nowhere/City"}},
        {"rules": {"recall_limit": -1}},
        {"rules": {"bogus": 1}},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(env: HallEnv, changes: dict) -> None:
    before = env.rows(Hall)[0]
    seq = env.last_seq()
    with pytest.raises(ConfigError) as caught:
        env.store.update_hall(env.manager, changes)
    assert caught.value.status == 422 and caught.value.message.zh.startswith("配置错误")
    after = env.rows(Hall)[0]
    assert (after.hours, after.rules) == (before.hours, before.rules)
    assert env.last_seq() == seq and audit(env, "hall_settings") == []
