"""Real parts for the serial tests: a socat pty pair, and a helper that waits for a condition.

``SocatPair`` starts ``socat -d -d pty,raw,echo=0 pty,raw,echo=0`` and reads the two pty names
from socat's own log (its stderr), so the tests use exactly the devices socat made. It also asks
socat for stable symlinks beside them, so a test can kill socat and start it again to make a
port vanish and come back under the same name.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PTY_LINE = re.compile(r"PTY is (\S+)")


def wait_for(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


class SocatPair:
    """Two connected ptys. ``a``/``b`` are the /dev/pts names socat reported for this run;
    ``link_a``/``link_b`` are symlinks that stay the same across :meth:`restart`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.link_a = str(workdir / "bus-server")
        self.link_b = str(workdir / "bus-devices")
        self.a = ""
        self.b = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._runs = 0

    def start(self) -> None:
        self._runs += 1
        log_path = self.workdir / f"socat-{self._runs}.log"
        with log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.link_a}", f"pty,raw,echo=0,link={self.link_b}"],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            names = PTY_LINE.findall(text)
            if len(names) == 2 and "starting data transfer loop" in text:
                self.a, self.b = names
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"socat did not report two ptys:\n{log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def socat_pair(tmp_path: Path) -> Iterator[SocatPair]:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed (apt install socat)")
    pair = SocatPair(tmp_path)
    pair.start()
    try:
        yield pair
    finally:
        pair.stop()
