"""``hallq city hall add / set / list``: the operator's word on each hall, and bad input refused
in both languages without a change."""

from __future__ import annotations

from typing import Any

from hallq.cli import main


def test_halls_are_added_changed_and_listed(city_url: str, capsys: Any) -> None:
    assert main(["city", "hall", "add", "cd-01", "--database", city_url, "--name", "城东区政务服务中心", "--district", "城东区"]) == 0
    assert main(["city", "hall", "set", "cd-01", "--database", city_url, "--address", "人民路 1 号"]) == 0
    assert main(["city", "hall", "add", "cx-01", "--database", city_url, "--name", "城西区政务服务中心", "--district", "城西区"]) == 0
    capsys.readouterr()
    assert main(["city", "hall", "list", "--database", city_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["cd-01\t城东区\t城东区政务服务中心\t人民路 1 号", "cx-01\t城西区\t城西区政务服务中心\t-"]


def test_bad_input_is_refused_in_both_languages_and_changes_nothing(city_url: str, capsys: Any) -> None:
    assert main(["city", "hall", "add", "cd-01", "--database", city_url, "--name", "甲"]) == 0
    assert main(["city", "hall", "set", "nowhere", "--database", city_url, "--name", "乙"]) == 2
    assert "尚未登记" in capsys.readouterr().err
    assert main(["city", "hall", "set", "cd-01", "--database", city_url, "--district", "区" * 61]) == 2
    assert "too long" in capsys.readouterr().err
    assert main(["city", "hall", "add", "cd-01", "--database", city_url]) == 2
    assert "已登记" in capsys.readouterr().err
    main(["city", "hall", "list", "--database", city_url])
    assert capsys.readouterr().out.splitlines() == ["cd-01\t-\t甲\t-"]
