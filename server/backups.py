"""The hall server's own nightly backup (the default schedule): at a configured hall-local time
it takes a verified backup (db/backup.py), keeps the newest ``keep``, and remembers the outcome
for ``GET /api/backup`` and the manager's alert. Hosts that prefer a systemd timer run
``hallq db backup`` instead and start the server with ``--backup-at off``.

The schedule is re-read from the clock every ``poll_seconds`` rather than slept towards in one
go, so an NTP step forward runs the due backup once and a step back only delays it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from db import backup as backups
from db.engine import private_directory
from hall.clock import Clock
from hall.text import HallRuleError
from server.limits import trim_malloc

log = logging.getLogger(__name__)


def parse_backup_time(text: str) -> time | None:
    """``HH:MM`` in hall time, or ``off``."""
    if text.strip().lower() == "off":
        return None
    try:
        return time.fromisoformat(text.strip())
    except ValueError as error:
        raise HallRuleError(
            "bad_backup_time", f"备份时间应为 HH:MM 或 off，而不是「{text}」", f"the backup time must be HH:MM or off, not {text!r}"
        ) from error


class NightlyBackups:
    def __init__(self, url: str, directory: Path, at: time, zone: ZoneInfo, clock: Clock, keep: int = backups.DEFAULT_KEEP) -> None:
        self.url = url
        self.directory = directory
        self.at = at
        self.zone = zone
        self.clock = clock
        self.keep = keep
        self.since = self._scheduled_since(clock.now())
        self.last_error: dict[str, str] | None = None
        self._due = self.next_run(self.since)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _scheduled_since(self, now: datetime) -> datetime:
        """When backups were first scheduled here, kept in the backup folder: a server restarted
        every morning must not restart the two days it has before "no backup" is an alert."""
        marker = self.directory / "scheduled-since"
        try:
            return datetime.fromisoformat(marker.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            pass
        try:
            private_directory(self.directory)
            marker.write_text(now.isoformat(), encoding="utf-8")
        except OSError as error:  # a read-only or full disk: the backup itself will say so
            log.warning("cannot record when backups were scheduled: %s", error)
        return now

    def next_run(self, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        due = datetime.combine(local.date(), self.at, self.zone)
        return due if due > local else due + timedelta(days=1)

    def run_now(self) -> backups.BackupRecord | None:
        """One backup; a failure (disk full, a read-only folder) is remembered, logged and alerted, not raised."""
        try:
            record = backups.backup(self.url, self.directory, self.clock.now(), keep=self.keep)
        except (HallRuleError, OSError) as error:
            zh, en = (error.message.zh, error.message.en) if isinstance(error, HallRuleError) else (str(error), str(error))
            self.last_error = {"at": self.clock.now().isoformat(), "zh": zh, "en": en}
            log.error("nightly backup failed: %s", en)
            return None
        self.last_error = None
        log.info("backup made and verified: %s (%d tickets)", record.path, record.tickets)
        return record

    def tick(self) -> bool:
        """Runs the backup if it is due; returns whether it ran."""
        now = self.clock.now()
        if now < self._due:
            if self._due - now > timedelta(days=1, minutes=1):  # the clock stepped back a long way
                self._due = self.next_run(now)
            return False
        self.run_now()
        self._due = self.next_run(now)
        trim_malloc()  # the night's peak (the copy, the day's caches) is free now: hand it back
        return True

    def status(self) -> dict[str, Any]:
        last = backups.latest(self.directory)
        return {
            "enabled": True,
            "since": self.since.isoformat(),
            "next_at": self._due.isoformat(),
            "directory": str(self.directory),
            "last": None
            if last is None
            else {"taken_at": last.taken_at, "tickets": last.tickets, "size_bytes": last.size_bytes, "file": Path(last.path).name},
            "last_error": self.last_error,
        }

    def start(self, poll_seconds: float = 60.0) -> NightlyBackups:
        def loop() -> None:
            while not self._stop.wait(poll_seconds):
                self.tick()

        self._thread = threading.Thread(target=loop, name="hallq-backups", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
