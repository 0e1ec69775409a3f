"""Counter large mode: the day's figures wrap only between pieces, never inside 基本满意."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextLayout, QTextOption

from counter.texts import WORD_JOINER, figures_parts
from counter.work_panel import WorkPanel
from hall.tickets import RATING_NAMES
from ui.text import Language

TODAY = {"served": 12, "average_service_minutes": 7.5, "ratings": {"very_satisfied": 3, "basic": 1}}


def laid_out_lines(panel: WorkPanel) -> list[str]:
    """The figures label's text broken into lines as Qt lays it out at the label's width."""
    label = panel.figures_label
    layout = QTextLayout(label.text(), label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    lines: list[str] = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.contentsRect().width())
        lines.append(label.text()[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return [line.replace(WORD_JOINER, "").replace("\u00a0", " ").strip() for line in lines]


@pytest.mark.parametrize(("code", "width"), [("zh", 640), ("zh", 420), ("zh", 300), ("en", 640), ("en", 360)])
def test_rating_names_never_split_across_lines_in_large_mode(qtbot, code: str, width: int) -> None:
    panel = WorkPanel(Language(code))
    qtbot.addWidget(panel)
    panel.apply_mode(compact=False)
    panel.render_figures(TODAY)
    panel.resize(width, 400)
    panel.show()
    qtbot.waitExposed(panel)

    lines = laid_out_lines(panel)
    assert len(lines) >= 2 or width >= 640  # narrow panels do wrap, so the check below means something
    pieces = [part.zh if code == "zh" else part.en for part in figures_parts(TODAY)]
    for piece in pieces:
        assert any(piece in line for line in lines), f"{piece!r} split across {lines!r}"
    names = [name.zh if code == "zh" else name.en for name in RATING_NAMES.values()]
    assert all(any(name in line for line in lines) for name in names)
