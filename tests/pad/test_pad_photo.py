"""岗位公示 on the pad's idle screen and the window screen, against a live hall: the clerk's photo
arrives (fetched and decoded off the GUI thread), a new photo replaces it, a clerk without one
shows their initial, and the post line names the window, the A/B post and what it serves."""

from __future__ import annotations

from typing import Any

from display.app import create_window as create_display
from pad.app import create_window as create_pad
from tests.counter.live import LiveHall
from ui.avatars import avatar_png
from ui.posts import WindowPost


def test_the_pad_shows_the_photo_of_the_clerk_on_duty(qtbot: Any, live: LiveHall) -> None:
    manager = live.client("manager")
    manager.set_clerk_photo("1003", avatar_png("1003"))
    pad: Any = create_pad(live.url, live.token("pad", 3), 3)
    live.widgets.append(pad)
    qtbot.waitUntil(lambda: pad.clerk_photo.text() == "—", timeout=10_000)  # nobody at window 3 yet

    live.clerk_client(3, "1003")
    qtbot.waitUntil(lambda: pad.photo.pixmap is not None, timeout=10_000)
    shown = pad.clerk_photo.pixmap()
    assert not shown.isNull() and (shown.width(), shown.height()) == (pad.clerk_photo.width(), pad.clerk_photo.height())
    assert pad.clerk_photo.text() == ""  # the photo, not the initial
    assert "3号窗口" in pad.clerk_post.text() and "A岗" in pad.clerk_post.text() and "办理：" in pad.clerk_post.text()
    first = shown.toImage()

    manager.set_clerk_photo("1003", avatar_png("another drawing"))  # config_changed: the pad refetches
    qtbot.waitUntil(lambda: pad.photo.pixmap is not None and pad.photo.pixmap.toImage() != first, timeout=10_000)

    manager.remove_clerk_photo("1003")
    qtbot.waitUntil(lambda: pad.photo.pixmap is None, timeout=10_000)
    pad.render()
    assert pad.clerk_photo.text() == pad.clerk_name.text()[:1]  # back to the initial


def test_the_window_screen_shows_the_photo_and_what_the_window_serves(qtbot: Any, live: LiveHall) -> None:
    live.client("manager").set_clerk_photo("1005", avatar_png("1005"))
    screen: Any = create_display(live.url, live.token("display"), "window", window_number=5, voice_url=None)
    live.widgets.append(screen)
    live.clerk_client(5, "1005")
    qtbot.waitUntil(lambda: screen.screen.photo is not None, timeout=10_000)
    assert screen.screen.serves_text.startswith("办理 Serves：")
    screen.screen.grab()  # paints the card with the photo without error


def test_the_post_follows_the_events() -> None:
    snapshot = {
        "categories": [
            {"series": "A", "name_zh": "社保", "name_en": "Social insurance"},
            {"series": "B", "name_zh": "税务", "name_en": "Tax"},
        ],
        "windows": [{"number": 3, "name_zh": "综合窗口", "name_en": "General", "primary": ["A"], "secondary": [], "post": "A"}],
    }
    post = WindowPost.from_snapshot(snapshot, 3)
    assert post.text().zh == "3号窗口 综合窗口 · A岗 · 办理：社保"
    post = post.on_event("window_categories_changed", {"window": 3, "primary": ["A"], "secondary": ["B"]})
    post = post.on_event("clerk_logged_in", {"window": 3, "post": "B"})
    assert post.text().en == "Window 3 General · post B · serves: Social insurance, Tax (also)"
    assert post.on_event("clerk_logged_out", {"window": 4}) is post
    assert "岗" not in post.on_event("clerk_logged_out", {"window": 3}).text().zh.split(" · ")[1]
