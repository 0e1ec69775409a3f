"""The console's city tab (市级下发): read-only, what the city sent down and the city link's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from db.city_downlink import apply_version, record_check
from hall.catalogue import link_state
from manager.window import ManagerWindow
from tests.counter.live import LiveHall, wait_for
from tests.manager.test_console import console


def shown(qtbot: Any, window: ManagerWindow) -> dict[str, str]:
    window.city_page.status = None
    if window.tabs.currentWidget() is window.city_page:
        window.city_page.load()  # the 刷新 Refresh button's call
    else:
        window.tabs.setCurrentWidget(window.city_page)  # showing the tab loads it
    wait_for(qtbot, lambda: window.city_page.status is not None)
    return {key: label.text() for key, label in window.city_page.fields.items()}


def test_the_city_tab_says_a_hall_without_a_city_is_not_linked(qtbot: Any, live: LiveHall) -> None:
    fields = shown(qtbot, console(qtbot, live))
    assert fields["link.state"].startswith("未接入市级平台") and "not linked" in fields["link.state"]
    assert fields["catalogue.version"] == "尚未下发 none received yet"


def test_the_city_tab_shows_the_applied_versions_and_a_link_down(qtbot: Any, live: LiveHall) -> None:
    store, hall_id = live.hall.store, live.hall.hall_id
    apply_version(store, hall_id, "notices", 3, {"notices": ["本周六正常办公"]})
    record_check(store, hall_id, live.clock.now(), refused={"catalogue": "配置错误（items.A01.promised_days）：承诺时限应为 0–60 个工作日 / ..."})
    window = console(qtbot, live)
    fields = shown(qtbot, window)
    assert fields["link.state"] == "连通  up"
    assert fields["notices.version"] == "第 3 版  version 3" and fields["notices.list"] == "· 本周六正常办公"
    assert fields["catalogue.version"] == "尚未下发 none received yet" and "承诺时限" in fields["catalogue.refused"]
    assert fields["notices.refused"] == "无 none"

    record_check(store, hall_id, live.clock.now(), error="ConnectError: [Errno 111] Connection refused")
    fields = shown(qtbot, window)
    assert fields["link.state"].startswith("中断") and "Connection refused" in fields["link.poll"]
    assert "承诺时限" in fields["catalogue.refused"]  # a failed poll leaves the last refusal as it was


def test_a_link_silent_for_minutes_is_not_called_up() -> None:
    now = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    status = {"configured": True, "poll": {"checked_at": (now - timedelta(minutes=10)).isoformat(), "last_error": ""}}
    tone, words = link_state(status, now)
    assert tone == "quiet" and "10 分钟" in words.zh and "10 min" in words.en
    status["poll"]["checked_at"] = (now - timedelta(seconds=20)).isoformat()
    assert link_state(status, now)[0] == "up"
