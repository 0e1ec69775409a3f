"""The guide desk's role (导办台): it issues for citizens with a priority reason and 代办/帮办,
books, looks up and requeues, sees the hall; it never calls numbers nor manages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from db.models import Ticket
from server.client import HallClient
from tests.server.conftest import HallServer
from tests.server.test_roles import refused


def guide(hs: HallServer, name: str = "导办台1") -> HallClient:
    return hs.client(hs.token("guide", name))


def test_guide_desk_issues_with_priority_and_assist_and_keeps_who_issued(hall_server: HallServer) -> None:
    hs = hall_server
    desk = guide(hs)
    ticket = desk.guide_issue("A", priority_reason="elderly", assist="proxy")
    assert ticket["source"] == "guide_desk"
    assert ticket["assist"] == "proxy"
    assert ticket["priority"] is True
    with hs.store.read() as session:
        row = session.get(Ticket, ticket["id"])
        assert row is not None
        assert (row.source, row.issued_by, row.assist, row.priority_reason) == ("guide_desk", "导办台1", "proxy", "elderly")
    # the manager sees the whole ticket, a counter device the 代办 mark but not who issued it
    assert hs.manager.ticket(ticket["id"])["issued_by"] == "导办台1"
    seen_by_counter = hs.counter(1).ticket(ticket["id"])
    assert seen_by_counter["assist"] == "proxy"
    assert "issued_by" not in seen_by_counter and "priority_reason" not in seen_by_counter


def test_guide_desk_refuses_bad_marks_in_both_languages(hall_server: HallServer) -> None:
    hs = hall_server
    desk = guide(hs)
    refused(lambda: desk.guide_issue("A", assist="carry"), 422, "bad_assist")
    refused(lambda: desk.guide_issue("A", priority_reason="vip"), 422, "bad_priority_reason")
    # a kiosk cannot mark 代办 by posing as the guide desk's endpoint
    refused(lambda: hs.kiosk().request("POST", "/api/guide/tickets", {"series": "A", "assist": "proxy"}), 403, "forbidden")


def test_guide_desk_may_not_call_or_manage(hall_server: HallServer) -> None:
    hs = hall_server
    desk = guide(hs)
    refused(lambda: desk.call_next(1), 403, "forbidden")
    refused(lambda: desk.recall(1), 403, "forbidden")
    refused(lambda: desk.enroll("kiosk", "sneaky"), 403, "forbidden")
    refused(lambda: desk.add_appointment("A", (hs.clock.now() + timedelta(days=1)).isoformat()), 403, "forbidden")
    refused(desk.planning, 403, "forbidden")
    refused(lambda: desk.login("1001", "1001"), 403, "forbidden")
    # a revoked guide desk is refused from then on (its credential ends)
    hs.manager.revoke(desk.me()["device_id"])
    refused(lambda: desk.guide_issue("A"), 401, "bad_token")


def test_guide_desk_books_looks_up_and_requeues_a_missed_ticket(hall_server: HallServer) -> None:
    hs = hall_server
    desk = guide(hs)
    slot = (hs.clock.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    booked = desk.guide_book("A", slot.isoformat(), name="张三丰", phone="13812345678")
    assert booked["code"]
    missed = hs.kiosk().issue("A")
    clerk = hs.clerk(1)
    called = clerk.call_next(1)
    assert called["ticket"]["id"] == missed["id"]
    clerk.no_show(1)
    found = desk.find_ticket(missed["number"])
    assert found["status"] == "no_show" and "requeue" in found["actions"]
    assert "note" not in found and "public_id" not in found
    back = desk.requeue(missed["id"])
    assert back["status"] == "waiting"
    assert desk.snapshot()["categories"]
    requeued = [entry for entry in hs.manager.audit() if entry["action"] == "requeue"]
    assert [(entry["actor"], entry["detail"]["ticket"]) for entry in requeued] == [("guide:导办台1", missed["number"])]


def test_reports_count_proxy_and_help_services_in_the_table_and_the_export(hall_server: HallServer) -> None:
    hs = hall_server
    desk = guide(hs)
    desk.guide_issue("A", assist="proxy")
    desk.guide_issue("A", assist="help")
    hs.kiosk().issue("A")
    clerk = hs.clerk(1)
    for _ in range(3):
        clerk.call_next(1)
        clerk.start(1)
        clerk.finish(1, "immediate")
    day = hs.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    by_window = hs.manager.report(day, day, "window")
    assert (by_window.total.proxy_served, by_window.total.help_served, by_window.total.served) == (1, 1, 3)
    assert [(r.key, r.proxy_served, r.help_served) for r in by_window.rows if r.served] == [("1", 1, 1)]
    exported = hs.manager.export_report("csv", day, day, "window").content.decode("utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(exported)))
    proxy_column, help_column = header.index("代办 / services handled for citizens"), header.index("帮办 / services helped through")
    total = next(line for line in lines if line and line[0] == "total")
    assert (total[proxy_column], total[help_column]) == ("1", "1")
