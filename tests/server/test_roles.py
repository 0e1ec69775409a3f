"""Every call checks the device's role and window (DESIGN.md §5)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Rating
from server.client import ApiError, HallClient
from tests.server.conftest import HallServer


def refused(call, status: int, code: str | None = None) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as caught:
        call()
    error = caught.value
    assert error.status == status, error
    if code:
        assert error.code == code, error
    assert error.zh and error.en
    return error


def test_tokens_are_required_and_checked(hall_server: HallServer) -> None:
    hs = hall_server
    anonymous = hs.client(None)
    refused(anonymous.snapshot, 401, "no_token")
    refused(lambda: anonymous.issue("A"), 401, "no_token")
    bogus = hs.client("x" * 43)
    refused(bogus.snapshot, 401, "bad_token")
    refused(lambda: bogus.call_next(1), 401, "bad_token")
    # a revoked device is refused from then on
    kiosk = hs.kiosk("to be revoked")
    device_id = kiosk.me()["device_id"]
    hs.manager.revoke(device_id)
    refused(lambda: kiosk.issue("A"), 401, "bad_token")


def test_each_role_does_only_its_own_work(hall_server: HallServer) -> None:
    hs = hall_server
    kiosk, display, counter1 = hs.kiosk(), hs.display(), hs.counter(1)
    ticket = kiosk.issue("A")
    refused(lambda: kiosk.call_next(1), 403, "forbidden")
    refused(lambda: display.issue("A"), 403, "forbidden")
    refused(lambda: display.call_next(1), 403, "forbidden")
    refused(lambda: kiosk.rate(1, "satisfied"), 403, "forbidden")
    refused(lambda: kiosk.enroll("kiosk", "sneaky"), 403, "forbidden")
    refused(lambda: hs.manager.login("1001", "1001"), 403, "forbidden")
    # a counter device cannot call before a clerk logs in, nor do clerk work
    refused(lambda: counter1.call_next(1), 403, "forbidden")
    refused(lambda: counter1.start(1), 403, "forbidden")
    refused(lambda: counter1.issue("A"), 403, "forbidden")
    refused(lambda: counter1.login("1001", "9999"), 401, "bad_login")
    assert hs.manager.ticket(ticket["id"])["status"] == "waiting"


def test_a_clerk_acts_only_at_the_window_they_logged_in_at(hall_server: HallServer) -> None:
    hs = hall_server
    hs.kiosk().issue("A")
    clerk1 = hs.clerk(1)
    refused(lambda: clerk1.call_next(2), 403, "other_window")
    refused(lambda: clerk1.pause(2, "休息"), 403, "other_window")
    refused(lambda: clerk1.open_window(20), 403, "other_window")
    called = clerk1.call_next(1)
    assert called["ticket"] is not None
    refused(lambda: clerk1.finish(2, "immediate"), 403, "other_window")
    # a clerk cannot rate, not even their own service
    clerk1.start(1)
    finished = clerk1.finish(1, "immediate")
    refused(lambda: clerk1.rate(finished["service_id"], "very_satisfied"), 403, "forbidden")
    # after logout the session token is dead
    clerk1.logout()
    refused(lambda: clerk1.call_next(1), 401, "bad_token")


def test_a_pad_rates_only_its_own_windows_latest_service_once(hall_server: HallServer) -> None:
    hs = hall_server
    kiosk = hs.kiosk()
    for series in ("A", "A", "B"):
        kiosk.issue(series)
    clerk1, clerk3 = hs.clerk(1), hs.clerk(3)
    pad1, pad3 = hs.pad(1), hs.pad(3)

    clerk1.call_next(1)
    in_progress = clerk1.start(1)["service_id"]
    refused(lambda: pad1.rate(in_progress, "very_satisfied"), 409, "service_not_finished")
    older = clerk1.finish(1, "immediate")["service_id"]
    clerk1.call_next(1)
    clerk1.start(1)
    latest = clerk1.finish(1, "immediate")["service_id"]
    clerk3.call_next(3)
    clerk3.start(3)
    service3 = clerk3.finish(3, "immediate")["service_id"]

    refused(lambda: pad1.rate(older, "very_satisfied"), 409, "rating_closed")
    refused(lambda: pad3.rate(latest, "very_satisfied"), 403, "other_window")
    key = HallClient.new_key()
    rating = pad1.rate(latest, "very_satisfied", key=key)
    assert rating["service_id"] == latest
    assert pad1.rate(latest, "very_satisfied", key=key) == rating  # a retry is answered, not counted twice
    refused(lambda: pad1.rate(latest, "satisfied"), 409, "already_rated")
    refused(lambda: pad1.rate(service3, "satisfied"), 403, "other_window")
    assert pad3.rate(service3, "satisfied")["service_id"] == service3
    with hs.engines.read.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Rating)).scalar_one() == 2
