"""大字/长者模式, 读给我听 and materials first, on a real hall server with the Dummy printer and the
recording voice: a citizen goes the whole way in large mode to a printed ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.flow import PrintState, Step
from kiosk.large_pages import CHOICES_PER_PAGE
from tests.kiosk.test_window import TIMEOUT, button, click
from ui.voice_player import RecordingPlayer


def voiced_kiosk(make_kiosk: Any, tmp_path: Path, voice: str | None = None, **kwargs: Any) -> Any:
    return make_kiosk(
        "dummy://?mode=raster",
        voice_url=voice or f"record://{tmp_path / 'voice'}",
        speaker_lock=tmp_path / "locks",
        player=RecordingPlayer(),
        **kwargs,
    )


def said(window: Any) -> list[str]:
    """What the kiosk's voice has played so far (rendered by the recording backend, played in turn)."""
    return [line.phrase.text for line in window.guidance.said]


def test_large_mode_end_to_end_to_a_printed_ticket(qtbot: Any, make_kiosk: Any, tmp_path: Path) -> None:
    window = voiced_kiosk(make_kiosk, tmp_path)
    normal_tiles = len(window.category_buttons)
    click(qtbot, window.large_text_button)
    assert window.flow.large_text
    series = [str(c["series"]) for c in window.flow.categories]
    pages = -(-len(series) // CHOICES_PER_PAGE)
    # home: three big tiles a page (the sample hall's nine categories → three pages), not the whole grid in bigger letters
    assert normal_tiles == len(series) > CHOICES_PER_PAGE and len(window.category_buttons) == CHOICES_PER_PAGE
    assert window.page.findChild(QLabel, "page-count").text() == f"第 1 / {pages} 页"
    assert not button(window, "page-previous").isEnabled()
    name_sizes = [label.font().pointSize() for tile in window.category_buttons.values() for label in tile.findChildren(QLabel)]
    assert max(name_sizes) >= 44
    assert all(tile.height() >= 200 for tile in window.category_buttons.values())
    # the screen is read aloud by itself: title, then each tile with its queue
    qtbot.waitUntil(lambda: "请选择办理业务" in said(window), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: any(line.startswith(f"{series[0]} ") for line in said(window)), timeout=TIMEOUT)
    click(qtbot, button(window, "page-next"))
    assert list(window.category_buttons) == series[CHOICES_PER_PAGE : 2 * CHOICES_PER_PAGE]
    assert window.page.findChild(QLabel, "page-count").text() == f"第 2 / {pages} 页"
    qtbot.waitUntil(lambda: any(line.startswith(f"{series[CHOICES_PER_PAGE]} ") for line in said(window)), timeout=TIMEOUT)
    click(qtbot, button(window, "page-previous"))
    click(qtbot, window.category_buttons["C"])
    # items: a few big rows, a big 返回 and the small skip
    assert window.flow.step is Step.ITEMS
    items = [b for b in window.page.findChildren(QPushButton) if b.objectName().startswith("item-")]
    assert 1 <= len(items) <= CHOICES_PER_PAGE
    assert button(window, "skip-items").height() < button(window, "back").height()
    click(qtbot, button(window, "item-C01"))
    # the materials list (一次性告知) comes first, with a clear 取号
    assert window.flow.step is Step.MATERIALS
    take = button(window, "materials-next")
    assert "取号" in take.text() and take.property("kind") == "go"
    qtbot.waitUntil(lambda: any(line.startswith("1，") for line in said(window)), timeout=TIMEOUT)  # materials read out
    click(qtbot, take)
    assert window.flow.step is Step.CONFIRM
    click(qtbot, window.confirm_button)
    qtbot.waitUntil(lambda: window.flow.step is Step.DONE, timeout=TIMEOUT)
    assert window.flow.print_state is PrintState.PRINTED
    assert len(window.printer.output.escpos.output) > 1000  # the slip reached the Dummy printer
    number = window.flow.ticket["number"]
    qtbot.waitUntil(lambda: f"您的号码：{number}" in said(window), timeout=TIMEOUT)
    assert window.large_text_button.text().startswith("大字模式")
    click(qtbot, button(window, "finish"))
    assert window.flow.step is Step.HOME and not window.flow.large_text  # the next citizen starts normal
    assert len(window.category_buttons) == len(series)


def test_large_mode_lasts_the_session_and_resets_at_idle(qtbot: Any, make_kiosk: Any, tmp_path: Path) -> None:
    window = voiced_kiosk(make_kiosk, tmp_path)
    click(qtbot, window.large_text_button)
    click(qtbot, window.contrast_button)
    click(qtbot, window.category_buttons["C"])
    click(qtbot, button(window, "back"))
    assert window.flow.large_text and window.flow.high_contrast  # kept while the citizen moves about
    window.flow.last_touch -= window.flow.IDLE_SECONDS + 1
    window._tick()
    assert not window.flow.large_text and not window.flow.high_contrast
    assert len(window.category_buttons) == len(window.flow.categories)


def test_read_aloud_on_request_in_normal_mode(qtbot: Any, make_kiosk: Any, tmp_path: Path) -> None:
    window = voiced_kiosk(make_kiosk, tmp_path)
    qtbot.wait(300)
    assert said(window) == []  # normal mode reads nothing unasked
    click(qtbot, window.read_aloud_button)
    qtbot.waitUntil(lambda: len(said(window)) >= 1 + len(window.flow.categories), timeout=TIMEOUT)
    assert said(window)[0] == "请选择办理业务"
    assert any(line.startswith("C，") for line in said(window))


def test_read_aloud_without_a_voice_says_so(qtbot: Any, make_kiosk: Any, tmp_path: Path) -> None:
    window = voiced_kiosk(make_kiosk, tmp_path, voice="silent://")
    click(qtbot, window.read_aloud_button)
    assert window.flow.message is not None
    assert window.flow.message.zh.startswith("语音播报不可用") and window.flow.message.en.startswith("Voice guidance unavailable")


def test_materials_come_before_the_ticket(qtbot: Any, make_kiosk: Any) -> None:
    window = make_kiosk()
    click(qtbot, window.category_buttons["C"])
    item = button(window, "item-C01")
    skip = button(window, "skip-items")
    # the skip is a small, plain way out; choosing the item is the obvious one
    assert skip.property("kind") == "secondary" and skip.height() < item.height()
    assert skip.font().pointSize() < item.font().pointSize()
    click(qtbot, item)
    assert window.flow.step is Step.MATERIALS
    materials = [label.text() for label in window.page.findChildren(QLabel)]
    assert any(text.startswith("1.") for text in materials)
    take = button(window, "materials-next")
    assert take.property("kind") == "go" and "取号" in take.text()
    click(qtbot, take)
    assert window.flow.step is Step.CONFIRM and window.flow.pending.items == ("C01",)
