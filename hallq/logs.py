"""Logging for every ``hallq`` command: one line per event worth reading, in a rotating file with
a size cap when asked for, and the libraries' chatter (Alembic's "Running upgrade" lines,
SQLAlchemy, uvicorn's per-request access lines, httpx) quiet unless ``--verbose``."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY_LIBRARIES = ("alembic", "sqlalchemy", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "asyncio")
PRINTED = "printed"  # extra={PRINTED: True}: already on stdout
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUP_COUNT = 5  # with the default cap: at most 60 MB of logs, ever


def _pool_failure_in_one_line(record: logging.LogRecord) -> bool:
    """SQLAlchemy's pool logs a traceback each time it cannot roll back a connection handed back to
    it ("Exception during reset or similar"); while the database is down that is every pooled
    connection, and the outage is already said once (server/outage.py). The pool drops such a
    connection itself: one line with the error is all a reader needs."""
    if record.name.startswith("sqlalchemy.pool") and record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        first_line = (str(error).strip().splitlines() or [""])[0]
        record.msg = f"{record.getMessage()}: {type(error).__name__}: {first_line}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


def configure_logging(
    verbose: bool = False,
    log_file: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backup_count: int = DEFAULT_BACKUP_COUNT,
) -> list[logging.Handler]:
    """Installs the handlers on the root logger (replacing earlier ones) and returns them."""
    if max_bytes < 1024:
        raise ValueError("日志文件上限至少 1 KB / the log size cap must be at least 1 KB")
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    terminal = logging.StreamHandler()
    # A line the command already printed on stdout (the start line) goes to the file only: under
    # systemd both streams land in the journal, and one event is one line.
    terminal.addFilter(lambda record: not getattr(record, PRINTED, False))
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"))
    formatter = logging.Formatter(LINE_FORMAT)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(_pool_failure_in_one_line)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    return handlers
