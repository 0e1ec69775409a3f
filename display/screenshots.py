"""Regenerate the display screenshots in docs/ (a developer tool, not part of the display).

Starts a hall server in-process on a fixed Tuesday morning, issues tickets, logs clerks in and
calls numbers through the real API, then saves ``widget.grab()`` of the hall screen (landscape
1920×1080 read from 10 m and from 5 m on a 55-inch screen, portrait 1080×1920, and right after a transfer withdrew the latest call) and of a
window screen in each phase (no clerk, called, serving, paused)::

    QT_QPA_PLATFORM=offscreen python -m display.screenshots [docs]
"""

from __future__ import annotations

from hall.legibility import ViewingSpec
from server.client import HallClient
from ui.avatars import avatar_png
from ui.screenshots import screenshot_hall, wait_until


def main(argv: list[str] | None = None) -> int:
    from display.app import create_window

    with screenshot_hall(argv) as shot:
        app, out, clock, server = shot.app, shot.out, shot.clock, shot.server
        store, hid = shot.hall.store, shot.hall.hall_id
        kiosk = HallClient(server.url, store.enroll_device(None, hid, "kiosk", "k1")["token"])
        display_token = store.enroll_device(None, hid, "display", "d1")["token"]
        for series, count in (("A", 6), ("B", 9), ("C", 12), ("D", 7), ("E", 3), ("F", 4), ("G", 5), ("H", 2), ("J", 1)):
            for _ in range(count):
                kiosk.issue(series)
                clock.advance(20)
        manager = HallClient(server.url, store.enroll_device(None, hid, "manager", "m1")["token"])
        for staff in ("1001", "1002", "1003", "1004", "1005", "1006"):
            manager.set_clerk_photo(staff, avatar_png(staff))  # drawn avatars, as in the demo (岗位公示)
        clerks: dict[int, HallClient] = {}
        for window, staff in ((1, "1001"), (3, "1002"), (5, "1003"), (8, "1004"), (11, "1005"), (13, "1006")):
            counter = HallClient(server.url, store.enroll_device(None, hid, "counter", f"c{window}", window)["token"])
            clerks[window] = HallClient(server.url, counter.login(staff, staff)["token"])
        hall_screen = create_window(server.url, display_token, "hall", voice_url=None, layout="landscape", clock=clock.now)
        portrait = create_window(server.url, display_token, "hall", voice_url=None, layout="portrait", clock=clock.now)
        near = create_window(server.url, display_token, "hall", voice_url=None, clock=clock.now, viewing=ViewingSpec(5, 55))
        window_screen = create_window(server.url, display_token, "window", window_number=5, voice_url=None, clock=clock.now)
        unstaffed = create_window(server.url, display_token, "window", window_number=7, voice_url=None, clock=clock.now)
        for w in (hall_screen, portrait, near, window_screen, unstaffed):
            w.show()
        wait_until(app, lambda: all(w.model.has_snapshot for w in (hall_screen, portrait, near, window_screen, unstaffed)))
        unstaffed.grab().save(str(out / "display-window-no-clerk.png"))
        for window in (1, 3, 8, 11, 13, 5):
            clerks[window].call_next(window)
            clock.advance(45)
        wait_until(
            app,
            lambda: (
                hall_screen.model.latest_call is not None
                and hall_screen.model.latest_call.window == 5
                and portrait.model.latest_call is not None
                and portrait.model.latest_call.window == 5
                and near.model.latest_call is not None
                and near.model.latest_call.window == 5
            ),
        )
        for w in (hall_screen, portrait, near):
            w.screen.flash_on = False
            w.screen._flash.stop()
            w.screen._ticker.stop()
            w.screen._ticker_offset = w.width() * 0.95  # the ticker's text well on screen
            w.screen.update()
        app.processEvents()
        hall_screen.grab().save(str(out / "display-hall-landscape.png"))
        portrait.grab().save(str(out / "display-hall-portrait.png"))
        near.grab().save(str(out / "display-hall-landscape-5m.png"))
        window_screen.screen._flash.stop()
        window_screen.screen.flash_on = False
        window_screen.grab().save(str(out / "display-window-called.png"))
        clerks[5].start(5)
        wait_until(app, lambda: window_screen.model.windows[5].current_status == "serving")
        wait_until(app, lambda: window_screen.screen.photo is not None)  # fetched and decoded off the GUI thread
        window_screen.grab().save(str(out / "display-window.png"))
        window_screen.grab().save(str(out / "display-window-photo.png"))
        clerks[5].finish(5, "immediate")
        clerks[5].pause(5, "AB岗交接，3分钟内返回")
        wait_until(app, lambda: window_screen.model.windows[5].paused)
        window_screen.grab().save(str(out / "display-window-paused.png"))
        # The latest call (13 at window 13... then 5) is withdrawn by a transfer: the big call
        # goes back to the newest call that still stands.
        transferred = clerks[13].transfer(13, to_window=5, note="需不动产窗口")["number"]
        wait_until(app, lambda: transferred not in [c.number for c in hall_screen.model.recent])
        hall_screen.screen.flash_on = False
        hall_screen.screen._flash.stop()
        app.processEvents()
        hall_screen.grab().save(str(out / "display-hall-after-transfer.png"))
        for w in (hall_screen, portrait, near, window_screen, unstaffed):
            w.close()
    print(f"screenshots written to {out}/display-*.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
