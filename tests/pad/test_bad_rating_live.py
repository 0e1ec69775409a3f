"""The 差评 flow end to end: the pad against a real hall server (taps on the widgets, the pinyin
keyboard, the digit pad with consent), then the follow-up as the manager and the follow-up role
see it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from db.models import FollowUp, Rating
from hall.tickets import RatingLevel
from pad.app import create_window as create_pad
from tests.counter.live import LiveHall, wait_for
from tests.manager.test_console import console


def tap(qtbot, button: QPushButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def finished_service(live: LiveHall) -> None:
    live.issue("A", items=["A01"])
    clerk = live.clerk_client(1, "1001")
    clerk.call_next(1)
    live.clock.advance(120)
    clerk.start(1)
    live.clock.advance(300)
    clerk.finish(1, "immediate", "A01")


def test_bad_rating_with_comment_and_phone_reaches_the_followup(qtbot, live: LiveHall) -> None:
    pad = create_pad(live.url, live.token("pad", 1), 1)
    qtbot.addWidget(pad)
    live.widgets.append(pad)
    pad.show()
    wait_for(qtbot, lambda: pad.events.connected and pad.flow.window_info)
    finished_service(live)
    wait_for(qtbot, lambda: pad.flow.state.value == "rating")

    tap(qtbot, pad.level_buttons[RatingLevel.DISSATISFIED])
    assert pad.flow.state.value == "reasons"
    tap(qtbot, pad.reason_buttons["wait"])
    tap(qtbot, pad.back_button)  # 返回重选 works: back to the levels, nothing kept
    assert pad.flow.state.value == "rating" and not pad.flow.reasons
    tap(qtbot, pad.level_buttons[RatingLevel.DISSATISFIED])
    tap(qtbot, pad.reason_buttons["wait"])

    tap(qtbot, pad.comment_button)
    keyboard = pad.comment_page
    tap(qtbot, keyboard.phrase_buttons["等候时间太长"])
    for letter in "man":  # pinyin: man -> 慢
        tap(qtbot, keyboard.letter_buttons[letter])
    slow = next(b for b in keyboard.candidate_buttons if b.text() == "慢")
    tap(qtbot, slow)
    assert keyboard.input.text == "等候时间太长慢"
    tap(qtbot, keyboard.ok_button)
    assert pad.flow.state.value == "reasons" and pad.flow.comment == "等候时间太长慢"

    tap(qtbot, pad.contact_button)
    contact = pad.contact_page
    for digit in "13812345678":
        tap(qtbot, contact.digit_buttons[digit])
    assert not contact.ok_button.isEnabled(), "no number is kept without consent"
    contact.consent.click()
    assert contact.ok_button.isEnabled()
    tap(qtbot, contact.ok_button)
    assert "138****5678" in pad.details_summary.text()

    live.clock.advance(60)
    pad._on_tick()  # a tick while the citizen is still there sends nothing
    assert pad.flow.state.value == "reasons"
    tap(qtbot, pad.submit_button)
    wait_for(qtbot, lambda: pad.flow.state.value == "thanks")
    assert "回访" in pad.thanks_info.text()

    (rating,) = live.rows(Rating)
    assert rating.level == "dissatisfied" and rating.reasons == ["wait"] and rating.comment == "等候时间太长慢"
    (followup,) = live.rows(FollowUp)
    assert followup.contact_phone == "13812345678"
    (as_manager,) = live.client("manager").followups()
    assert as_manager["contact"] == "138****5678"
    (as_followup,) = live.client("followup").followups()
    assert as_followup["contact"] == "13812345678"

    manager = console(qtbot, live)  # the manager's follow-up tab: the number masked
    manager.tabs.setCurrentWidget(manager.followups_page)
    table = manager.followups_page.followup_table
    wait_for(qtbot, lambda: table.rowCount() == 1)
    assert table.item(0, 10).text() == "138****5678"
    assert "等候时间太长慢" in table.item(0, 5).text()
    page = manager.followups_page
    assert "回访率 0%" in page.followup_summary.text()

    # the follow-up role calls: not reached, then reached, the fix taken and the citizen satisfied
    caller = live.client("followup")
    caller.log_followup_call(followup.id, False, "无人接听")
    table.selectRow(0)
    page.call_reached.setChecked(True)
    page.call_result.setText("已致歉并说明")
    page.call_rectification.setText("高峰时段加开窗口")
    page.call_satisfaction.setCurrentIndex(page.call_satisfaction.findData("satisfied"))
    page.log_call()
    wait_for(qtbot, lambda: page.call_table.rowCount() == 2)
    assert page.call_table.item(1, 4).text() == "高峰时段加开窗口"
    assert "回访率 100% · 整改率 100%" in page.followup_summary.text()
    caller.update_followup(followup.id, "resolved", "已整改", "满意")
    page.load_followups()
    wait_for(qtbot, lambda: "按时 100%" in page.followup_summary.text())
