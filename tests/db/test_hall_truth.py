"""The server side of issue 14: calls that no longer stand leave the "now calling" lists, late
returns follow the hall's rule, a 承诺件 records the materials received, the public status has the
guide, and devices report their health (written only when it changes)."""

from __future__ import annotations

from dataclasses import replace

from db.models import AuditEntry, Device, Service
from hall.config import RulesConfig
from tests.db.conftest import HallEnv


def _calls(env: HallEnv) -> list[tuple[str, int]]:
    return [(c["number"], c["window"]) for c in env.store.snapshot(env.hall_id)["recent_calls"]]


def test_withdrawn_calls_leave_the_recent_calls(env: HallEnv) -> None:
    a, b = env.issue("A"), env.issue("A")
    clerk = env.clerk(1)
    env.store.call_next(clerk, 1)
    assert _calls(env) == [(a["number"], 1)]
    env.store.transfer(clerk, 1, to_window=5)
    assert _calls(env) == []          # the defect: "A001 请到 1 号窗口" stayed on every screen
    env.store.call_next(clerk, 1)
    env.store.park(clerk, 1, "取材料")
    assert _calls(env) == []
    env.store.call_back(clerk, 1, b["id"])
    env.store.start(clerk, 1)
    env.store.finish(clerk, 1, "immediate")
    recent = env.store.snapshot(env.hall_id)["recent_calls"]
    assert [(c["number"], c["window"], c["status"]) for c in recent] == [(b["number"], 1, "done")]
    status = env.store.ticket_status(env.hall_id, ticket_id=a["id"])
    assert status["now_calling"] == []   # a finished call is history, not "now calling"


def test_a_missed_ticket_is_found_and_requeued_or_called(env: HallEnv) -> None:
    missed = env.issue("A")
    env.issue("A")
    clerk = env.clerk(1)
    env.store.call_next(clerk, 1)
    env.store.no_show(clerk, 1)
    found = env.store.find_ticket(env.hall_id, missed["number"].lower())
    assert found["status"] == "no_show" and found["actions"] == ["requeue", "call"] and found["late_requeue_places"] == 3
    assert env.store.find_ticket(env.hall_id, "A002")["actions"] == ["call"]
    with env.refused("not_found"):
        env.store.find_ticket(env.hall_id, "A999")
    called = env.store.call_number(clerk, 1, missed["number"])
    assert called["ticket"]["status"] == "called"
    second = env.services(missed["id"])[-1]
    assert second.queue_wait is False and second.waited_seconds == 0   # the time away is not queue waiting


def test_a_hall_that_requeues_late_returns_refuses_the_direct_call(env: HallEnv) -> None:
    with env.session() as session:
        from db.models import Hall

        hall = session.get(Hall, env.hall_id)
        assert hall is not None
        hall.rules = {**hall.rules, "late_call_at_window": False}
        session.commit()
    env.store.forget_settings(env.hall_id)
    missed = env.issue("A")
    clerk = env.clerk(1)
    env.store.call_next(clerk, 1)
    env.store.no_show(clerk, 1)
    assert env.store.find_ticket(env.hall_id, missed["number"])["actions"] == ["requeue"]
    with env.refused("late_call_not_allowed"):
        env.store.call_number(clerk, 1, missed["number"])
    requeued = env.store.requeue(clerk, missed["id"])
    assert requeued["status"] == "waiting"
    assert replace(RulesConfig(), late_call_at_window=False).late_call_at_window is False


def test_a_promised_case_records_the_materials_received(env: HallEnv) -> None:
    env.issue("A", items=["A01"])
    clerk = env.clerk(1)
    env.store.call_next(clerk, 1)
    env.store.start(clerk, 1)
    result = env.store.finish(clerk, 1, "promised", materials_received=["营业执照副本"])
    assert result["materials_received"] == ["营业执照副本"] and result["case_url"].startswith("/t/")
    assert result["item"]["name_zh"]
    service = env.rows(Service, Service.id == result["service_id"])[0]
    assert service.materials_received == ["营业执照副本"]
    env.issue("A")
    env.store.call_next(clerk, 1)
    env.store.start(clerk, 1)
    with env.refused("bad_materials"):
        env.store.finish(clerk, 1, "immediate", materials_received=["x"])


def test_the_public_status_has_the_guide(env: HallEnv) -> None:
    ticket = env.issue("A", items=["A01"])
    env.clerk(2)
    env.store.forget_settings(env.hall_id)
    status = env.store.ticket_status(env.hall_id, ticket_id=ticket["id"])
    (item,) = status["guide"]
    assert item["code"] == "A01" and item["materials"] and "fee" in item and "promised_days" in item
    assert status["serving_windows"] == [2] and status["department"]


def test_heartbeats_write_only_changes_and_audit_them_as_facts(env: HallEnv) -> None:
    kiosk = env.kiosk
    assert env.store.heartbeat(kiosk, {"printer": {"state": "ok"}})["changed"] is True
    seq = env.last_seq()
    assert env.store.heartbeat(kiosk, {"printer": {"state": "ok"}})["changed"] is False   # within 2.5 s: no write at all
    assert env.last_seq() == seq
    env.store.heartbeat(kiosk, {"printer": {"state": "paper_out", "detail": "DLE EOT 4"}})
    assert env.event_kinds(seq) == ["device_health"]
    device = env.rows(Device, Device.id == kiosk.device_id)[0]
    assert device.health == {"printer": {"state": "paper_out", "detail": "DLE EOT 4"}} and device.last_seen_at == env.clock.now()
    entry = env.rows(AuditEntry, AuditEntry.action == "device_health")[-1]
    assert entry.detail["changes"] == {"printer": ["ok", "paper_out"]}
    listed = next(d for d in env.store.devices(env.hall_id) if d["id"] == kiosk.device_id)
    assert listed["health"]["printer"]["state"] == "paper_out" and listed["last_seen_at"]
    with env.refused("bad_health", 422):
        env.store.heartbeat(kiosk, {"printer": {"state": "on fire"}})
    with env.refused("not_a_device", 403):
        env.store.heartbeat(replace(kiosk, device_id=None), {})


def test_yesterdays_calls_are_not_todays(env: HallEnv) -> None:
    env.issue("A")
    clerk = env.clerk(1)
    env.store.call_next(clerk, 1)
    assert _calls(env)
    env.advance(days=1)
    assert _calls(env) == []   # a display restarted the next morning shows no stale "请到 1 号窗口"
