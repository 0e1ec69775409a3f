"""Windows (pause/resume, open/close, 窗口动态调整) and clerks (login, logout, A/B handover)."""

from __future__ import annotations

import pytest

from db.models import AuditEntry, ClerkSession, Pause, Window
from tests.db.conftest import HallEnv

# ------------------------------------------------------------------------------- pause / resume


def test_pause_and_resume_measure_the_pause(env: HallEnv) -> None:
    clerk = env.clerk(4)
    result = env.store.pause(clerk, 4, "离岗取材料")
    assert result["state"] == "paused" and result["since"] == env.clock.now().isoformat()
    (pause,) = env.rows(Pause)
    assert pause.window_id == env.window_id(4) and pause.clerk_id == env.clerk_id("1004") and pause.ended_at is None
    env.advance(seconds=150)
    resumed = env.store.resume(clerk, 4)
    assert resumed == {"window": 4, "state": "open", "paused_seconds": 150.0}
    (pause,) = env.rows(Pause)
    assert pause.ended_at == env.clock.now()
    assert env.event_kinds()[-2:] == ["window_paused", "window_resumed"]
    # a second pause is a new row
    env.store.pause(clerk, 4, "again")
    env.advance(minutes=4)
    assert env.store.resume(clerk, 4)["paused_seconds"] == 240.0
    assert len(env.rows(Pause)) == 2


def test_calling_while_paused_is_refused(env: HallEnv) -> None:
    env.issue("B")
    clerk = env.clerk(3)
    env.store.pause(clerk, 3, "break")
    with env.refused("window_paused") as caught:
        env.store.call_next(clerk, 3)
    assert "恢复" in caught.value.message.zh and "resume" in caught.value.message.en
    with env.refused("window_paused"):
        env.store.call_number(clerk, 3, "B001")
    with env.refused("window_not_open"):
        env.store.pause(clerk, 3, "twice")
    env.store.resume(clerk, 3)
    assert env.store.call_next(clerk, 3)["ticket"]["number"] == "B001"


def test_pause_refusals(env: HallEnv) -> None:
    env.issue("B")
    clerk = env.clerk(3)
    with env.refused("window_not_paused"):
        env.store.resume(clerk, 3)
    env.store.call_next(clerk, 3)
    with env.refused("window_busy"):
        env.store.pause(clerk, 3, "busy")
    with env.refused("window_not_open"):
        env.store.pause(env.manager, 20, "closed window")


def test_opening_a_paused_window_ends_its_pause(env: HallEnv) -> None:
    clerk = env.clerk(2)
    env.store.pause(clerk, 2, "tea")
    env.store.set_window_open(env.manager, 2, True)
    assert all(p.ended_at is not None for p in env.rows(Pause))
    env.store.pause(clerk, 2, "tea again")


# ------------------------------------------------------------------------------- open / close


def test_close_and_open_a_window(env: HallEnv) -> None:
    env.clerk(2)
    env.issue("A")
    result = env.store.set_window_open(env.manager, 1, False, reason="人手不足")
    assert result == {"window": 1, "state": "closed"}
    with env.refused("window_closed"):
        env.store.call_next(env.manager, 1)
    # fewer windows serve A now: window 2 only
    assert env.issue("A")["windows_serving"] == 1.0
    entry = env.rows(AuditEntry, AuditEntry.action == "window_close")[0]
    assert entry.detail == {"window": 1} and entry.reason == "人手不足" and entry.actor.startswith("manager:")
    env.store.set_window_open(env.manager, 20, True, reason="高峰")  # the reserve window
    assert env.rows(Window, Window.number == 20)[0].state == "open"
    assert env.store.call_next(env.manager, 20)["ticket"]["number"] == "A001"  # A is secondary at 20, C/E empty
    assert [e["data"] for e in env.events() if e["kind"] == "window_changed"] == [
        {"window": 1, "state": "closed"},
        {"window": 20, "state": "open"},
    ]


def test_closing_a_window_with_a_citizen_is_refused(env: HallEnv) -> None:
    env.issue("A")
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    with env.refused("window_busy"):
        env.store.set_window_open(env.manager, 2, False)


def test_closing_a_paused_window_ends_the_pause(env: HallEnv) -> None:
    clerk = env.clerk(2)
    env.store.pause(clerk, 2, "tea")
    env.advance(minutes=1)
    env.store.set_window_open(env.manager, 2, False)
    (pause,) = env.rows(Pause)
    assert pause.ended_at == env.clock.now()


# ------------------------------------------------------------------------------- 窗口动态调整


def test_set_window_categories_changes_what_the_window_calls(env: HallEnv) -> None:
    env.issue("A", advance=60)
    env.issue("C", advance=60)
    result = env.store.set_window_categories(env.manager, 2, ["C"], ["A"], reason="不动产排队长")
    assert result == {"window": 2, "primary": ["C"], "secondary": ["A"]}
    clerk = env.clerk(2)
    assert env.store.call_next(clerk, 2)["ticket"]["number"] == "C001"  # C is now primary at window 2
    entry = env.rows(AuditEntry, AuditEntry.action == "reallocate")[0]
    assert entry.detail == {
        "window": 2,
        "before": {"primary": ["A"], "secondary": []},
        "after": {"primary": ["C"], "secondary": ["A"]},
    }
    assert entry.reason == "不动产排队长" and entry.actor.startswith("manager:")
    changed = [e for e in env.events() if e["kind"] == "window_categories_changed"]
    assert changed[0]["data"] == {"window": 2, "primary": ["C"], "secondary": ["A"]}
    snapshot_window = next(w for w in env.store.snapshot(env.hall_id)["windows"] if w["number"] == 2)
    assert (snapshot_window["primary"], snapshot_window["secondary"]) == (["C"], ["A"])


def test_a_window_without_the_category_stops_calling_it(env: HallEnv) -> None:
    env.issue("A")
    env.store.set_window_categories(env.manager, 2, ["G"], [])
    assert env.store.call_next(env.clerk(2), 2)["ticket"] is None


def test_set_window_categories_refusals_change_nothing(env: HallEnv) -> None:
    with env.refused("bad_categories", 422):
        env.store.set_window_categories(env.manager, 1, ["A"], ["A"])
    with env.refused("not_found", 404):
        env.store.set_window_categories(env.manager, 1, ["A", "Z"], [])
    with env.refused("not_found", 404):
        env.store.set_window_categories(env.manager, 99, ["A"], [])
    window1 = next(w for w in env.store.snapshot(env.hall_id)["windows"] if w["number"] == 1)
    assert (window1["primary"], window1["secondary"]) == (["A"], ["B"])
    assert env.rows(AuditEntry, AuditEntry.action == "reallocate") == []


# ------------------------------------------------------------------------------- login / logout


def test_login_and_logout(env: HallEnv) -> None:
    result = env.store.login(env.counter(1), "1001", "1001")
    assert result["window"] == 1 and result["post"] == "A" and result["clerk"]["name"] == "王丽"
    assert "pin_hash" not in result["clerk"]
    actor = env.store.authenticate(result["token"])
    assert actor is not None
    assert (actor.role, actor.window_number, actor.clerk_id, actor.session_id) == ("clerk", 1, env.clerk_id("1001"), result["session_id"])
    assert env.events()[-1]["kind"] == "clerk_logged_in"
    snapshot_window = env.store.snapshot(env.hall_id)["windows"][0]
    assert snapshot_window["clerk"]["staff_no"] == "1001" and snapshot_window["post"] == "A"
    assert env.store.logout(actor) == {"ended": True}
    assert env.store.authenticate(result["token"]) is None
    (row,) = env.rows(ClerkSession)
    assert row.end_reason == "logout" and row.ended_at == env.clock.now()
    assert env.events()[-1]["kind"] == "clerk_logged_out"
    with env.refused("not_logged_in", 401):
        env.store.logout(actor)


@pytest.mark.parametrize(("staff_no", "pin"), [("1001", "1002"), ("1001", ""), ("9999", "9999"), ("", "")])
def test_wrong_pin_or_staff_number(env: HallEnv, staff_no: str, pin: str) -> None:
    counter = env.counter(1)
    with env.refused("bad_login", 401) as caught:
        env.store.login(counter, staff_no, pin)
    assert caught.value.message.zh == "工号或密码错误"  # the same message whichever was wrong
    assert env.rows(ClerkSession) == []


def test_login_needs_a_terminal_bound_to_a_window(env: HallEnv) -> None:
    with env.refused("device_has_no_window", 403):
        env.store.login(env.kiosk, "1001", "1001")


def test_second_clerk_is_refused_without_handover(env: HallEnv) -> None:
    env.clerk(1)
    counter = env.counter(1)
    with env.refused("window_taken", 409) as caught:
        env.store.login(counter, "1020", "1020")
    assert "王丽" in caught.value.message.zh and "handover" in caught.value.message.en
    assert len(env.rows(ClerkSession, ClerkSession.ended_at.is_(None))) == 1


def test_same_clerk_logging_in_again_replaces_the_session(env: HallEnv) -> None:
    first = env.store.login(env.counter(1), "1001", "1001")
    second = env.store.login(env.counter(1), "1001", "1001")
    assert env.store.authenticate(first["token"]) is None
    assert env.store.authenticate(second["token"]) is not None
    assert [r.end_reason for r in env.rows(ClerkSession)] == ["relogin", ""]


def test_a_clerk_is_logged_in_at_one_window_at_a_time(env: HallEnv) -> None:
    first = env.store.login(env.counter(1), "1001", "1001")
    second = env.store.login(env.counter(3), "1001", "1001")  # moved to window 3 without logging out
    assert env.store.authenticate(first["token"]) is None and env.store.authenticate(second["token"]) is not None
    open_rows = env.rows(ClerkSession, ClerkSession.ended_at.is_(None))
    assert [r.window_id for r in open_rows] == [env.window_id(3)]
    assert [r.end_reason for r in env.rows(ClerkSession, ClerkSession.window_id == env.window_id(1))] == ["moved"]
    logged_out = [e for e in env.events() if e["kind"] == "clerk_logged_out"]
    assert logged_out[-1]["data"]["window"] == 1 and logged_out[-1]["data"]["reason"] == "moved"
    # With a citizen still at window 3, moving on is refused and nothing changes.
    clerk = env.store.authenticate(second["token"])
    assert clerk is not None
    env.issue("B")
    env.store.call_next(clerk, 3)
    with env.refused("clerk_busy_elsewhere", 409) as caught:
        env.store.login(env.counter(1), "1001", "1001")
    assert "3号窗口" in caught.value.message.zh and "window 3" in caught.value.message.en
    assert env.store.authenticate(second["token"]) is not None


def test_ab_handover_records_who_served_what(env: HallEnv) -> None:
    first, second = env.issue("A", advance=60), env.issue("A", advance=60)
    token_a = env.store.login(env.counter(1), "1001", "1001")["token"]
    clerk_a = env.store.authenticate(token_a)
    assert clerk_a is not None
    env.store.call_next(clerk_a, 1)
    env.store.start(clerk_a, 1)
    env.store.finish(clerk_a, 1, "immediate")
    env.advance(minutes=2)
    clerk_b = env.clerk(1, staff_no="1020", handover=True)  # B 角 takes over
    assert clerk_b.clerk_id == env.clerk_id("1020")
    sessions = env.rows(ClerkSession)
    assert [(s.post, s.end_reason) for s in sessions] == [("A", "handover"), ("B", "")]
    handover = env.events()[-1]
    assert handover["kind"] == "clerk_logged_in" and handover["data"]["handover_from"] == env.clerk_id("1001")
    assert handover["data"]["post"] == "B"
    env.store.call_next(clerk_b, 1)
    env.store.start(clerk_b, 1)
    env.store.finish(clerk_b, 1, "immediate")
    (served_by_a,), (served_by_b,) = env.services(first["id"]), env.services(second["id"])
    assert served_by_a.clerk_id == env.clerk_id("1001")
    assert served_by_b.clerk_id == env.clerk_id("1020")
    assert served_by_a.clerk_id != served_by_b.clerk_id
    # A's token no longer works; handing back gives post A again
    assert env.store.authenticate(token_a) is None
    back = env.clerk(1, staff_no="1001", handover=True)
    assert env.rows(ClerkSession, ClerkSession.id == back.session_id)[0].post == "A"
    assert env.store.clerk_today(env.hall_id, env.clerk_id("1020"))["served"] == 1
