"""The ``hallq db`` commands end to end through the command line: backup, upgrade (with its own
backup first), restore, and a bilingual refusal for a missing backup file."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hallq.cli import main


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """``main`` installs its own log handlers; later tests get pytest's back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def _tickets(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM tickets").fetchone()[0])


def test_db_commands_end_to_end(template_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "hall.db"
    shutil.copyfile(template_db, database)
    url = f"sqlite:///{database}"
    with sqlite3.connect(database) as connection:
        before = _tickets(database)
        connection.execute("PRAGMA journal_mode=WAL")

    assert main(["db", "backup", "--database", url, "--keep", "2"]) == 0
    made = capsys.readouterr().out
    assert "备份完成并已校验" in made and "backup made and verified" in made
    backup_files = sorted((tmp_path / "backups").glob("hallq-*.db"))
    assert len(backup_files) == 1

    assert main(["db", "upgrade", "--database", url, "--backup-dir", str(tmp_path / "before-upgrade")]) == 0
    assert "database upgraded" in capsys.readouterr().out
    assert len(list((tmp_path / "before-upgrade").glob("hallq-*.db"))) == 1

    assert main(["db", "restore", str(backup_files[0]), "--database", url]) == 0
    assert "restored from the backup" in capsys.readouterr().out
    assert _tickets(database) == before

    assert main(["db", "restore", str(tmp_path / "no-such.db"), "--database", url]) == 2
    refused = capsys.readouterr().err
    assert "找不到备份文件" in refused and "no such backup file" in refused
