"""The phone status page in a real browser (headless Chromium): the ticket's promises kept — the
item's 办事指南 and full materials list beside the live status — and an unmissable "请到 N 号窗口"
when the ticket is called, withdrawn again when it is transferred away."""

from __future__ import annotations

import re

from tests.counter.live import LiveHall, live, live_template  # noqa: F401 - fixtures
from workbench.phone_page import rendered_dom


def _text(dom: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', dom, re.S)
    return match.group(1).strip() if match else ""


def test_guide_materials_and_the_call_in_a_real_browser(live: LiveHall) -> None:  # noqa: F811
    ticket = live.issue("A", items=["A01"])
    url = f"{live.url}/t/{ticket['public_id']}"
    waiting = rendered_dom(url)
    assert _text(waiting, "number") == ticket["number"]
    assert "企业投资项目备案" in waiting and "项目备案申请表" in waiting and "企业营业执照复印件" in waiting   # every material, not "N more"
    assert "发展和改革局" in waiting and "2 个工作日" in waiting
    assert "暂无窗口在办理" in waiting          # nobody logged in: no "约 0 分钟"
    assert 'class="called"' not in waiting

    clerk = live.clerk_client(1, "1001")
    clerk.call_next(1)
    called = rendered_dom(url)
    assert re.search(r'<body class="called"', called)
    assert _text(called, "callout-go") == "请到 1 号窗口"

    clerk.transfer(1, to_window=5)
    moved = rendered_dom(url)
    assert not re.search(r'<body class="called"', moved)
    assert "1 号窗口" not in _text(moved, "calls")  # the withdrawn call left "now calling" too
