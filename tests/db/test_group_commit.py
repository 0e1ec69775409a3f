"""SQLite group commit: writes that queue while one runs are committed together, each in its own
savepoint, so a refused or failing operation rolls back alone and the others keep their results,
numbers and gapless events."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, insert

from db.models import AuditEntry, Ticket
from db.store import GroupCommitWriter, UnitOfWork
from hall.text import HallRuleError
from tests.db.conftest import HallEnv


def _writer(env: HallEnv) -> GroupCommitWriter:
    writer = env.store._sqlite_writer
    assert writer is not None
    return writer


def _run_as_a_group(env: HallEnv, calls: list[Callable[[], Any]]) -> tuple[list[Any], list[str]]:
    """Hold the writer with a blocked write, queue ``calls`` behind it, then let it go. Returns
    each call's result (or exception) and the SQL the group ran."""
    writer = _writer(env)
    release = threading.Event()

    def blocking(uow: UnitOfWork) -> str:
        release.wait(10)
        uow.emit("device_alert", kind="test", message={"zh": "占位", "en": "holding the writer"})
        return "held"

    statements: list[str] = []
    listen = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731
    event.listen(env.hall.engines.write, "before_cursor_execute", listen)
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error

    holder = threading.Thread(target=env.store.write, args=(env.hall_id, blocking))
    holder.start()
    deadline = time.monotonic() + 10
    while writer._owner is None and time.monotonic() < deadline:
        time.sleep(0.005)
    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    while writer.waiting < len(calls) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert writer.waiting == len(calls), "the writes did not queue behind the held one"
    release.set()
    for thread in [holder, *threads]:
        thread.join(10)
    event.remove(env.hall.engines.write, "before_cursor_execute", listen)
    return results, statements


def test_queued_issues_commit_together_and_a_refusal_rolls_back_alone(env: HallEnv) -> None:
    before = env.last_seq()
    calls: list[Callable[[], Any]] = [lambda: env.store.issue_ticket(env.kiosk, "A") for _ in range(6)]
    calls.insert(3, lambda: env.store.issue_ticket(env.kiosk, "Z"))  # no such category
    results, statements = _run_as_a_group(env, calls)

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], HallRuleError) and refused[0].code == "not_found"
    numbers = sorted(r["number"] for r in results if isinstance(r, dict))
    assert numbers == [f"A{n:03d}" for n in range(1, 7)]
    assert sorted(t.display_number for t in env.rows(Ticket)) == numbers
    # One transaction for the queued seven, a savepoint each: one COMMIT shared by all.
    assert sum(1 for sql in statements if sql.startswith("SAVEPOINT")) == 7
    assert sum(1 for sql in statements if sql.startswith("ROLLBACK TO SAVEPOINT")) == 1
    events = env.events(before)
    assert [e["seq"] for e in events] == list(range(before + 1, before + 8))
    assert sorted(e["kind"] for e in events) == ["device_alert"] + ["ticket_issued"] * 6


def test_a_failing_operation_in_a_group_leaves_nothing_behind(env: HallEnv) -> None:
    def half_done_then_refused(uow: UnitOfWork) -> None:
        uow.connection.execute(insert(AuditEntry).values(hall_id=uow.hall_id, actor="test", action="half", detail={}, created_at=uow.now))
        uow.emit("device_alert", kind="half")
        raise HallRuleError("refused", "拒绝", "refused")

    def audited(uow: UnitOfWork) -> str:
        uow.connection.execute(insert(AuditEntry).values(hall_id=uow.hall_id, actor="test", action="kept", detail={}, created_at=uow.now))
        uow.emit("device_alert", kind="kept")
        return "kept"

    before = env.last_seq()
    results, _ = _run_as_a_group(
        env, [lambda: env.store.write(env.hall_id, audited), lambda: env.store.write(env.hall_id, half_done_then_refused)]
    )
    assert results[0] == "kept" and isinstance(results[1], HallRuleError)
    assert [a.action for a in env.rows(AuditEntry, AuditEntry.actor == "test")] == ["kept"]
    kinds = [e["data"].get("kind") for e in env.events(before)]
    assert sorted(kinds) == ["kept", "test"] and env.last_seq() == before + 2


def test_a_write_cannot_start_a_write_inside_its_transaction(env: HallEnv) -> None:
    def nested(uow: UnitOfWork) -> None:
        env.store.write(env.hall_id, lambda inner: None)

    with pytest.raises(RuntimeError):
        env.store.write(env.hall_id, nested)
