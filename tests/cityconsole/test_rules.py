"""The console's own rules, without Qt: which halls are red or amber and why, their order, the
period check, and the console's options as ``hallq city console`` parses them."""

from __future__ import annotations

from datetime import date

from cityconsole.rules import Level, check_period, hall_alerts, hall_level, lag_text, overview_order, summarise
from hallq.cli import build_parser

UP = {"hall": "a", "link": "up", "seconds_since_contact": 3.0, "lag_events": 0, "waiting": 4, "staffed_windows": 2}


def test_a_quiet_hall_is_ok_and_each_reason_makes_it_amber_or_red() -> None:
    assert hall_level(UP) is Level.OK and hall_alerts(UP) == [] and lag_text(UP) == "已同步 · 3 秒 / s前"
    assert hall_level({**UP, "longest_wait_minutes": 31}) is Level.ALERT
    assert hall_level({**UP, "open_followups": 1}) is Level.ALERT
    assert hall_level({**UP, "device_faults": 2}) is Level.ALERT
    assert hall_level({**UP, "lag_events": 800}) is Level.ALERT
    unstaffed = {**UP, "staffed_windows": 0}
    assert [a.en for a in hall_alerts(unstaffed)] == ["citizens wait and no window is staffed"]
    down = {**UP, "link": "down", "seconds_since_contact": 1500.0}
    assert hall_level(down) is Level.DOWN and hall_alerts(down)[0].zh == "链路断开 25 分钟 / min"
    assert hall_level({"hall": "b", "link": "never"}) is Level.DOWN and lag_text({"hall": "b", "link": "never"}) == "—"
    assert hall_level({**UP, "link": "revoked"}) is Level.DOWN
    summary = summarise([UP, down, {**UP, "open_followups": 1}])
    assert (summary.halls, summary.down, summary.alerts, summary.waiting) == (3, 1, 1, 12)


def test_halls_are_ordered_by_district_then_code_with_no_district_last() -> None:
    rows = [{"hall": "z", "district": "城西区"}, {"hall": "y", "district": ""}, {"hall": "b", "district": "城东区"}, {"hall": "a", "district": "城西区"}]
    assert [r["hall"] for r in overview_order(rows)] == ["b", "a", "z", "y"]


def test_a_period_is_checked_before_asking() -> None:
    assert check_period(date(2026, 12, 1), date(2026, 12, 1)) is None
    assert check_period(date(2025, 1, 1), date(2026, 1, 1)) is None  # 366 days, as the city allows
    assert check_period(date(2026, 12, 2), date(2026, 12, 1)).en == "the period ends before it starts"  # type: ignore[union-attr]
    assert check_period(date(2025, 1, 1), date(2026, 1, 2)).zh == "期间最长一年"  # type: ignore[union-attr]


def test_hallq_city_console_takes_the_city_and_the_console_certificate() -> None:
    args = build_parser().parse_args(["city", "console", "--city", "https://c:8770", "--cert", "c.pem", "--key", "k.pem", "--ca", "ca.pem"])
    assert (args.city, args.cert, args.key, args.ca) == ("https://c:8770", "c.pem", "k.pem", "ca.pem")
    assert args.func.__name__ == "cmd_city_console"
