"""Credentials that end (issue 15): a clerk's session ends on device revocation, deactivation,
PIN change, the day's rollover and idle time; logins lock out with back-off, every failure is
audited, an unknown staff number costs what a wrong PIN costs; the last manager console cannot
be revoked; one clerk is logged in at one window at most, by the database's word."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from statistics import median

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import db.windows_clerks
from db.config_ops import ConfigStore
from db.engine import make_engines
from db.models import AuditEntry, ClerkSession, Device, Hall, LoginFailure
from db.security import dummy_pin_hash, hash_pin
from hall.text import HallRuleError
from tests.db.conftest import HallEnv
from tests.support.at_once import at_once

NEXT_MORNING = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # 09:00 Wed in Shanghai, the day after START


def login_token(env: HallEnv, window: int, staff_no: str | None = None) -> str:
    staff_no = staff_no or str(1000 + window)
    return str(env.store.login(env.counter(window), staff_no, staff_no)["token"])


def open_sessions(env: HallEnv) -> list[ClerkSession]:
    return env.rows(ClerkSession, ClerkSession.ended_at.is_(None))


def ended(env: HallEnv, token_window: int) -> ClerkSession:
    (row,) = env.rows(ClerkSession, ClerkSession.window_id == env.window_id(token_window))
    return row


# ------------------------------------------------------------------------------ sessions end


def test_revoking_a_counter_ends_the_clerk_session_begun_at_it(hall_env: HallEnv) -> None:
    env = hall_env
    token = login_token(env, 1)
    other = login_token(env, 2)
    assert env.store.authenticate(token) is not None  # resolved and cached
    seq = env.last_seq()
    env.store.revoke_device(env.manager, env.counter(1).device_id)  # type: ignore[arg-type]
    assert env.store.authenticate(token) is None
    assert env.store.authenticate(other) is not None  # another counter's clerk keeps working
    row = ended(env, 1)
    assert row.ended_at == env.clock.now() and row.end_reason == "revoked"
    events = env.events(seq)
    assert [e["kind"] for e in events] == ["clerk_logged_out", "device_revoked"]
    assert events[0]["data"] == {"window": 1, "clerk_id": env.clerk_id("1001"), "reason": "revoked"}


def test_a_revoked_counters_clerk_token_is_refused_even_if_its_session_row_stayed_open(env: HallEnv) -> None:
    """The token query itself checks the counter: a session left open (an old row) ends with it."""
    token = login_token(env, 1)
    with Session(env.hall.engines.write) as session, session.begin():
        session.execute(update(Device).where(Device.id == env.counter(1).device_id).values(revoked_at=env.clock.now()))
    env.store.forget_tokens()
    assert env.store.authenticate(token) is None


def test_deactivating_a_clerk_ends_their_session(hall_env: HallEnv) -> None:
    env = hall_env
    token = login_token(env, 3)
    assert env.store.authenticate(token) is not None
    env.store.upsert_clerk(env.manager, "1003", {"active": False})
    assert env.store.authenticate(token) is None
    assert ended(env, 3).end_reason == "deactivated"
    with env.refused("bad_login", 401):
        env.store.login(env.counter(3), "1003", "1003")


def test_a_pin_change_ends_the_session_and_the_old_pin(hall_env: HallEnv) -> None:
    env = hall_env
    token = login_token(env, 4)
    assert env.store.authenticate(token) is not None
    env.store.upsert_clerk(env.manager, "1004", {"pin": "4004"})
    assert env.store.authenticate(token) is None
    assert ended(env, 4).end_reason == "pin_changed"
    with env.refused("bad_login", 401):
        env.store.login(env.counter(4), "1004", "1004")
    assert env.store.login(env.counter(4), "1004", "4004")["window"] == 4


def test_editing_a_clerk_without_a_new_pin_keeps_the_session(env: HallEnv) -> None:
    token = login_token(env, 4)
    env.store.upsert_clerk(env.manager, "1004", {"department": "综合受理"})
    assert env.store.authenticate(token) is not None


def test_a_session_ends_at_the_days_rollover(env: HallEnv) -> None:
    token = login_token(env, 1)
    assert env.store.authenticate(token) is not None
    env.clock.set(NEXT_MORNING)
    # Before any write of the new day: the token is refused already, and its session ended.
    assert env.store.authenticate(token) is None
    assert ended(env, 1).end_reason == "rollover"
    assert open_sessions(env) == []


def test_the_rollover_ends_every_open_session(env: HallEnv) -> None:
    tokens = [login_token(env, n) for n in (1, 2)]
    env.clock.set(NEXT_MORNING)
    env.issue("A")  # the day's first write rolls over
    assert open_sessions(env) == []
    assert {r.end_reason for r in env.rows(ClerkSession)} == {"rollover"}
    assert [env.store.authenticate(t) for t in tokens] == [None, None]


def test_a_session_ends_after_the_halls_idle_time(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"clerk_idle_minutes": 30}})
    token = login_token(env, 1)
    for _ in range(4):  # in use every 25 minutes: kept, from the cache or the database
        env.advance(minutes=25)
        assert env.store.authenticate(token) is not None
    env.store.forget_tokens()  # another process's view: the row's last_seen_at
    env.advance(minutes=25)
    assert env.store.authenticate(token) is not None
    env.advance(minutes=31)
    assert env.store.authenticate(token) is None
    row = ended(env, 1)
    assert row.end_reason == "idle" and row.ended_at == env.clock.now()
    assert env.event_kinds()[-1] == "clerk_logged_out"


def test_an_idle_session_is_refused_from_the_cache_too(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"clerk_idle_minutes": 10}})
    token = login_token(env, 2)
    assert env.store.authenticate(token) is not None
    env.advance(minutes=11)
    found, _ = env.store.cached_actor(token)
    assert not found  # the server then asks authenticate, which ends it
    assert env.store.authenticate(token) is None


def test_idle_time_zero_means_no_idle_end(env: HallEnv) -> None:
    env.store.update_hall(env.manager, {"rules": {"clerk_idle_minutes": 0}})
    token = login_token(env, 2)
    env.advance(hours=5)
    assert env.store.authenticate(token) is not None


# ------------------------------------------------------------------------------ login throttle


def test_wrong_pins_lock_the_staff_number_out_with_back_off(hall_env: HallEnv) -> None:
    env = hall_env
    counter = env.counter(1)
    for attempt in range(5):
        with pytest.raises(HallRuleError) as caught:
            env.store.login(counter, "1001", f"99{attempt}9")
        assert caught.value.code == "bad_login"
    # locked: even the right PIN is refused, for a minute, without being looked at
    with pytest.raises(HallRuleError) as caught:
        env.store.login(counter, "1001", "1001")
    error = caught.value
    assert error.code == "login_locked" and error.status == 429 and error.retry_after == 60
    assert "分钟" in error.message.zh and "minute" in error.message.en
    env.advance(seconds=30)
    with pytest.raises(HallRuleError) as caught:
        env.store.login(env.counter(2), "1001", "1001")  # at another counter too
    assert caught.value.retry_after == 30
    env.advance(seconds=31)
    with pytest.raises(HallRuleError) as caught:
        env.store.login(counter, "1001", "0000")  # the sixth failure: two minutes
    assert caught.value.code == "bad_login"
    with pytest.raises(HallRuleError) as caught:
        env.store.login(counter, "1001", "1001")
    assert caught.value.retry_after == 120
    env.advance(seconds=121)
    assert env.store.login(counter, "1001", "1001")["window"] == 1
    assert env.rows(LoginFailure) == []  # a success clears the count


def test_two_hundred_wrong_pins_are_not_two_hundred_guesses(env: HallEnv) -> None:
    counter, refused = env.counter(1), []
    for attempt in range(200):
        try:
            env.store.login(counter, "1001", f"{attempt:04d}"[-4:] if attempt != 1 else "9999")
        except HallRuleError as error:
            refused.append(error.code)
    assert refused.count("bad_login") == 5 and refused.count("login_locked") == 195
    failed = env.rows(AuditEntry, AuditEntry.action == "login_failed")
    assert len(failed) == 5


def test_each_failure_is_audited_without_the_pin_and_a_lockout_alerts_the_manager(env: HallEnv) -> None:
    seq = env.last_seq()
    for pin in ("2468", "1357", "8642", "9753", "4826"):
        with pytest.raises(HallRuleError):
            env.store.login(env.counter(5), "1005", pin)
    failed = env.rows(AuditEntry, AuditEntry.action == "login_failed")
    assert [a.detail["failures"] for a in failed] == [1, 2, 3, 4, 5]
    assert all(a.detail["staff_no"] == "1005" and a.detail["window"] == 5 and a.detail["known"] for a in failed)
    for entry in failed:
        text = f"{entry.detail} {entry.reason}"
        assert not any(pin in text for pin in ("2468", "1357", "8642", "9753", "4826"))
    locked = env.rows(AuditEntry, AuditEntry.action == "login_locked")
    assert {a.detail["by"] for a in locked} == {"staff", "device"}
    alerts = [e for e in env.events(seq) if e["kind"] == "login_alert"]
    assert len(alerts) == 2 and alerts[0]["data"]["window"] == 5 and alerts[0]["data"]["seconds"] == 60
    assert "staff_no" not in alerts[0]["data"]  # events reach every screen


def test_one_device_is_locked_after_five_failures_whatever_the_staff_numbers(env: HallEnv) -> None:
    for staff_no in ("1001", "1002", "1003", "7777", "8888"):
        with pytest.raises(HallRuleError):
            env.store.login(env.counter(6), staff_no, "0909")
    with pytest.raises(HallRuleError) as caught:
        env.store.login(env.counter(6), "1006", "1006")
    assert caught.value.code == "login_locked"
    assert env.store.login(env.counter(7), "1007", "1007")["window"] == 7  # other counters are not


def test_unknown_staff_numbers_count_and_lock_like_known_ones(env: HallEnv) -> None:
    for window in range(1, 6):  # five counters: only the staff number's count reaches five
        with pytest.raises(HallRuleError) as caught:
            env.store.login(env.counter(window), "4242", "4242")
        assert caught.value.code == "bad_login"
    with pytest.raises(HallRuleError) as caught:
        env.store.login(env.counter(9), "4242", "4242")
    assert caught.value.code == "login_locked"
    assert [a.detail["known"] for a in env.rows(AuditEntry, AuditEntry.action == "login_failed")] == [False] * 5


def test_an_unknown_staff_number_costs_one_argon2_verification_like_a_wrong_pin(env: HallEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    verified: list[str] = []
    real = db.windows_clerks.verify_pin

    def counting(pin_hash: str, pin: str) -> bool:
        verified.append(pin_hash)
        return real(pin_hash, pin)

    monkeypatch.setattr(db.windows_clerks, "verify_pin", counting)
    for staff_no in ("1001", "9999"):
        with pytest.raises(HallRuleError) as caught:
            env.store.login(env.counter(1), staff_no, "5555")
        assert caught.value.code == "bad_login"
    assert len(verified) == 2 and verified[1] == dummy_pin_hash()
    # the dummy hash has the parameters of a PIN set for real
    assert verified[1].split("$")[3] == hash_pin("5555").split("$")[3]


def test_a_failed_login_takes_as_long_for_an_unknown_staff_number(env: HallEnv) -> None:
    """Measured loosely (interleaved, medians, a wide margin: this machine is shared): before, an
    unknown staff number answered in a fraction of a wrong PIN's time (no argon2 at all), telling
    which staff numbers exist."""
    env.store.upsert_clerk(env.manager, "1001", {"pin": "3579"})  # a hash with the real parameters
    dummy_pin_hash()

    def timed(window: int, staff_no: str) -> float:
        with env.hall.engines.write.begin() as connection:  # keep the throttle out of the way
            connection.execute(LoginFailure.__table__.delete())
        started = time.perf_counter()
        with pytest.raises(HallRuleError):
            env.store.login(env.counter(window), staff_no, "2222")
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(9):
        known.append(timed(1, "1001"))
        unknown.append(timed(1, "9001"))
    assert 0.5 < median(unknown) / median(known) < 2.0, (known, unknown)


# ------------------------------------------------------------------------------ PIN policy


def test_the_demo_hall_keeps_its_pins_a_real_hall_refuses_trivial_ones(env: HallEnv) -> None:
    assert env.rows(Hall)[0].demo  # the sample hall: PINs equal staff numbers
    env.store.upsert_clerk(env.manager, "3001", {"name": "新人", "pin": "3001"})
    with Session(env.hall.engines.write) as session, session.begin():
        session.execute(update(Hall).values(demo=False))
    for pin, why in (("3002", "至少"), ("300212", "工号"), ("111111", "简单"), ("123456", "简单"), ("987654", "简单"), ("121212", "简单")):
        with env.refused("bad_pin", 422) as caught:
            env.store.upsert_clerk(env.manager, "3002", {"name": "新人", "pin": pin})
        assert why in caught.value.message.zh, pin
    assert env.store.upsert_clerk(env.manager, "3002", {"name": "新人", "pin": "583920"})["staff_no"] == "3002"
    # a demo-free hall is not made a demo through the API
    env.store.update_hall(env.manager, {"name_zh": "真实大厅"})
    assert not env.rows(Hall)[0].demo


# ------------------------------------------------------------------------------ managers


def test_the_last_manager_console_cannot_be_revoked(hall_env: HallEnv) -> None:
    env = hall_env
    first = env.manager
    with env.refused("last_manager", 409) as caught:
        env.store.revoke_device(first, first.device_id)  # type: ignore[arg-type]
    assert "管理端" in caught.value.message.zh and "manager" in caught.value.message.en
    second = env.store.enroll_device(first, env.hall_id, "manager", "second console")
    env.store.revoke_device(first, first.device_id)  # type: ignore[arg-type]  # another one stays
    survivor = env.store.authenticate(second["token"])
    assert survivor is not None
    with env.refused("last_manager", 409):
        env.store.revoke_device(survivor, second["device_id"])


def test_two_managers_revoking_each_other_at_once_leave_one(hall_env: HallEnv) -> None:
    env = hall_env
    second = env.store.enroll_device(env.manager, env.hall_id, "manager", "second console")
    other = env.store.authenticate(second["token"])
    assert other is not None
    outcomes = at_once([lambda: env.store.revoke_device(env.manager, second["device_id"]), lambda: env.store.revoke_device(other, env.manager.device_id)])  # type: ignore[arg-type]
    assert sorted(type(o).__name__ for o in outcomes) == ["HallRuleError", "dict"]
    assert len([d for d in env.store.devices(env.hall_id) if d["role"] == "manager" and not d["revoked"]]) == 1


# ------------------------------------------------------------------------------ one clerk, one window


def test_the_database_refuses_a_second_open_session_for_a_clerk(hall_env: HallEnv) -> None:
    env = hall_env
    env.clerk(1)
    with Session(env.hall.engines.write) as session, pytest.raises(IntegrityError), session.begin():
        session.add(
            ClerkSession(
                hall_id=env.hall_id, clerk_id=env.clerk_id("1001"), window_id=env.window_id(2), token_hash="x" * 64, started_at=env.clock.now()
            )
        )


def test_one_clerk_logging_in_at_two_windows_at_once_stays_at_one(hall_env: HallEnv) -> None:
    """Two logins of one clerk at windows 5 and 6 at the same instant, through two stores (on
    PostgreSQL two engines, as two server processes have): one open session at the end, always."""
    env = hall_env
    other_engines = make_engines(env.hall.engines.url, synchronous="NORMAL") if env.hall.engines.is_postgres else env.hall.engines
    other = ConfigStore(other_engines, env.clock) if env.hall.engines.is_postgres else env.store
    counters = env.counter(5), env.counter(6)
    try:
        for _ in range(10):
            outcomes = at_once([lambda: env.store.login(counters[0], "1001", "1001"), lambda: other.login(counters[1], "1001", "1001")])
            assert all(isinstance(o, dict) or (isinstance(o, HallRuleError) and o.status < 500) for o in outcomes), outcomes
            mine = [s for s in open_sessions(env) if s.clerk_id == env.clerk_id("1001")]
            assert len(mine) == 1, outcomes
            env.store.logout(env.store.authenticate(next(o["token"] for o in outcomes if isinstance(o, dict) and o["session_id"] == mine[0].id)))  # type: ignore[arg-type]
    finally:
        if other_engines is not env.hall.engines:
            other_engines.dispose()
