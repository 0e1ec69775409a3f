"""The citizens' phone page in a real browser: Debian's headless Chromium loads it from a running
server, runs its script, and gives back the page as drawn (DOM) or a screenshot. Used by the
tests and by ``python -m workbench.phone_page DIR`` to regenerate the README's phone screenshots.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PHONE_SIZE = (412, 1200)   # a common Android phone's CSS viewport, tall enough for the whole page


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError("找不到 chromium（make test 会安装） / chromium not found (make test installs it)")
    return found


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        "--virtual-time-budget=4000",   # the page's script fetches the status, then polls every 3 s
        f"--window-size={PHONE_SIZE[0]},{PHONE_SIZE[1]}", *extra, url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


def rendered_dom(url: str) -> str:
    """The page's DOM after its script ran."""
    return _run(url, "--dump-dom").stdout


def screenshot(url: str, path: Path) -> Path:
    _run(url, f"--screenshot={path}")
    return path


def main(argv: list[str] | None = None) -> int:
    """Regenerate docs/phone-*.png: a waiting ticket with its guide, and the same ticket called."""
    import tempfile
    from datetime import UTC, datetime

    from hall.clock import FakeClock
    from server.client import HallClient
    from server.runner import ServerThread, prepare_hall

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC)), synchronous="NORMAL")
        server = ServerThread(hall.store).start()
        try:
            enroll = hall.store.enroll_device
            kiosk = HallClient(server.url, enroll(None, hall.hall_id, "kiosk", "k")["token"])
            counter = HallClient(server.url, enroll(None, hall.hall_id, "counter", "c2", 2)["token"])
            clerk = HallClient(server.url, counter.login("1002", "1002")["token"])
            for _ in range(3):
                kiosk.issue("A")
            ticket = kiosk.issue("A", items=["A01"])
            url = f"{server.url}/t/{ticket['public_id']}"
            screenshot(url, out / "phone-guide.png")
            for _ in range(3):
                clerk.call_next(2)
                clerk.start(2)
                clerk.finish(2, "immediate")
            clerk.call_next(2)
            screenshot(url, out / "phone-called.png")
        finally:
            server.stop()
            hall.engines.dispose()
    print(f"phone page screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
