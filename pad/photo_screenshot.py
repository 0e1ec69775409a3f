"""Regenerate docs/pad-idle-photo.png: the pad's idle screen (岗位公示) with the clerk's photo
(a developer tool, not part of the pad). A hall server runs in-process on a fixed Tuesday
morning; the manager uploads the sample clerk's drawn avatar and the clerk logs in at window 3::

    QT_QPA_PLATFORM=offscreen python -m pad.photo_screenshot [docs]
"""

from __future__ import annotations

from typing import Any

from server.client import HallClient
from ui.avatars import avatar_png
from ui.screenshots import screenshot_hall, wait_until


def main(argv: list[str] | None = None) -> int:
    from pad.app import create_window

    with screenshot_hall(argv) as shot:
        app, server, store, hid = shot.app, shot.server, shot.hall.store, shot.hall.hall_id
        manager = HallClient(server.url, store.enroll_device(None, hid, "manager", "m1")["token"])
        manager.set_clerk_photo("1003", avatar_png("1003"))
        counter = HallClient(server.url, store.enroll_device(None, hid, "counter", "c3", 3)["token"])
        counter.login("1003", "1003")
        for language in ("zh", "en"):
            pad: Any = create_window(server.url, store.enroll_device(None, hid, "pad", f"p3{language}", 3)["token"], 3, language=language)
            pad.show()
            wait_until(app, lambda pad=pad: pad.photo.pixmap is not None and pad.clerk_post.text() != "")
            name = "pad-idle-photo.png" if language == "zh" else "pad-idle-photo-en.png"
            pad.grab().save(str(shot.out / name))
            pad.close()
    print(f"screenshots written to {shot.out}/pad-idle-photo*.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
