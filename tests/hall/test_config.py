"""hall.config: the sample hall loads, and every broken file is refused with a message in both
languages that names the place of the mistake."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from hall.config import (
    CallRule,
    ConfigError,
    HallConfig,
    TimeRange,
    WeekendMode,
    load_config,
    parse_config,
    parse_time_range,
)

# ------------------------------------------------------------------------------- the sample hall


def test_sample_hall_has_nine_categories_twenty_windows_and_twenty_clerks(sample_hall: HallConfig) -> None:
    assert sample_hall.code == "sample-county"
    assert [c.series for c in sample_hall.categories] == ["A", "B", "C", "D", "E", "F", "G", "H", "J"]
    assert [w.number for w in sample_hall.windows] == list(range(1, 21))
    assert len(sample_hall.clerks) == 20
    assert {c.staff_no for c in sample_hall.clerks} == {str(n) for n in range(1001, 1021)}


def test_sample_hall_details(sample_hall: HallConfig) -> None:
    window1 = sample_hall.windows[0]
    assert (window1.primary, window1.secondary, window1.open) == (("A",), ("B",), True)
    assert sample_hall.windows[19].open is False  # the reserve comprehensive window starts closed
    assert all(c.pin == c.staff_no for c in sample_hall.clerks)  # sample PINs equal staff numbers
    a01 = sample_hall.category("A").items[0]
    assert (a01.code, a01.promised_days, a01.fee) == ("A01", 2, "免费")
    assert sample_hall.category("G").items[1].fee == "120元"
    with pytest.raises(KeyError):
        sample_hall.category("Z")
    hours = sample_hall.hours
    assert hours.regular == (TimeRange(time(8, 30), time(12, 0)), TimeRange(time(13, 30), time(17, 30)))
    assert hours.lunch == TimeRange(time(12, 0), time(13, 30))
    assert hours.weekend_mode is WeekendMode.APPOINTMENT_ONLY
    assert "2026-10-01" in hours.closed_dates
    rules = sample_hall.rules
    assert rules.call_rule is CallRule.PRIMARY_FIRST
    assert (rules.recall_limit, rules.late_requeue_places, rules.secondary_promote_minutes) == (3, 3, 30)
    assert len(sample_hall.notices) == 5


def test_every_call_rule_is_read() -> None:
    for rule in CallRule:
        config = parse_config({"hall": {"code": "t", "name_zh": "测试"}, "rules": {"call_rule": rule.value}})
        assert config.rules.call_rule is rule
    assert CallRule("target_weighted") is CallRule.TARGET_WEIGHTED


def test_minimal_config_gets_defaults() -> None:
    config = parse_config({"hall": {"code": "t", "name_zh": "测试"}})
    assert config.categories == () and config.windows == () and config.clerks == ()
    assert config.hours.timezone == "Asia/Shanghai" and config.hours.workdays == (1, 2, 3, 4, 5)
    assert config.rules.recall_limit == 3 and config.rules.call_rule is CallRule.PRIMARY_FIRST


# ------------------------------------------------------------------------------- bad files

BASE = """
[hall]
code = "t"
name_zh = "测试大厅"
demo = true  # its clerk's PIN is the staff number (a real hall's PIN policy: tests/hall/test_pins.py)

[hours]
regular = ["08:30-12:00"]

[[categories]]
series = "A"
name_zh = "甲"
  [[categories.items]]
  code = "A01"
  name_zh = "事项一"

[[categories]]
series = "B"
name_zh = "乙"

[[windows]]
number = 1
name_zh = "一号"
primary = ["A"]

[[clerks]]
staff_no = "1001"
name = "王丽"
pin = "1001"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_base_config_is_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    assert [c.series for c in config.categories] == ["A", "B"]
    assert config.windows[0].primary == ("A",)


# (replace this, with this) -> (place named, Chinese fragment, English fragment)
BAD_EDITS = [
    pytest.param(
        'primary = ["A"]', 'primary = ["Z"]', "windows[0].primary", "未知业务序列“Z”", "unknown series 'Z'", id="unknown-series-in-window"
    ),
    pytest.param(
        'primary = ["A"]',
        'primary = ["A"]\nsecondary = ["Q"]',
        "windows[0].secondary",
        "未知业务序列",
        "unknown series 'Q'",
        id="unknown-secondary",
    ),
    pytest.param(
        'primary = ["A"]',
        'primary = ["A"]\nsecondary = ["A"]',
        "windows[0]",
        "既是主要又是次要",
        "both primary and secondary",
        id="primary-and-secondary",
    ),
    pytest.param(
        'number = 1\nname_zh = "一号"',
        'number = 1\nname_zh = "一号"\n[[windows]]\nnumber = 1\nname_zh = "又一号"',
        "windows",
        "窗口号重复",
        "window number is used twice",
        id="duplicate-window",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["12:00-08:30"]',
        "hours.regular",
        "结束早于开始",
        "ends before it starts",
        id="time-range-backwards",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["08:30-08:30"]',
        "hours.regular",
        "结束早于开始",
        "ends before it starts",
        id="time-range-empty",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["half past eight"]',
        "hours.regular",
        "应写作 08:30-12:00",
        "should look like 08:30-12:00",
        id="time-range-garbage",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["08:30-12:00"]\nlunch = "12:00-25:00"',
        "hours.lunch",
        "时间段",
        "time range",
        id="time-range-hour-25",
    ),
    pytest.param('pin = "1001"', 'pin = "12a4"', "clerks[0].pin", "4 到 12 位数字", "4 to 12 digits", id="pin-not-digits"),
    pytest.param('pin = "1001"', 'pin = "123"', "clerks[0].pin", "4 到 12 位数字", "4 to 12 digits", id="pin-too-short"),
    pytest.param('pin = "1001"', 'pin = "1234567890123"', "clerks[0].pin", "4 到 12 位数字", "4 to 12 digits", id="pin-too-long"),
    pytest.param('pin = "1001"', "", "clerks[0]", "需要 pin 或 pin_hash", "needs pin or pin_hash", id="pin-missing"),
    pytest.param(
        'staff_no = "1001"\nname = "王丽"\npin = "1001"',
        'staff_no = "1001"\nname = "王丽"\npin = "1001"\n[[clerks]]\nstaff_no = "1001"\nname = "张伟"\npin = "2002"',
        "clerks",
        "工号重复",
        "staff number is used twice",
        id="duplicate-staff-no",
    ),
    pytest.param('series = "B"', 'series = "A"', "categories", "业务序列重复", "series letter is used twice", id="duplicate-series"),
    pytest.param(
        'series = "B"', 'series = "b1"', "categories[1].series", "一到两个大写字母", "one or two capital letters", id="bad-series"
    ),
    pytest.param(
        'name_zh = "事项一"',
        'name_zh = "事项一"\n  [[categories.items]]\n  code = "A01"\n  name_zh = "重"',
        "categories.items",
        "事项编码重复",
        "item code is used twice",
        id="duplicate-item",
    ),
    pytest.param('name_zh = "乙"', "name_zh = 2", "categories[1].name_zh", "类型不对", "wrong type int", id="wrong-type"),
    pytest.param(
        'series = "B"\nname_zh = "乙"', 'series = "B"', "categories[1]", "缺少“name_zh”", "'name_zh' is missing", id="missing-key"
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["08:30-12:00"]\ntimezone = "Mars/Olympus"',
        "hours.timezone",
        "未知时区",
        "unknown time zone",
        id="bad-timezone",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["08:30-12:00"]\nworkdays = [1, 8]',
        "hours.workdays",
        "1 到 7",
        "ISO weekdays 1 to 7",
        id="bad-workday",
    ),
    pytest.param(
        'regular = ["08:30-12:00"]',
        'regular = ["08:30-12:00"]\nweekend_mode = "sometimes"',
        "hours.weekend_mode",
        "应为",
        "should be one of",
        id="bad-weekend-mode",
    ),
    pytest.param("[hours]", '[rules]\ncall_rule = "random"\n[hours]', "rules.call_rule", "应为", "should be one of", id="bad-call-rule"),
    pytest.param(
        'series = "B"', 'series = "B"\ntarget_wait_minutes = 0', "categories[1].target_wait_minutes", "大于 0", "positive", id="zero-target"
    ),
    pytest.param(
        'series = "B"',
        'series = "B"\nexpected_service_minutes = -2',
        "categories[1].expected_service_minutes",
        "大于 0",
        "positive",
        id="negative-service-time",
    ),
    pytest.param(
        "[hours]", "[rules]\nrecall_limit = -1\n[hours]", "rules.recall_limit", "不能为负数", "must not be negative", id="negative-rule"
    ),
    pytest.param(
        "[hours]", "[rules]\nrecall_limit = true\n[hours]", "rules.recall_limit", "类型不对", "wrong type bool", id="bool-is-not-a-number"
    ),
    pytest.param(
        "[hours]", "[rules]\nrecal_limit = 3\n[hours]", "rules", "未知设置", "unknown settings ['recal_limit']", id="unknown-rule"
    ),
    pytest.param(
        "[hours]", "[rules]\npromised_working_days = 0\n[hours]", "rules.promised_working_days", "1–365", "1-365", id="promise-of-0-days"
    ),
    pytest.param(
        "[hours]",
        "[rules]\npromised_working_days = 400\n[hours]",
        "rules.promised_working_days",
        "1–365",
        "1-365",
        id="promise-over-a-year",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "zh", "en"), BAD_EDITS)
def test_bad_config_is_refused_naming_the_place(tmp_path: Path, old: str, new: str, where: str, zh: str, en: str) -> None:
    assert old in BASE
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE.replace(old, new, 1)))
    error = caught.value
    assert error.code == "bad_config" and error.status == 422
    assert error.message.zh.startswith(f"配置错误（{where}）：") and zh in error.message.zh
    assert error.message.en.startswith(f"configuration error at {where}: ") and en in error.message.en


def test_missing_hall_table() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"categories": []})
    assert "缺少“hall”" in caught.value.message.zh and "'hall' is missing" in caught.value.message.en


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(BASE.encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message.zh and "不是 UTF-8" in caught.value.message.zh
    assert str(path) in caught.value.message.en and "not UTF-8" in caught.value.message.en


def test_toml_syntax_error_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace('code = "t"', 'code = "t'))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message.en
    assert "TOML 语法错误" in caught.value.message.zh and "TOML syntax error" in caught.value.message.en
    assert "line" in caught.value.message.en  # tomllib names the line


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message.zh and "无法读取文件" in caught.value.message.zh
    assert "cannot read the file" in caught.value.message.en


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30-12:00", TimeRange(time(8, 30), time(12, 0))),
        (" 13:30 - 17:30 ", TimeRange(time(13, 30), time(17, 30))),
        ("00:00-23:59", TimeRange(time(0, 0), time(23, 59))),
        ("00:00-24:00", TimeRange(time(0, 0), time.max)),
        ("08:30:15-12:00", TimeRange(time(8, 30, 15), time(12, 0))),
    ],
)
def test_time_ranges(text: str, expected: TimeRange) -> None:
    assert parse_time_range(text, "here") == expected


def test_time_range_contains_start_but_not_end() -> None:
    morning = TimeRange(time(8, 30), time(12, 0))
    assert morning.contains(time(8, 30)) and morning.contains(time(11, 59, 59))
    assert not morning.contains(time(12, 0)) and not morning.contains(time(8, 29))
    assert str(morning) == "08:30-12:00"


def test_an_all_day_range_is_open_to_midnight_and_reads_back_the_same() -> None:
    """The hall's hours are stored as text: a range that lost its last minute on the way (it was
    written "23:59") closed a 24-hour hall from 23:59 to midnight."""
    all_day = parse_time_range("00:00-24:00", "here")
    assert all_day.contains(time(0, 0)) and all_day.contains(time(23, 59, 30)) and all_day.contains(time.max)
    assert str(all_day) == "00:00-24:00"
    for text in ("00:00-24:00", "08:30-12:00", "08:30:15-12:00:30", "09:00-17:59:59.500000"):
        assert str(parse_time_range(text, "here")) == text
        assert parse_time_range(str(parse_time_range(text, "here")), "here") == parse_time_range(text, "here")
