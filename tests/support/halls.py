"""Hall configurations, clocks and a ``hallq server`` subprocess for server tests and benchmarks.

A server subprocess runs on the real system clock, so its hall must accept walk-ins whatever
the day and hour the test happens to run: :func:`always_open` turns any configuration into one
that is open every day, around the clock.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx

from hall.config import SAMPLE_HALL_PATH, ClerkConfig, HallConfig, HoursConfig, TimeRange, load_sample_hall

REPO = Path(__file__).resolve().parents[2]
# A Tuesday, 10:00 in Asia/Shanghai: regular hours in the sample hall.
TUESDAY_10AM = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
ALL_DAY = TimeRange(dtime(0, 0), dtime(23, 59, 59, 999999))


def always_open(config: HallConfig | None = None) -> HallConfig:
    config = config or sample_hall_hashed()
    hours = dataclasses.replace(
        config.hours or HoursConfig(), workdays=(1, 2, 3, 4, 5, 6, 7), regular=(ALL_DAY,), closed_dates=(), lunch=None, extended=None
    )
    return dataclasses.replace(config, hours=hours)


@functools.cache
def sample_hall_hashed() -> HallConfig:
    """The sample hall with its clerks' PINs hashed once per process: importing a hall hashes
    every plain PIN with argon2 (slow on purpose), which would cost seconds per test."""
    return with_hashed_pins(load_sample_hall())


def with_hashed_pins(config: HallConfig) -> HallConfig:
    from concurrent.futures import ThreadPoolExecutor

    from db.security import hash_pin

    def hashed(clerk: ClerkConfig) -> ClerkConfig:
        return dataclasses.replace(clerk, pin=None, pin_hash=hash_pin(clerk.pin)) if clerk.pin else clerk

    with ThreadPoolExecutor(4) as pool:
        clerks = tuple(pool.map(hashed, config.clerks))
    return dataclasses.replace(config, clerks=clerks)


def write_always_open_sample(path: Path) -> Path:
    """The sample hall's TOML with hours open every day, all day (for ``hallq server --config``)."""
    text = SAMPLE_HALL_PATH.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^workdays = .*$", "workdays = [1, 2, 3, 4, 5, 6, 7]", text, count=1)
    text = re.sub(r"(?m)^regular = .*$", 'regular = ["00:00-23:59:59.999999"]', text, count=1)
    text = re.sub(r"(?m)^lunch = .*$", "", text, count=1)
    text = re.sub(r"(?m)^extended = .*$", "", text, count=1)
    text = re.sub(r"(?m)^closed_dates = .*$", "closed_dates = []", text, count=1)
    path.write_text(text, encoding="utf-8")
    return path


class RunningClock:
    """Real time that started at a fixed instant: timestamps advance (so service intervals can
    be compared) but the business day and hours are the same whenever the test runs."""

    def __init__(self, start: datetime = TUESDAY_10AM) -> None:
        self._start = start
        self._t0 = time.monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + self._offset + timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta


class ServerProcess:
    """``python -m hallq server`` as a child process on 127.0.0.1 (killable with SIGKILL)."""

    def __init__(
        self,
        database_url: str,
        config_path: Path | None = None,
        port: int | None = None,
        log_path: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        from tests.support.pg import free_port

        self.database_url = database_url
        self.config_path = config_path
        self.port = port or free_port()
        self.log_path = log_path
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServerProcess:
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting (start several, then ``wait_ready`` each)."""
        command = [sys.executable, "-m", "hallq", "server", "--database", self.database_url, "--port", str(self.port)]
        if self.config_path is not None:
            command += ["--config", str(self.config_path)]
        command += list(self.extra_args)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._log_file = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 60.0) -> ServerProcess:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hallq server exited with {self.process.returncode}: {self.log_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"hallq server did not answer within {timeout}s: {self.log_text()[-2000:]}")

    def log_text(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")
        return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing — a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file not in (None, subprocess.DEVNULL):
            self._log_file.close()  # type: ignore[union-attr]
        self._log_file = None
