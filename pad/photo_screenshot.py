"""Regenerate docs/pad-idle-photo.png: the pad's idle screen (岗位公示) with the clerk's photo
(a developer tool, not part of the pad). A hall server runs in-process on a fixed Tuesday
morning; the manager uploads the sample clerk's drawn avatar and the clerk logs in at window 3::

    QT_QPA_PLATFORM=offscreen python -m pad.photo_screenshot [docs]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.avatars import avatar_png
from ui.screenshots import wait_until
from ui.theme import apply_theme


def main(argv: list[str] | None = None) -> int:
    from pad.app import create_window

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            store, hid = hall.store, hall.hall_id
            manager = HallClient(server.url, store.enroll_device(None, hid, "manager", "m1")["token"])
            manager.set_clerk_photo("1003", avatar_png("1003"))
            counter = HallClient(server.url, store.enroll_device(None, hid, "counter", "c3", 3)["token"])
            counter.login("1003", "1003")
            for language in ("zh", "en"):
                pad: Any = create_window(
                    server.url, store.enroll_device(None, hid, "pad", f"p3{language}", 3)["token"], 3, language=language
                )
                pad.show()
                wait_until(app, lambda pad=pad: pad.photo.pixmap is not None and pad.clerk_post.text() != "")
                name = "pad-idle-photo.png" if language == "zh" else "pad-idle-photo-en.png"
                pad.grab().save(str(out / name))
                pad.close()
        finally:
            server.stop()
    print(f"screenshots written to {out}/pad-idle-photo*.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
