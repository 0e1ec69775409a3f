"""Credentials that end, over HTTP (issue 15): a revoked counter's clerk, a deactivated clerk and
a clerk whose PIN changed are refused at once; repeated wrong PINs get 429 with Retry-After and
a message in both languages; the last manager console cannot revoke itself."""

from __future__ import annotations

import httpx
import pytest

from server.client import ApiError
from tests.server.conftest import HallServer


def refused(call, status: int, code: str) -> ApiError:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value
    assert caught.value.zh and caught.value.en and caught.value.zh != caught.value.en
    return caught.value


def test_a_revoked_counters_clerk_is_refused_at_once(hall_server: HallServer) -> None:
    hs = hall_server
    hs.kiosk().issue("A")
    clerk = hs.clerk(1)
    clerk.call_next(1)  # the token is resolved and cached
    device_id = clerk.me()["device_id"]  # the counter the clerk logged in at
    hs.manager.revoke(device_id)
    for call in (lambda: clerk.start(1), lambda: clerk.finish(1, "immediate"), lambda: clerk.call_next(1)):
        refused(call, 401, "bad_token")


def test_a_deactivated_clerk_and_a_new_pin_end_the_session(hall_server: HallServer) -> None:
    hs = hall_server
    deactivated, repinned = hs.clerk(2), hs.clerk(3)
    deactivated.me(), repinned.me()
    hs.manager.request("PUT", "/api/config/clerks/1002", {"active": False})
    hs.manager.request("PUT", "/api/config/clerks/1003", {"pin": "3003"})
    refused(deactivated.me, 401, "bad_token")
    refused(repinned.me, 401, "bad_token")
    assert hs.clerk(3, pin="3003").me()["window"] == 3


def test_wrong_pins_get_429_with_retry_after(hall_server: HallServer) -> None:
    hs = hall_server
    counter = hs.counter(4)
    for pin in ("0001", "0002", "0003", "0004", "0005"):
        refused(lambda pin=pin: counter.login("1004", pin), 401, "bad_login")
    response = httpx.post(
        f"{hs.url}/api/login", json={"staff_no": "1004", "pin": "1004"}, headers={"Authorization": f"Bearer {counter.token}"}
    )
    assert response.status_code == 429
    assert 55 <= int(response.headers["Retry-After"]) <= 60
    body = response.json()
    assert body["error"] == "login_locked" and "分钟" in body["message"]["zh"] and "minute" in body["message"]["en"]
    audit = [a for a in hs.manager.audit() if a["action"] in ("login_failed", "login_locked")]
    assert [a["action"] for a in audit].count("login_failed") == 5 and any(a["action"] == "login_locked" for a in audit)


def test_the_last_manager_cannot_revoke_itself(hall_server: HallServer) -> None:
    hs = hall_server
    me = hs.manager.me()["device_id"]
    refused(lambda: hs.manager.revoke(me), 409, "last_manager")
    assert hs.manager.devices()  # still a manager
