"""A free clerk on the roster reaches the console's advisor, which proposes opening the closed
reserve window with them; carried out through the real server, the clerk logs in there and serves."""

from __future__ import annotations

import pytest

from hall.advisor import MoveKind
from manager.advice import advise_hall, recommendation_calls, run_calls
from server.client import ApiError
from tests.counter.live import LiveHall


def test_a_free_clerk_opens_the_reserve_window_end_to_end(live: LiveHall) -> None:
    manager = live.client("manager")
    # 不动产 (C) windows 5-7 staffed; 罗斌 (1020, trained for everything) came in, logged in at
    # the reserve window 20 and left it: on duty, free.
    for number in (5, 6, 7):
        live.clerk_client(number, f"100{number}")
    live.clerk_client(20, "1020").logout()
    for _ in range(30):  # a C queue built up over the last hour, more than three windows carry
        live.issue("C", advance=120)
    planning, snapshot = manager.planning(), manager.snapshot()
    assert [c["staff_no"] for c in planning["spare_clerks"]] == ["1020"]
    assert {w["number"]: w["state"] for w in snapshot["windows"]}[20] == "closed"

    advice = advise_hall(snapshot, planning)
    opening = next(r for r in advice.recommendations if r.kind is MoveKind.OPEN_WINDOW)
    assert (opening.window, opening.clerk, opening.series) == (20, "1020", "C")
    assert "1020" in opening.reason.zh
    run_calls(manager, recommendation_calls(opening))
    window_20 = {w["number"]: w for w in manager.snapshot()["windows"]}[20]
    assert window_20["state"] == "open" and "C" in window_20["primary"] + window_20["secondary"]

    clerk = live.clerk_client(20, "1020")  # the named clerk logs in at the window the manager opened
    called = clerk.call_next(20)
    assert called["ticket"]["number"].startswith("C")
    after = manager.planning()
    assert after["spare_clerks"] == [] and {w["number"]: w for w in after["windows"]}[20]["clerk"]["staff_no"] == "1020"


def test_signed_off_and_absent_clerks_are_not_spare(live: LiveHall) -> None:
    manager = live.client("manager")
    live.clerk_client(19, "1019").sign_off()
    live.clerk_client(18, "1018").logout()
    manager.set_roster("1018", absent=False, lunch="10:00-11:00", reason="早班午休")  # at lunch now (10:00)
    roster = {c["staff_no"]: c["state"] for c in manager.roster()["clerks"]}
    assert (roster["1019"], roster["1018"]) == ("signed_off", "at_lunch")
    planning = manager.planning()
    assert planning["spare_clerks"] == [] and [c["staff_no"] for c in planning["at_lunch"]] == ["1018"]
    with pytest.raises(ApiError) as refused:
        live.client("kiosk").roster()
    assert refused.value.status == 403
    with pytest.raises(ApiError) as refused:
        manager.set_roster("1018", lunch="lunchtime")
    assert refused.value.status == 422 and refused.value.zh and refused.value.en


def roster_row(console, staff_no: str) -> list[str]:  # type: ignore[no-untyped-def]
    table = console.roster_page.table
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == staff_no:
            return [table.item(row, c).text() for c in range(table.columnCount())]
    raise AssertionError(f"{staff_no} not on the roster tab")


def test_the_roster_tab_shows_who_is_on_duty_and_marks_a_clerk_absent(qtbot, live: LiveHall) -> None:  # type: ignore[no-untyped-def]
    from tests.counter.live import wait_for
    from tests.manager.test_console import console as open_console

    live.clerk_client(5, "1005")
    live.clerk_client(19, "1019").sign_off()
    live.clerk_client(18, "1018").logout()
    console = open_console(qtbot, live)
    console.tabs.setCurrentWidget(console.roster_page)  # first visit loads it
    wait_for(qtbot, lambda: console.roster_page.clerks)
    assert roster_row(console, "1005")[2].startswith("在窗口") and roster_row(console, "1005")[3] == "5号"
    assert roster_row(console, "1019")[2].startswith("已签退")
    assert roster_row(console, "1018")[2].startswith("在岗待命")
    assert "在窗口 1" in console.roster_page.summary.text() and "待命 1" in console.roster_page.summary.text()

    page = console.roster_page
    page.select_clerk("1005")
    assert not page.absent_button.isEnabled()  # at a window: the server would refuse it too
    page.select_clerk("1018")
    page.absent_button.click()
    assert "缺勤原因" in console.message.text()  # no reason given: nothing sent
    page.reason.setText("病假")
    page.absent_button.click()
    wait_for(qtbot, lambda: roster_row(console, "1018")[2].startswith("今日缺勤"))
    assert live.client("manager").planning()["spare_clerks"] == []

    page.select_clerk("1018")
    page.lunch.setCurrentIndex(page.lunch.findData("11:30-12:30"))
    page.lunch_button.click()
    wait_for(qtbot, lambda: roster_row(console, "1018")[4] == "11:30-12:30")
    page.select_clerk("1018")
    page.back_button.click()
    wait_for(qtbot, lambda: roster_row(console, "1018")[2].startswith("在岗待命"))
    actions = [entry["action"] for entry in live.client("manager").audit()]
    assert actions.count("roster") == 3
