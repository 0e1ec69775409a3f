"""The guide desk (导办台) on a real hall server (SQLite, Tuesday 10:00): it takes a number with
a priority reason and 代办, books, looks up a missed ticket and requeues it, shows the hall's
waits; a device of another role is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QDateTime

from db.models import Ticket
from guide.desk import item_choices, search_items
from hall.clock import FakeClock
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall


class GuideHall:
    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.server = ServerThread(hall.store).start()

    def token(self, role: str, name: str, window: int | None = None) -> str:
        return str(self.hall.store.enroll_device(None, self.hall.hall_id, role, name, window)["token"])

    def client(self, role: str, name: str, window: int | None = None) -> HallClient:
        return HallClient(self.server.url, self.token(role, name, window))


@pytest.fixture
def guide_hall(tmp_path: Any, clock: FakeClock) -> Iterator[GuideHall]:
    hall = GuideHall(prepare_hall(f"sqlite:///{tmp_path / 'hall.db'}", clock=clock))
    yield hall
    hall.server.stop()
    hall.hall.engines.dispose()


def open_desk(qtbot: Any, guide_hall: GuideHall, role: str = "guide") -> Any:
    from guide.app import create_window

    window = create_window(guide_hall.server.url, guide_hall.token(role, "导办台1"), "dummy://")
    qtbot.addWidget(window)
    window.show()
    return window


def choose(window: Any, text: str) -> None:
    window.search.setText(text)
    assert window.item_list.count() >= 1, text


def test_issues_with_priority_and_proxy_service_and_prints(qtbot: Any, guide_hall: GuideHall) -> None:
    window = open_desk(qtbot, guide_hall)
    qtbot.waitUntil(lambda: window.item_list.count() > 0, timeout=10_000)
    choice = window.choices[0]
    choose(window, choice.name_zh)
    window.priority.setCurrentIndex(window.priority.findData("elderly"))
    window.assist_buttons["proxy"].setChecked(True)
    with qtbot.waitSignal(window.issued, timeout=10_000) as issued, qtbot.waitSignal(window.printed, timeout=10_000):
        window.issue_button.click()
    ticket = issued.args[0]
    assert ticket["series"] == choice.series and ticket["assist"] == "proxy" and ticket["priority"] is True
    assert ticket["number"] in window.issued_label.text() and "代办" in window.issued_label.text()
    assert window.printer.output, "the slip went to the desk printer"
    with guide_hall.hall.store.read() as session:
        row = session.get(Ticket, ticket["id"])
        assert row is not None
        assert (row.source, row.issued_by, row.assist, row.priority_reason) == ("guide_desk", "导办台1", "proxy", "elderly")
    # the form is reset for the next citizen
    assert window.chosen_assist() == "" and window.priority.currentData() is None


def test_refuses_an_issue_without_an_item_in_both_languages(qtbot: Any, guide_hall: GuideHall) -> None:
    window = open_desk(qtbot, guide_hall)
    qtbot.waitUntil(lambda: window.item_list.count() > 0, timeout=10_000)
    window.search.setText("没有这样的事项 no such item")
    assert window.item_list.count() == 0
    with qtbot.waitSignal(window.failed, timeout=2_000) as failed:
        window.issue_button.click()
    assert failed.args[0] == "no_item"
    assert "请先选择办理事项" in window.status.text() and "choose the item first" in window.status.text()


def test_books_for_the_citizen(qtbot: Any, guide_hall: GuideHall, clock: FakeClock) -> None:
    window = open_desk(qtbot, guide_hall)
    qtbot.waitUntil(lambda: window.item_list.count() > 0, timeout=10_000)
    tomorrow_ten = QDateTime.fromString("2026-11-18 10:00", "yyyy-MM-dd HH:mm")
    window.slot.setDateTime(tomorrow_ten)
    window.book_name.setText("张三丰")
    window.book_phone.setText("13812345678")
    with qtbot.waitSignal(window.booked, timeout=10_000) as booked:
        window.book_button.click()
    code = booked.args[0]["code"]
    assert code in window.booked_label.text()
    from db.models import Appointment

    with guide_hall.hall.store.read() as session:
        row = session.query(Appointment).filter_by(code=code).one()
        assert (row.channel, row.name_masked, row.contact_masked) == ("guide_desk", "张**", "138****5678")


def test_looks_up_a_missed_ticket_and_requeues_it(qtbot: Any, guide_hall: GuideHall) -> None:
    missed = guide_hall.client("kiosk", "k1").issue("A")
    counter = guide_hall.client("counter", "counter 1", 1)
    clerk = HallClient(guide_hall.server.url, counter.login("1001", "1001")["token"])
    clerk.call_next(1)
    clerk.no_show(1)
    window = open_desk(qtbot, guide_hall)
    window.lookup_number.setText(missed["number"].lower())
    with qtbot.waitSignal(window.found, timeout=10_000):
        window.lookup_button.click()
    assert "过号" in window.found_label.text()
    assert window.requeue_button.isEnabled()
    with qtbot.waitSignal(window.requeued, timeout=10_000) as requeued:
        window.requeue_button.click()
    assert requeued.args[0]["status"] == "waiting"
    assert "已重新排队" in window.found_label.text()
    assert not window.requeue_button.isEnabled()


def test_shows_the_halls_waits_and_refreshes_them(qtbot: Any, guide_hall: GuideHall) -> None:
    window = open_desk(qtbot, guide_hall)
    qtbot.waitUntil(lambda: window.waits.rowCount() > 0, timeout=10_000)
    kiosk = guide_hall.client("kiosk", "k1")
    for _ in range(3):
        kiosk.issue("A")
    with qtbot.waitSignal(window.waits_shown, timeout=10_000) as shown:
        window.refresh()  # the timer's own call, made now
    rows = {row.series: row for row in shown.args[0]}
    assert rows["A"].waiting == 3
    shown_a = [window.waits.item(r, 1).text() for r in range(window.waits.rowCount()) if window.waits.item(r, 0).text().startswith("A ")]
    assert shown_a == ["3"]
    assert window.timer.isActive()


def test_a_device_of_another_role_is_refused(qtbot: Any, guide_hall: GuideHall) -> None:
    window = open_desk(qtbot, guide_hall, role="display")
    qtbot.waitUntil(lambda: window.item_list.count() > 0, timeout=10_000)
    window.assist_buttons["help"].setChecked(True)
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.issue_button.click()
    assert failed.args[0] == "forbidden"
    assert "无权" in window.status.text()


def test_item_search_matches_every_word_in_either_language() -> None:
    categories = [
        {
            "series": "A",
            "name_zh": "社保医保",
            "name_en": "Social insurance",
            "items": [{"code": "SB01", "name_zh": "社保卡补办", "name_en": "Replace card"}],
        },
        {"series": "B", "name_zh": "不动产", "name_en": "Real estate", "items": []},
    ]
    choices = item_choices(categories)
    assert [c.code for c in search_items(choices, "社保 补办")] == ["SB01"]
    assert [c.series for c in search_items(choices, "real")] == ["B"]
    assert len(search_items(choices, "")) == 2
