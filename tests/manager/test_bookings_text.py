"""The 预约 tab's words and what its forms send (manager/bookings_text.py), without Qt."""

from __future__ import annotations

from manager.bookings_text import (
    DEFAULT_SHARE,
    booking_answer,
    booking_changes,
    calendar_rows,
    day_choices,
    day_list_rows,
    error_field,
    holiday_dates,
    hours_changes,
    missing_fields,
    slot_choices,
    slot_grid,
    spaced_code,
)

CALENDAR = {
    "categories": [{"series": "A", "name_zh": "社保", "name_en": "Social security"}, {"series": "C", "name_zh": "不动产", "name_en": "Real estate"}],
    "days": [
        {
            "date": "2026-11-17",
            "weekday_zh": "周二",
            "weekday_en": "Tue",
            "booked": 3,
            "capacity": 4,
            "fill": 0.75,
            "checked_in": 1,
            "no_show": 1,
            "slots": [
                {
                    "start": "09:00",
                    "label": "09:00-09:30",
                    "bookings_only": False,
                    "cells": [
                        {"series": "A", "capacity": 0, "booked": 0, "checked_in": 0, "no_show": 0, "fill": 0.0},
                        {"series": "C", "capacity": 3, "booked": 3, "checked_in": 1, "no_show": 1, "fill": 1.0},
                    ],
                },
                {
                    "start": "17:00",
                    "label": "17:00-17:30",
                    "bookings_only": True,
                    "cells": [
                        {"series": "A", "capacity": 1, "booked": 0, "checked_in": 0, "no_show": 0, "fill": 0.0},
                        {"series": "C", "capacity": 0, "booked": 0, "checked_in": 0, "no_show": 0, "fill": 0.0},
                    ],
                },
            ],
        },
        {"date": "2026-11-21", "weekday_zh": "周六", "weekday_en": "Sat", "booked": 0, "capacity": 0, "fill": 0.0, "checked_in": 0, "no_show": 0, "slots": []},
    ],
}


def test_the_calendar_rows_and_the_day_grid_show_the_servers_numbers() -> None:
    first, saturday = calendar_rows(CALENDAR)
    assert (first.date, first.weekday, first.booked, first.fill, first.checked_in, first.no_show, first.level) == (
        "2026-11-17", "周二 Tue", "3 / 4", "75%", 1, 1, "busy"
    )  # fmt: skip
    assert (saturday.booked, saturday.fill, saturday.level) == ("不可预约 closed", "—", "closed")
    grid = slot_grid(CALENDAR, "2026-11-17")
    assert grid is not None and grid.headers == ["时段 Slot", "A 社保", "C 不动产"]
    assert grid.header_tips[2] == "C Real estate"
    assert [label for label, _cells in grid.rows] == ["09:00-09:30", "17:00-17:30 仅预约"]
    nine = grid.rows[0][1]
    assert [c.text for c in nine] == ["—", "3/3 ✔1 ✘1"] and nine[1].level == "full"
    assert "已约 3 / 名额 3" in nine[1].tooltip and "no-shows 1" in nine[1].tooltip
    assert [c.text for c in grid.rows[1][1]] == ["0/1", "—"]
    assert "已约 3 / 名额 4（75%）" in grid.total and "爽约 1" in grid.total
    assert slot_grid(CALENDAR, "2026-11-30") is None


def test_the_day_list_names_status_and_channel_in_both_languages() -> None:
    rows = day_list_rows(
        [{"code": "ABCDEFGHJK", "series": "C", "item": "C02", "slot": "14:00", "status": "checked_in", "channel": "phone", "name": "张*", "phone": "138****5678"}]
    )
    assert rows == [["14:00", "ABCDEFGHJK", "C", "C02", "已取号 Checked in", "电话 Phone", "张*", "138****5678"]]


def test_a_save_sends_only_what_changed() -> None:
    published = {"share": 0.3, "shares": {"C": 0.5}, "days_ahead": 7, "per_week": 2, "slot_minutes": 30}
    same = {"days_ahead": 7, "per_week": 2, "slot_minutes": 30}
    assert booking_changes(published, same, 30, {"A": DEFAULT_SHARE, "C": 50}) == {}
    assert booking_changes(published, {**same, "per_week": 4}, 25, {"A": 40, "C": DEFAULT_SHARE}) == {
        "per_week": 4,
        "share": 0.25,
        "shares": {"A": 0.4},
    }
    # a series the tab does not list keeps its share
    assert booking_changes(published, same, 30, {"A": 10}) == {"shares": {"A": 0.1, "C": 0.5}}


def test_holiday_lists_as_typed_and_only_changed_lists_are_sent() -> None:
    assert holiday_dates("2026-10-01\n2026-10-02, 2026-10-01；2026-10-03 \n\n") == ["2026-10-01", "2026-10-02", "2026-10-03"]
    published = {"closed_dates": ["2026-10-02", "2026-10-01"], "extra_workdays": []}
    assert hours_changes(published, {"closed_dates": "2026-10-01\n2026-10-02", "extra_workdays": ""}) == {}
    assert hours_changes(published, {"closed_dates": "2026-10-01", "extra_workdays": "2026-09-27"}) == {
        "closed_dates": ["2026-10-01"],
        "extra_workdays": ["2026-09-27"],
    }


def test_a_server_error_names_the_field_it_is_about() -> None:
    assert error_field("配置错误（booking.per_week）：应为 1 到 50 之间的整数") == "per_week"
    assert error_field("配置错误（booking.shares）：未知业务序列“Z”") == "shares"
    assert error_field("配置错误（hours.closed_dates）：“2026-13-01”不是日期") == "closed_dates"
    assert error_field("配置错误（hours）：2026-10-01 不能既是休息日又是调休上班日") == "hours"
    assert error_field("配置错误（hours.timezone）：…") is None
    assert error_field("无权操作") is None


def test_the_phone_forms_choices_and_answer() -> None:
    days = day_choices({"days": [{"date": "2026-11-17", "weekday_zh": "周二", "weekday_en": "Tue", "left": 0}, {"date": "2026-11-18", "weekday_zh": "周三", "weekday_en": "Wed", "left": 12}]})
    assert [(d.value, d.enabled) for d in days] == [("2026-11-17", False), ("2026-11-18", True)]
    assert "已满 full" in days[0].text and "余 12 个 left" in days[1].text
    slots = slot_choices(
        {"slots": [
            {"start": "09:00", "label": "09:00-09:30", "left": 0, "passed": True},
            {"start": "14:00", "label": "14:00-14:30", "left": 0, "passed": False},
            {"start": "14:30", "label": "14:30-15:00", "left": 2, "passed": False, "bookings_only": True},
        ]}
    )  # fmt: skip
    assert [(s.value, s.enabled) for s in slots] == [("09:00", False), ("14:00", False), ("14:30", True)]
    assert [s.text for s in slots] == ["09:00-09:30  已过 passed", "14:00-14:30  已满 full", "14:30-15:00  余 2 个 left  仅预约 bookings only"]
    assert missing_fields("C02", "2026-11-18", "14:30", " ", "138") == ("请填写来电人姓名", "Enter the caller's name")
    assert missing_fields("C02", "2026-11-18", "", "张三", "138") == ("请选择时段", "Choose the time slot")
    assert missing_fields("C02", "2026-11-18", "14:30", "张三", "13812345678") is None
    assert spaced_code("ABCDEFGHJK") == "ABCDE FGHJK"
    headline, details = booking_answer(
        {"code": "ABCDEFGHJK", "date": "2026-11-18", "weekday_zh": "周三", "slot": "14:30-15:00", "name": "张*", "phone": "138****5678", "item": {"code": "C02", "name_zh": "抵押登记"}}
    )
    assert headline == "ABCDE FGHJK"
    assert "2026-11-18 周三 14:30-15:00 · C02 抵押登记" in details and "138****5678" in details
