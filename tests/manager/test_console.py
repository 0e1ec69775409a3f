"""The manager console against a real hall server: reallocation, recommendations, alerts and
差评 follow-ups go through the widgets, the server applies them, and clerks see the effect."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from manager.app import create_window
from manager.window import ManagerWindow
from tests.counter.live import LiveHall, wait_for


def console(qtbot: Any, live: LiveHall) -> ManagerWindow:
    window = create_window(live.url, live.token("manager"))
    assert isinstance(window, ManagerWindow)
    qtbot.addWidget(window)
    live.widgets.append(window)
    wait_for(qtbot, lambda: window.snapshot.get("windows"))
    return window


def refreshed(qtbot: Any, window: ManagerWindow, live: LiveHall) -> None:
    """Redraw from a snapshot taken now (not one the event stream delivered a moment ago)."""
    now = live.clock.now().isoformat()
    with qtbot.waitSignal(window.snapshot_applied, timeout=5000, check_params_cb=lambda: window.snapshot.get("now") == now):
        window.refresh()


def applied(qtbot: Any, window: ManagerWindow, action: Any) -> None:
    with qtbot.waitSignal(window.action_finished, timeout=5000) as blocker:
        action()
    assert blocker.args[0] is True, window.message.text()


def test_moving_category_c_from_window_5_to_window_3_changes_window_3s_next_call(qtbot: Any, live: LiveHall) -> None:
    live.issue("B", advance=30)
    c_ticket = live.issue("C", advance=30)
    live.issue("B", advance=30)
    clerk3 = live.clerk_client(3, "1003")
    window = console(qtbot, live)

    window.select_window(5)
    window.reallocate_page.primary_boxes["C"].setChecked(False)
    window.reallocate_page.primary_boxes["E"].setChecked(True)
    window.reallocate_page.realloc_reason.setText("不动产移到3号")
    applied(qtbot, window, lambda: qtbot.mouseClick(window.reallocate_page.apply_categories_button, Qt.MouseButton.LeftButton))

    window.select_window(3)
    assert window.reallocate_page.primary_boxes["B"].isChecked()
    window.reallocate_page.primary_boxes["C"].setChecked(True)
    window.reallocate_page.secondary_boxes["B"].setChecked(True)  # unticks B as primary
    assert not window.reallocate_page.primary_boxes["B"].isChecked()
    assert "C" in window.reallocate_page.skill_warning.text()  # 1003 has no real-estate skill: a warning, not a refusal
    window.reallocate_page.realloc_reason.setText("不动产等候多，3号窗口改办")
    applied(qtbot, window, lambda: qtbot.mouseClick(window.reallocate_page.apply_categories_button, Qt.MouseButton.LeftButton))

    snapshot = live.client("manager").snapshot()
    by_number = {w["number"]: w for w in snapshot["windows"]}
    assert (by_number[3]["primary"], by_number[3]["secondary"]) == (["C"], ["B"])
    assert (by_number[5]["primary"], by_number[5]["secondary"]) == (["E"], [])
    called = clerk3.call_next(3)
    assert called["ticket"]["number"] == c_ticket["number"]
    audit = live.client("manager").audit(10)
    reasons = [a["reason"] for a in audit if a["action"] == "reallocate"]
    assert reasons[:2] == ["不动产等候多，3号窗口改办", "不动产移到3号"]
    wait_for(qtbot, lambda: window.live_page.cards[3].current.text().endswith(c_ticket["number"]))


def test_applying_a_recommendation_moves_a_window(qtbot: Any, live: LiveHall) -> None:
    for _ in range(30):
        live.issue("G", advance=20)  # 户籍: two windows, 30 waiting
    live.clerk_client(15, "1015")
    live.clerk_client(16, "1016")
    live.clerk_client(20, "1020")  # the reserve comprehensive window, closed, its clerk can do everything
    window = console(qtbot, live)
    refreshed(qtbot, window, live)
    assert "G" in window.over_target_series()
    assert window.recommendations_page.rec_cards, "a long G queue should produce a recommendation"
    card = window.recommendations_page.rec_cards[0]
    rec = card.recommendation
    assert rec.series == "G"
    before = {w["number"]: w for w in live.client("manager").snapshot()["windows"]}[rec.window]
    applied(qtbot, window, lambda: qtbot.mouseClick(card.apply_button, Qt.MouseButton.LeftButton))
    after = {w["number"]: w for w in live.client("manager").snapshot()["windows"]}[rec.window]
    assert (after["primary"], after["secondary"]) == (list(rec.primary), list(rec.secondary))
    assert (after["primary"], after["secondary"], after["state"]) != (before["primary"], before["secondary"], before["state"])
    assert "G" in after["primary"] + after["secondary"] and after["state"] == "open"
    audit = live.client("manager").audit(5)
    assert any(a["reason"].startswith("采纳系统建议") for a in audit)


def test_auto_apply_moves_at_most_the_hourly_limit(qtbot: Any, live: LiveHall) -> None:
    for _ in range(30):
        live.issue("G", advance=20)
    for number, staff in ((15, "1015"), (16, "1016"), (20, "1020"), (19, "1019")):
        live.clerk_client(number, staff)
    window = console(qtbot, live)
    refreshed(qtbot, window, live)
    window.recommendations_page.auto_limit.setValue(1)
    with qtbot.waitSignal(window.action_finished, timeout=5000):
        window.recommendations_page.auto_check.setChecked(True)
    refreshed(qtbot, window, live)
    refreshed(qtbot, window, live)
    audit = live.client("manager").audit(20)
    automatic = [a for a in audit if a["reason"].startswith("自动执行系统建议")]
    assert automatic and len({a["detail"]["window"] for a in automatic}) == 1  # one move (an opening is two calls)
    assert len(window.recommendations_page.auto.applied) == 1
    assert "1/1" in window.recommendations_page.auto_status.text()


def test_long_wait_alert_appears_and_clears_after_serving(qtbot: Any, live: LiveHall) -> None:
    ticket = live.issue("C", advance=0)
    window = console(qtbot, live)
    assert not any(k.startswith("long_wait") for k in window.alert_keys())
    live.clock.advance(40 * 60)
    refreshed(qtbot, window, live)
    assert "long_wait:C:" in window.alert_keys()
    # the count, on a bilingual label or (in a font another test left larger) a compact one
    assert window.tabs.tabText(3).startswith("告警") and " (" in window.tabs.tabText(3)
    clerk = live.clerk_client(5, "1005")
    assert clerk.call_next(5)["ticket"]["number"] == ticket["number"]
    # Move the clock so `refreshed` cannot accept a snapshot taken before the call (same "now").
    live.clock.advance(1)
    refreshed(qtbot, window, live)
    assert "long_wait:C:" not in window.alert_keys()


def test_followup_status_round_trips(qtbot: Any, live: LiveHall) -> None:
    live.issue("A", items=["A01"])
    clerk = live.clerk_client(2, "1002")
    clerk.call_next(2)
    clerk.start(2)
    service_id = clerk.finish(2, "immediate")["service_id"]
    live.client("pad", 2).rate(service_id, "dissatisfied", reasons=["slow"], comment="等了很久")
    window = console(qtbot, live)
    window.tabs.setCurrentWidget(window.followups_page)
    wait_for(qtbot, lambda: window.followups_page.followup_table.rowCount() == 1)
    assert "待处理" in window.followups_page.followup_table.item(0, 8).text()
    assert window.followups_page.followup_table.item(0, 5).text() == "办理效率低；等了很久"  # the reason the citizen tapped, not its code
    window.followups_page.followup_table.selectRow(0)
    window.followups_page.followup_status.setCurrentIndex(window.followups_page.followup_status.findData("resolved"))
    window.followups_page.followup_notes.setPlainText("已核实并电话回访")
    window.followups_page.followup_view.setText("满意")
    applied(qtbot, window, lambda: qtbot.mouseClick(window.followups_page.followup_save, Qt.MouseButton.LeftButton))
    (row,) = live.client("manager").followups()
    assert (row["status"], row["notes"], row["citizen_view"]) == ("resolved", "已核实并电话回访", "满意")
    wait_for(qtbot, lambda: "已办结" in window.followups_page.followup_table.item(0, 8).text())


def test_enrolled_token_is_shown_once_and_revoked_devices_are_marked(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    window.tabs.setCurrentWidget(window.devices_page)
    window.devices_page.enroll_role.setCurrentIndex(window.devices_page.enroll_role.findData("display"))
    window.devices_page.enroll_name.setText("大厅屏2")
    window.devices_page.enroll_button.click()
    wait_for(qtbot, lambda: window.devices_page.enroll_token.text())
    token = window.devices_page.enroll_token.text()
    assert live.client("manager").with_token(token).snapshot()["windows"]
    wait_for(qtbot, lambda: any(d["name"] == "大厅屏2" for d in window.devices_page.device_rows))
    row = next(i for i, d in enumerate(window.devices_page.device_rows) if d["name"] == "大厅屏2")
    window.devices_page.device_table.selectRow(row)
    applied(qtbot, window, window.devices_page.revoke_selected)
    wait_for(qtbot, lambda: next(d for d in window.devices_page.device_rows if d["name"] == "大厅屏2")["revoked"])


def test_settings_save_target_waits_and_notices(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    target, _service = window.settings_page.target_spins["C"]
    target.setValue(25)
    applied(qtbot, window, window.settings_page.save_targets)
    window.settings_page.notices_edit.setPlainText("第一条\n\n第二条")
    applied(qtbot, window, window.settings_page.save_notices)
    snapshot = live.client("manager").snapshot()
    assert next(c for c in snapshot["categories"] if c["series"] == "C")["target_wait_minutes"] == 25
    assert snapshot["hall"]["notices"] == ["第一条", "第二条"]


def test_settings_change_the_halls_rules(qtbot: Any, live: LiveHall) -> None:
    """The rules group shows the published rules; a change is saved through the API (audited) and
    what the server refuses is said in both languages."""
    window = console(qtbot, live)
    wait_for(qtbot, lambda: window.settings_page.rule_spins["promised_working_days"].value() == 5)
    assert window.settings_page.rule_spins["recall_limit"].value() == 3 and window.settings_page.rule_spins["long_wait_alert_minutes"].value() == 30
    window.settings_page.rule_spins["promised_working_days"].setValue(10)
    window.settings_page.rule_spins["long_wait_alert_minutes"].setValue(45)
    assert window.settings_page.call_rule_box.currentData() == "primary_first"
    window.settings_page.call_rule_box.setCurrentIndex(window.settings_page.call_rule_box.findData("target_weighted"))
    applied(qtbot, window, window.settings_page.save_rules)
    rules = live.client("manager").snapshot()["rules"]
    assert rules["promised_working_days"] == 10 and rules["long_wait_alert_minutes"] == 45 and rules["recall_limit"] == 3
    assert rules["call_rule"] == "target_weighted"
    audit = live.client("manager").request("GET", "/api/audit")
    changed = [row["detail"].get("rules") for row in audit if row["action"] == "hall_settings"]
    expected = {
        "promised_working_days": [5, 10],
        "long_wait_alert_minutes": [30.0, 45.0],
        "call_rule": ["primary_first", "target_weighted"],
    }
    assert expected in changed, "who changed what, from what to what"
    # A change made elsewhere shows once the manager is not editing.
    live.client("manager").request("PUT", "/api/config/hall", {"rules": {"recall_limit": 4}})
    window.refresh()
    wait_for(qtbot, lambda: window.settings_page.rule_spins["recall_limit"].value() == 4)


def test_offline_banner_shows_when_the_server_goes_away(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    assert not window.banner.isVisibleTo(window)
    live.server.stop()
    window.refresh()
    wait_for(qtbot, lambda: window.banner.isVisibleTo(window))


def test_reallocation_table_shows_whole_category_names(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    window.resize(1600, 1000)
    window.show()
    window.tabs.setCurrentIndex(1)  # 窗口调整 Reallocate
    qtbot.waitExposed(window)
    table = window.reallocate_page.realloc_table
    wait_for(qtbot, lambda: table.rowCount() > 0)
    names = [table.item(row, 1) for row in range(table.rowCount())]
    widest = max(table.fontMetrics().horizontalAdvance(item.text()) for item in names)
    # The name column gets the spare width (not the one-character skill mark), so the longest
    # bilingual name ("户籍出入境  Household Registration & Exit-Entry") fits without "…".
    assert table.columnWidth(1) >= widest
    assert table.columnWidth(5) < table.columnWidth(1) / 2


def test_tab_labels_fit_a_narrow_screen(qtbot: Any, live: LiveHall) -> None:
    """Bilingual where all fit; narrower (a 1280-px screen with the hall's font: docs checked by
    eye), Chinese only with the English in the tooltips, so that no tab hides behind scroll
    arrows; the alert count stays either way."""
    window = console(qtbot, live)
    window._alert_count = 2
    window._label_tabs(available=10_000)
    labels = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert labels[0] == "实时 Live" and labels[3] == "告警 Alerts (2)" and labels[-3:] == ["预约 Bookings", "短信 SMS", "市级下发 City"]
    full = window.tabs.tabBar().sizeHint().width()
    window._label_tabs(available=full - 1)
    assert window.tabs.tabText(0) == "实时" and window.tabs.tabText(3) == "告警 (2)"
    assert window.tabs.tabToolTip(3) == "告警 Alerts" and window.tabs.tabBar().sizeHint().width() < full
    window._label_tabs(available=full)
    assert window.tabs.tabText(0) == "实时 Live"


def test_window_cards_are_never_cut_off_at_the_right(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    window.show()
    qtbot.waitExposed(window)
    columns = []
    for width in (1900, 1600, 1200):
        window.resize(width, 900)
        qtbot.wait(50)
        wait_for(qtbot, lambda: window.live_page.card_columns > 0)
        viewport = window.live_page.card_scroll.viewport().width()
        assert all(card.geometry().right() <= viewport for card in window.live_page.cards.values()), (width, viewport)
        columns.append(window.live_page.card_columns)
    assert columns == sorted(columns, reverse=True) and columns[0] > columns[-1], columns
    # Widened while another tab is shown: the cards re-flow when the live tab comes back.
    window.tabs.setCurrentIndex(1)
    window.resize(1900, 900)
    qtbot.wait(50)
    window.tabs.setCurrentIndex(0)
    wait_for(qtbot, lambda: window.live_page.card_columns == columns[0])


def test_an_overdue_followup_is_escalated_on_the_alerts_tab_until_it_is_closed(qtbot: Any, live: LiveHall) -> None:
    live.issue("A", items=["A01"])
    clerk = live.clerk_client(2, "1002")
    clerk.call_next(2)
    clerk.start(2)
    service_id = clerk.finish(2, "immediate")["service_id"]
    live.client("pad", 2).rate(service_id, "dissatisfied", reasons=["slow"])
    window = console(qtbot, live)
    window.load_devices()
    wait_for(qtbot, lambda: len(window.followups) == 1)
    assert "followup:overdue" not in window.alert_keys()
    live.clock.advance(40 * 24 * 3600)  # well past the hall's deadline (working days)
    refreshed(qtbot, window, live)
    window.load_devices()
    wait_for(qtbot, lambda: "followup:overdue" in window.alert_keys())
    assert any("1 件差评回访已超期未办结" in text for text in window.alerts_page.alert_texts())
    (row,) = live.client("manager").followups()
    live.client("manager").update_followup(row["id"], "resolved", "已整改", "满意")
    window.load_devices()
    wait_for(qtbot, lambda: "followup:overdue" not in window.alert_keys())
