"""One truth and device health in the manager console, against a real hall server: a window
nobody is at never shows 服务中, a queue nobody serves raises the advisor's UNSERVED alert until a
clerk logs in, a kiosk's printer running out of paper shows in the 告警 and 终端 tabs within
seconds and clears when it reports OK, and the audit log reads that change as a sentence."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from PySide6.QtCore import Qt

from db.backup import backup
from hall.devices import SILENT_SECONDS
from manager.window import ManagerWindow
from server.backups import NightlyBackups
from tests.counter.live import LiveHall, wait_for
from tests.manager.test_console import console
from ui import theme

PAPER_OUT = {"printer": {"state": "paper_out", "detail": ""}}
PRINTER_OK = {"printer": {"state": "ok", "detail": ""}}


def kiosk_id(live: LiveHall) -> int:
    live.token("kiosk")
    return next(d["id"] for d in live.client("manager").devices() if d["role"] == "kiosk")


def category_row(window: ManagerWindow, series: str) -> list[str]:
    table = window.live_page.category_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == series)
    return [table.item(row, c).text() for c in range(table.columnCount())]


def device_cells(window: ManagerWindow, device_id: int) -> list[Any]:
    table = window.devices_page.device_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == str(device_id))
    return [table.item(row, c) for c in range(table.columnCount())]


def test_a_window_nobody_is_at_is_never_shown_serving(qtbot: Any, live: LiveHall) -> None:
    window = console(qtbot, live)
    card = window.live_page.cards[5]
    assert card.clerk.text() == "未登录 no clerk"
    assert card.state.text() == "无人在岗" and "服务中" not in card.state.text()
    assert theme.GREEN not in card.state.styleSheet() and theme.GREEN not in card.styleSheet()
    assert window.live_page.cards[20].state.text() == "关闭"
    live.clerk_client(5, "1005")
    wait_for(qtbot, lambda: card.state.text() == "服务中")
    assert theme.GREEN in card.state.styleSheet() and "1005" in card.clerk.text()
    assert window.live_page.cards[6].state.text() == "无人在岗"  # its neighbour still has nobody


def test_a_queue_nobody_serves_is_alerted_until_a_clerk_logs_in(qtbot: Any, live: LiveHall) -> None:
    live.issue("C", advance=30)
    live.issue("C", advance=30)
    window = console(qtbot, live)
    wait_for(qtbot, lambda: "unserved:C:" in window.alert_keys())
    text = next(t for t in window.alerts_page.alert_texts() if t.startswith("不动产登记"))
    assert "没有在岗窗口办理" in text
    # the count, on a bilingual label or (in a font another test left larger) a compact one
    assert window.tabs.tabText(3).startswith("告警") and " (" in window.tabs.tabText(3)
    row = category_row(window, "C")
    assert (row[2], row[4], row[6]) == ("2", "无窗口 —", "0")  # waiting, predicted, serving windows
    assert "C" in window.over_target_series()
    live.clerk_client(5, "1005")
    wait_for(qtbot, lambda: "unserved:C:" not in window.alert_keys())
    row = category_row(window, "C")
    assert row[6] == "1（5号）" and row[4] != "无窗口 —"


def test_a_kiosk_out_of_paper_is_alerted_within_seconds_and_clears_when_fixed(qtbot: Any, live: LiveHall) -> None:
    device = kiosk_id(live)
    window = console(qtbot, live)
    window.tabs.setCurrentWidget(window.devices_page)
    wait_for(qtbot, lambda: device_cells(window, device)[6].text() == "未上线")
    kiosk = live.client("kiosk")
    kiosk.heartbeat(PAPER_OUT)
    key = f"device:{device}:printer"
    wait_for(qtbot, lambda: key in window.alert_keys(), timeout=10_000)
    item = window.alerts_page.alert_list.item(window.alert_keys().index(key))
    assert item.text().startswith("取号机「kiosk」打印机缺纸")
    assert item.foreground().color().name() == theme.RED
    # the count, on a bilingual label or (in a font another test left larger) a compact one
    assert window.tabs.tabText(3).startswith("告警") and " (" in window.tabs.tabText(3)
    health, seen = device_cells(window, device)[6:8]
    assert health.text() == "在线，打印机缺纸" and health.foreground().color().name() == theme.RED
    assert seen.text() == "11-17 10:00:00"  # the server's clock, in the hall's time (Asia/Shanghai)
    kiosk.heartbeat(PRINTER_OK)
    wait_for(qtbot, lambda: key not in window.alert_keys(), timeout=10_000)
    wait_for(qtbot, lambda: device_cells(window, device)[6].text() == "在线，打印机正常")
    assert device_cells(window, device)[6].foreground().color().name() == theme.GREEN


def test_the_console_beats_too(qtbot: Any, live: LiveHall) -> None:
    """The console drives no devices but says it is up, so another console sees it online."""
    window = console(qtbot, live)
    console_id = next(d["id"] for d in live.client("manager").devices() if d["role"] == "manager")
    wait_for(qtbot, lambda: any(d["id"] == console_id for d in window.devices) and device_cells(window, console_id)[6].text() == "在线")
    assert device_cells(window, console_id)[7].text() == "11-17 10:00:00"


def test_the_console_notices_without_an_event(qtbot: Any, live: LiveHall) -> None:
    """A silent device raises no event: the devices list is read every few seconds anyway, and a
    device not heard from for SILENT_SECONDS (server time) is an alert."""
    device = kiosk_id(live)
    window = console(qtbot, live)
    assert window.events is not None
    window.events.event_received.disconnect(window._on_event)
    kiosk = live.client("kiosk")
    kiosk.heartbeat({"printer": {"state": "paper_low", "detail": ""}})
    key = f"device:{device}:printer"
    wait_for(qtbot, lambda: key in window.alert_keys(), timeout=10_000)
    item = window.alerts_page.alert_list.item(window.alert_keys().index(key))
    assert item.foreground().color().name() == theme.AMBER  # paper low: a warning
    live.clock.advance(SILENT_SECONDS + 5)
    window.refresh()  # the next snapshot tells the console the server's time
    wait_for(qtbot, lambda: f"device:{device}:silent" in window.alert_keys(), timeout=10_000)
    assert key not in window.alert_keys()  # an offline kiosk's last word on its paper no longer counts
    kiosk.heartbeat(PRINTER_OK)
    wait_for(qtbot, lambda: not any(k.startswith(f"device:{device}:") for k in window.alert_keys()), timeout=10_000)


def test_a_device_health_change_reads_as_a_sentence_in_the_audit_log(qtbot: Any, live: LiveHall) -> None:
    live.client("kiosk").heartbeat(PAPER_OUT)
    window = console(qtbot, live)
    window.tabs.setCurrentWidget(window.audit_page)
    table = window.audit_page.audit_table

    def health_rows() -> list[int]:
        return [r for r in range(table.rowCount()) if table.item(r, 2).text() == "设备状态 device_health"]

    wait_for(qtbot, health_rows)
    cell = table.item(health_rows()[0], 3)
    assert cell.text() == "取号机「kiosk」：打印机由正常变为缺纸"
    assert "{" not in cell.text() and cell.toolTip() == "kiosk kiosk: printer working → out of paper"
    # a change while the tab is shown appears by itself
    live.client("kiosk").heartbeat(PRINTER_OK)
    wait_for(qtbot, lambda: len(health_rows()) == 2)
    assert table.item(health_rows()[0], 3).text() == "取号机「kiosk」：打印机由缺纸变为正常"
    assert not any("{" in (table.item(r, 3).text()) for r in range(table.rowCount()))
    assert Qt.ItemFlag.ItemIsEditable not in table.item(0, 3).flags()


def test_repeated_wrong_pins_alert_the_manager(qtbot: Any, live: LiveHall) -> None:
    """Issue 15: a lockout after repeated wrong PINs is an alert in the 告警 tab, in both languages."""
    from server.client import ApiError

    window = console(qtbot, live)
    counter = live.client("counter", 3)
    for _ in range(5):
        try:
            counter.login("1003", "000000")
        except ApiError:
            pass
    wait_for(qtbot, lambda: any(key.startswith("login:") for key in window.alert_keys()), timeout=10_000)
    text = next(t for t in window.alerts_page.alert_texts() if "登录失败" in t)
    assert "3号窗口连续 5 次登录失败" in text and "failed logins at window 3" in text


def test_no_backup_for_two_days_is_alerted_and_the_last_backup_shown(qtbot: Any, live: LiveHall, tmp_path: Any) -> None:
    directory = tmp_path / "backups"
    directory.mkdir()
    # backups were scheduled three days ago (by the hall's clock) and none has been made since
    (directory / "scheduled-since").write_text((live.clock.now() - timedelta(days=3)).isoformat(), encoding="utf-8")
    nightly = NightlyBackups(live.hall.engines.url, directory, time(2, 30), live.hall.config.hours.zone, live.clock)
    live.server.app.state.backups = nightly
    window = console(qtbot, live)
    wait_for(qtbot, lambda: "backup:stale" in window.alert_keys(), timeout=10_000)
    text = next(t for t in window.alerts_page.alert_texts() if "备份" in t)
    assert text.startswith("已 3.0 天没有成功的数据库备份") and "no good database backup for 3.0 days" in text
    assert window.alerts_page.backup_line.text().startswith("尚无成功的数据库备份")

    backup(nightly.url, directory, live.clock.now())  # `hallq db backup`, or tonight's run
    window.load_devices()
    wait_for(qtbot, lambda: "backup:stale" not in window.alert_keys(), timeout=10_000)
    assert window.alerts_page.backup_line.text().startswith("最近一次成功备份：2026-11-17 10:")
