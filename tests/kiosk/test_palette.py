"""WCAG 2.1 AA for the kiosk's colours, normal and high contrast (高对比度): every text/background
pair comes from the palette the pages and the style sheet are built from, and the rendered pages
use no colour the palette does not have."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk.palette import AA_LARGE_TEXT, AA_TEXT, HIGH_CONTRAST, NORMAL, KioskPalette, contrast_ratio

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=lambda p: p.name)
def test_every_pair_passes_aa(palette: KioskPalette) -> None:
    pairs = palette.text_pairs()
    assert len({p.name for p in pairs}) == len(pairs)
    failing = [f"{p.name}: {p.foreground} on {p.background} = {p.ratio:.2f} < {p.required}" for p in pairs if p.ratio < p.required]
    print(f"\n{palette.name}: " + ", ".join(f"{p.name} {p.ratio:.1f}" for p in pairs))
    assert not failing, failing
    assert {p.required for p in pairs} <= {AA_TEXT, AA_LARGE_TEXT}


def test_high_contrast_is_higher_contrast() -> None:
    normal = {p.name: p.ratio for p in NORMAL.text_pairs()}
    high = {p.name: p.ratio for p in HIGH_CONTRAST.text_pairs()}
    assert min(high.values()) >= 7.0  # AAA for the body text and more
    assert sum(high.values()) > sum(normal.values())


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=lambda p: p.name)
def test_the_style_sheet_uses_only_palette_colours(palette: KioskPalette) -> None:
    assert set(c.lower() for c in HEX.findall(palette.stylesheet())) <= set(palette.colours().values())


def test_the_pages_write_no_colour_literals() -> None:
    for name in ("pages.py", "large_pages.py", "window.py"):
        assert not HEX.findall((KIOSK / name).read_text(encoding="utf-8")), name


def test_rendered_pages_draw_text_in_palette_pairs(qtbot: Any, make_kiosk: Any) -> None:
    window = make_kiosk()
    for high_contrast in (False, True):
        if window.flow.high_contrast != high_contrast:
            qtbot.mouseClick(window.contrast_button, Qt.MouseButton.LeftButton)
        palette = HIGH_CONTRAST if high_contrast else NORMAL
        foregrounds = {p.foreground for p in palette.text_pairs()}
        for step_action in (lambda: None, lambda: window.flow.choose_category("C"), lambda: window.flow.choose_item("C01")):
            window._intent(step_action)()
            colours = {
                m.lower()
                for label in window.findChildren(QLabel)
                if label.isVisible()
                for m in re.findall(r"color: (#[0-9a-fA-F]{6})", label.styleSheet())
            }
            assert colours <= foregrounds, colours - foregrounds
        window._intent(window.flow.end_session)()
        assert not window.flow.high_contrast  # the end of a session restores the hall's defaults
