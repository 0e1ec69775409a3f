"""The PIN policy and the login back-off (hall.pins), the sample hall's demo mark, and the audit
sentences of failed and locked logins."""

from __future__ import annotations

import pytest

from hall.audit_text import audit_sentence
from hall.config import ConfigError, load_sample_hall, parse_config
from hall.pins import is_trivial, lockout_seconds, pin_problem


@pytest.mark.parametrize("pin", ["000000", "111111", "123456", "234567", "987654", "567890", "121212", "123123", "520520", "5201314"])
def test_trivial_pins(pin: str) -> None:
    assert is_trivial(pin)
    assert pin_problem(pin, "3001") is not None


@pytest.mark.parametrize("pin", ["583920", "20491735", "740163"])
def test_good_pins(pin: str) -> None:
    assert not is_trivial(pin) and pin_problem(pin, "3001") is None


def test_pin_rules_for_a_real_hall_and_the_demo() -> None:
    assert "至少" in pin_problem("58392", "3001").zh  # type: ignore[union-attr]
    assert "工号" in pin_problem("300158", "3001").zh  # type: ignore[union-attr]
    assert pin_problem("1001", "1001", demo=True) is None  # the sample hall's PINs
    assert pin_problem("10a1", "1001", demo=True) is not None  # the form is always checked


def test_lockout_backs_off() -> None:
    assert [lockout_seconds(n) for n in range(1, 10)] == [0, 0, 0, 0, 60, 120, 240, 480, 960]
    assert lockout_seconds(50) == 3600


def hall_with_clerk(pin: str, demo: bool | None = None) -> dict:
    hall: dict = {"code": "h", "name_zh": "厅"}
    if demo is not None:
        hall["demo"] = demo
    return {"hall": hall, "clerks": [{"staff_no": "1001", "name": "张三", "pin": pin}]}


def test_a_real_hall_config_refuses_the_sample_halls_pins() -> None:
    with pytest.raises(ConfigError, match="PIN"):
        parse_config(hall_with_clerk("1001"))
    with pytest.raises(ConfigError):
        parse_config(hall_with_clerk("123456", demo=False))
    assert parse_config(hall_with_clerk("583920")).clerks[0].pin == "583920"
    assert parse_config(hall_with_clerk("1001", demo=True)).demo


def test_the_sample_hall_is_the_demo() -> None:
    sample = load_sample_hall()
    assert sample.demo and all(c.pin == c.staff_no for c in sample.clerks)


def test_login_audit_sentences() -> None:
    failed = audit_sentence("login_failed", {"staff_no": "1001", "known": True, "window": 3, "failures": 2, "device": 7})
    assert failed.zh == "工号 1001在3号窗口登录失败（连续第 2 次）" and "staff number 1001 at window 3 (2 in a row)" in failed.en
    unknown = audit_sentence("login_failed", {"staff_no": "9999", "known": False, "window": None, "failures": 1, "device": 7})
    assert "无此工号" in unknown.zh and "终端（编号 7）" in unknown.zh
    locked = audit_sentence("login_locked", {"staff_no": "1001", "by": "staff", "window": 3, "failures": 5, "seconds": 60})
    assert "锁定 1 分钟" in locked.zh and "locked for 1 min" in locked.en
    device = audit_sentence("login_locked", {"staff_no": "1001", "by": "device", "window": 3, "failures": 6, "seconds": 120})
    assert "该终端锁定 2 分钟" in device.zh and "the device is locked" in device.en


def test_a_lockout_alert_lasts_at_least_a_quarter_hour() -> None:
    from datetime import UTC, datetime, timedelta

    from hall.pins import lockout_alert

    at = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    event = {"by": "staff", "window": 3, "device_id": 7, "failures": 5, "seconds": 60.0, "at": at.isoformat()}
    alert = lockout_alert(event, at + timedelta(minutes=10))
    assert alert is not None and alert.key.startswith("login:staff:7:") and "工号已锁定 1 分钟" in alert.message.zh
    assert lockout_alert(event, at + timedelta(minutes=16)) is None
    assert lockout_alert({**event, "seconds": 3600.0}, at + timedelta(minutes=50)) is not None
    assert lockout_alert({"by": "staff"}, at) is None   # a malformed event is no alert
