"""The transfer list's rules without Qt: states, counts, closed windows and the warnings."""

from __future__ import annotations

from typing import Any

from counter.transfer_targets import transfer_targets, transfer_warning
from hall.serving import Staffing


def snapshot() -> dict[str, Any]:
    return {
        "categories": [
            {"series": "A", "name_zh": "投资建设项目", "name_en": "Investment", "waiting": 4, "serving_windows": [1, 2]},
            {"series": "B", "name_zh": "商事登记", "name_en": "Business", "waiting": 7, "serving_windows": []},
        ],
        "windows": [
            {"number": 1, "name_zh": "投资项目窗口", "name_en": "Investment", "staffing": "serving", "primary": ["A"], "secondary": ["B"]},
            {"number": 2, "name_zh": "投资项目窗口", "name_en": "Investment", "staffing": "paused", "primary": ["A"], "secondary": []},
            {"number": 3, "name_zh": "商事登记窗口", "name_en": "Business", "staffing": "unstaffed", "primary": ["B"], "secondary": []},
            {"number": 4, "name_zh": "商事登记窗口", "name_en": "Business", "staffing": "closed", "primary": ["B"], "secondary": []},
        ],
    }


def by_key(own: int | None = 1) -> dict[str, Any]:
    return {target.key: target for target in transfer_targets(snapshot(), own)}


def test_categories_first_then_the_other_windows() -> None:
    assert list(by_key()) == ["series:A", "series:B", "window:2", "window:3", "window:4"]
    assert "window:1" in by_key(own=None)


def test_a_category_shows_its_queue_and_who_serves_it_and_never_warns() -> None:
    targets = by_key()
    a, b = targets["series:A"], targets["series:B"]
    assert a.detail.zh == "等候 4 人 · 2 个窗口在办（1、2号）" and a.detail.en == "4 waiting · 2 window(s) serving (1, 2)"
    assert b.detail.zh == "等候 7 人 · 暂无窗口在办"
    assert a.enabled and b.enabled and a.warning is None and b.warning is None, "a category is always a valid target"


def test_a_window_shows_its_staffing_and_the_waits_of_its_categories() -> None:
    targets = by_key(own=None)
    assert targets["window:1"].detail.zh == "服务中 · 等候 11 人（A 4 · B 7）"
    assert targets["window:1"].warning is None and targets["window:1"].staffing is Staffing.SERVING
    assert targets["window:2"].detail.zh == "暂停 · 等候 4 人（A 4）"
    assert targets["window:3"].detail.zh == "无人在岗 · 等候 7 人（B 7）" and targets["window:3"].detail.en == "no clerk · 7 waiting (B 7)"


def test_a_closed_window_is_listed_but_cannot_be_chosen() -> None:
    closed = by_key()["window:4"]
    assert not closed.enabled and closed.detail.zh == "关闭 · 不能转入" and "cannot" in closed.detail.en


def test_unstaffed_and_paused_windows_ask_first() -> None:
    targets = by_key()
    assert targets["window:3"].warning.zh == "3号窗口当前无人在岗，转过去的群众可能无人办理。仍要转移吗？"
    assert "Transfer anyway?" in targets["window:3"].warning.en
    assert "暂停服务中" in targets["window:2"].warning.zh
    assert transfer_warning(5, Staffing.SERVING) is None
    assert transfer_warning(5, Staffing.UNSTAFFED).zh.startswith("5号窗口当前无人在岗")


def test_a_snapshot_without_staffing_counts_an_open_window_as_unstaffed() -> None:
    old = {"categories": [], "windows": [{"number": 2, "state": "open"}, {"number": 3, "state": "closed"}]}
    targets = {t.key: t for t in transfer_targets(old, 1)}
    assert targets["window:2"].staffing is Staffing.UNSTAFFED and targets["window:2"].warning is not None
    assert not targets["window:3"].enabled
