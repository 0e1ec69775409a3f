"""岗位公示 photos over the API: the manager sets a clerk's photo; the pad and screen of the window
the clerk is logged in at fetch it; other roles and other windows are refused; bad files get a
bilingual 422 and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hall.clock import FakeClock
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer
from tests.support.halls import TUESDAY_10AM
from ui.avatars import avatar_png

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def hall(db_url: str, backend: str) -> Iterator[HallServer]:
    server = HallServer(db_url, backend, clock=FakeClock(TUESDAY_10AM))
    try:
        yield server
    finally:
        server.close()


def refused(call: object, status: int) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.status == status and caught.value.zh and caught.value.en, caught.value
    return caught.value


def test_the_clerk_on_duty_s_photo_reaches_their_window(hall: HallServer) -> None:
    photo = avatar_png("1003")
    stored = hall.manager.set_clerk_photo("1003", photo)
    assert stored["staff_no"] == "1003" and len(stored["photo"]) == 16
    pad = hall.pad(3)
    assert pad.window_clerk_photo(3) is None  # nobody logged in at window 3 yet
    hall.clerk(3)
    assert pad.window_clerk_photo(3) == photo
    assert hall.display().window_clerk_photo(3) == photo
    assert hall.manager.window_clerk_photo(3) == photo
    cards = {clerk["staff_no"]: clerk for clerk in hall.manager.request("GET", "/api/config/clerks")}
    assert cards["1003"]["photo"] == stored["photo"]  # clerk cards carry the tag: screens know when it changed

    hall.manager.remove_clerk_photo("1003")
    assert pad.window_clerk_photo(3) is None


def test_only_the_window_s_own_devices_and_the_manager(hall: HallServer) -> None:
    hall.manager.set_clerk_photo("1003", avatar_png("1003"))
    hall.clerk(3)
    assert refused(lambda: hall.pad(4).window_clerk_photo(3), 403).code == "other_window"
    assert refused(lambda: hall.counter(4).window_clerk_photo(3), 403).code == "other_window"
    assert refused(lambda: hall.kiosk().window_clerk_photo(3), 403).code == "forbidden"
    assert refused(lambda: hall.client(None).window_clerk_photo(3), 401).code == "no_token"
    assert refused(lambda: hall.pad(3).set_clerk_photo("1003", avatar_png("x")), 403).code == "forbidden"


def test_bad_files_are_refused_and_change_nothing(hall: HallServer) -> None:
    manager: HallClient = hall.manager
    photo = avatar_png("1003")
    manager.set_clerk_photo("1003", photo)
    hall.clerk(3)
    assert refused(lambda: manager.set_clerk_photo("1003", b"<html>not a photo</html>", "text/html"), 422).code == "photo_type"
    assert refused(lambda: manager.set_clerk_photo("1003", photo[:30]), 422).code == "photo_damaged"
    assert refused(lambda: manager.set_clerk_photo("1003", b""), 422).code == "photo_empty"
    assert refused(lambda: manager.set_clerk_photo("1003", photo + b"\0" * (600 * 1024)), 413).code == "body_too_large"
    assert refused(lambda: manager.set_clerk_photo("9999", photo), 404).code == "unknown_clerk"
    assert hall.pad(3).window_clerk_photo(3) == photo  # the stored photo is untouched
