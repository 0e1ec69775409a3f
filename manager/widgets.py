"""Small Qt pieces the console's tabs share: a read-only table cell and a row-selecting table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QTableWidget, QTableWidgetItem, QWidget

from server.client import ApiError, Download
from ui.worker import run_in_background


def table_item(text: Any, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def make_table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class SavesDownloads:
    """Writes an export the server sent to the file the manager chose, off the GUI thread, and
    says how it went. For views with ``_say(ok, zh, en, both=False)`` and the ``file_saved`` /
    ``query_failed`` signals (the reports and the attendance views)."""

    file_saved: Any
    query_failed: Any
    _say: Callable[..., None]

    def _write(self, download: Download, path: Path) -> None:
        def saved(_result: Any) -> None:
            self._say(True, f"已保存 {path}", f"Saved {path}")
            self.file_saved.emit(str(path))

        def failed(error: Exception) -> None:
            self._say(False, f"文件无法保存：{error}", f"The file could not be saved: {error}", both=True)

        run_in_background(lambda: path.write_bytes(download.content), saved, failed)

    def _export_failed(self, error: ApiError) -> None:
        self._say(False, f"导出失败：{error.zh}", f"Export failed: {error.en}", both=True)
        self.query_failed.emit(error.code)


def ask_save_path(parent: QWidget, title: str, name: str, filters: str, chosen: Callable[[Path], None]) -> QFileDialog:
    """An open (non-blocking) save dialog proposing ``name``; ``chosen`` gets the path picked."""
    dialog = QFileDialog(parent, title, name, filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # the same everywhere, and testable
    dialog.selectFile(name)
    dialog.fileSelected.connect(lambda selected: chosen(Path(selected)))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
