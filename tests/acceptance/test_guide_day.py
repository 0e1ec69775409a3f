"""The guide desk in the hall day (issue 18): the 导办员 takes a 代办 number with a priority
reason for an elderly citizen, and a counter then calls it before the kiosk's earlier tickets;
the screens agree with the server throughout, and the day's report counts the 代办 service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from counter.flow import CounterAction, CounterState
from tests.acceptance.hall_day import TIMEOUT, HallDay, local, start_hall_day

DAY = "2026-11-17"  # a Tuesday


@pytest.fixture
def hall_day(qtbot: Any, tmp_path: Path) -> Iterator[HallDay]:
    day = start_hall_day(tmp_path, local(DAY, "08:00"))
    try:
        day.open_programs(qtbot)
        yield day
    finally:
        day.close()
        day.server.stop()
        day.hall.engines.dispose()


def test_a_proxy_ticket_from_the_guide_desk_is_called_at_a_counter(qtbot: Any, hall_day: HallDay) -> None:
    day = hall_day
    day.at(qtbot, local(DAY, "09:00"))
    counter = day.counter(1)
    counter.login_panel.staff_edit.setText("1001")
    counter.login_panel.pin_edit.setText("1001")
    qtbot.mouseClick(counter.login_panel.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counter.flow.state is CounterState.IDLE, timeout=TIMEOUT)
    kiosk = day.client("kiosk", "kiosk-1")
    walk_in = kiosk.issue("A")
    day.clock.advance(60)

    guide = day.guide
    guide.refresh()
    qtbot.waitUntil(lambda: guide.item_list.count() > 0, timeout=TIMEOUT)
    guide.search.setText("A")
    guide.item_list.setCurrentRow(next(i for i in range(guide.item_list.count()) if guide.item_list.item(i).text().startswith("A ")))
    guide.priority.setCurrentIndex(guide.priority.findData("elderly"))
    guide.assist_buttons["proxy"].setChecked(True)
    with qtbot.waitSignal(guide.issued, timeout=TIMEOUT) as issued, qtbot.waitSignal(guide.printed, timeout=TIMEOUT):
        qtbot.mouseClick(guide.issue_button, Qt.MouseButton.LeftButton)
    proxy_ticket = issued.args[0]
    assert (proxy_ticket["number"], proxy_ticket["assist"]) == ("A002", "proxy")
    day.check(qtbot, "the guide desk issued A002 (代办, elderly)")

    counter.do(CounterAction.CALL_NEXT)
    qtbot.waitUntil(lambda: counter.flow.state is CounterState.CALLED, timeout=TIMEOUT)
    called = day.store.ticket_status(day.hall.hall_id, ticket_id=proxy_ticket["id"])
    assert called["status"] == "called" and called["window"]["number"] == 1  # priority: before the earlier A001
    assert day.store.ticket_status(day.hall.hall_id, ticket_id=walk_in["id"])["status"] == "waiting"
    qtbot.waitUntil(lambda: "导办台：代办" in counter.work.ticket_info.text(), timeout=TIMEOUT)  # the clerk sees 代办
    day.check(qtbot, "window 1 called the guide desk's A002")

    counter.do(CounterAction.START)
    qtbot.waitUntil(lambda: counter.flow.state is CounterState.SERVING, timeout=TIMEOUT)
    counter.do(CounterAction.FINISH)
    counter.choose_outcome(1)  # 即办件
    qtbot.waitUntil(lambda: counter.flow.state is CounterState.IDLE, timeout=TIMEOUT)
    report = day.client("manager", "manager").report(date(2026, 11, 17), date(2026, 11, 17), "window")
    assert (report.total.proxy_served, report.total.help_served, report.total.served) == (1, 0, 1)
