"""Logs: rotation under a size cap, migrations and library chatter quiet unless --verbose."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import make_engines
from db.schema import upgrade
from hallq.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def test_log_files_rotate_under_the_cap(tmp_path: Path, restore_logging: None) -> None:
    log_file = tmp_path / "logs" / "hallq.log"
    configure_logging(log_file=log_file, max_bytes=4096, backup_count=3)
    for number in range(2000):
        logging.getLogger("hallq.server").info("取号 A%04d issued at the kiosk", number)
    files = sorted(log_file.parent.iterdir())
    assert [f.name for f in files] == ["hallq.log", "hallq.log.1", "hallq.log.2", "hallq.log.3"]
    assert all(f.stat().st_size <= 4096 for f in files)
    assert "A1999" in log_file.read_text(encoding="utf-8")  # the newest line is in the current file


@pytest.mark.parametrize("verbose", [False, True])
def test_migrations_are_quiet_unless_verbose(tmp_path: Path, restore_logging: None, verbose: bool) -> None:
    log_file = tmp_path / "hallq.log"
    configure_logging(verbose=verbose, log_file=log_file)
    engines = make_engines(f"sqlite:///{tmp_path}/fresh.db", synchronous="NORMAL")
    try:
        upgrade(engines)
    finally:
        engines.dispose()
    running_lines = [line for line in log_file.read_text(encoding="utf-8").splitlines() if "Running upgrade" in line]
    assert (len(running_lines) >= 9) if verbose else (running_lines == [])


def test_a_log_cap_too_small_is_refused(restore_logging: None) -> None:
    with pytest.raises(ValueError, match="至少"):
        configure_logging(max_bytes=10)


def test_a_pool_that_cannot_reset_a_dead_connection_logs_one_line(tmp_path: Path, restore_logging: None) -> None:
    """During a database outage every pooled connection fails its rollback; one line each, no traceback."""
    log_file = tmp_path / "hallq.log"
    configure_logging(log_file=log_file)
    try:
        raise ConnectionError("server closed the connection unexpectedly\nThis probably means ...")
    except ConnectionError:
        logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Exception during reset or similar", exc_info=True)
    logging.getLogger("hallq.server").error("a failure of our own keeps its traceback", exc_info=ValueError("x"))
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    pool_line = next(line for line in text.splitlines() if "Exception during reset" in line)
    assert "WARNING" in pool_line and "ConnectionError: server closed the connection unexpectedly" in pool_line
    assert "This probably means" not in text and text.count("Traceback") == 0
    assert "ValueError: x" in text
