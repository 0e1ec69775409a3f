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
from db.store import GroupCommitWriter
from db.unit_of_work import UnitOfWork
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


def _submit_as_a_group(env: HallEnv, calls: list[Callable[[], Any]]) -> tuple[list[Any], list[str]]:
    """Like :func:`_run_as_a_group`, but the calls are submitted whole to the writer thread (what
    the server's async routes do): they wait in its queue and run in one group."""
    writer = _writer(env)
    release = threading.Event()
    statements: list[str] = []
    listen = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731

    def blocking(uow: UnitOfWork) -> str:
        release.wait(10)
        return "held"

    holder = threading.Thread(target=env.store.write, args=(env.hall_id, blocking))
    holder.start()
    deadline = time.monotonic() + 10
    while writer._owner is None and time.monotonic() < deadline:
        time.sleep(0.005)
    event.listen(env.hall.engines.write, "before_cursor_execute", listen)
    futures = [env.store.submit(call) for call in calls]
    assert writer.waiting == len(calls)
    release.set()
    results: list[Any] = []
    for future in futures:
        assert future is not None
        error = future.exception(10)
        results.append(error if error is not None else future.result())
    holder.join(10)
    event.remove(env.hall.engines.write, "before_cursor_execute", listen)
    assert writer.waiting == 0
    return results, statements


def test_submitted_operations_run_on_the_writer_and_commit_together(env: HallEnv) -> None:
    before = env.last_seq()
    calls: list[Callable[[], Any]] = [lambda: env.store.issue_ticket(env.kiosk, "A") for _ in range(5)]
    calls.insert(2, lambda: env.store.issue_ticket(env.kiosk, "Z"))  # no such category: refused alone
    results, statements = _submit_as_a_group(env, calls)

    assert isinstance(results[2], HallRuleError) and results[2].code == "not_found"
    numbers = [r["number"] for r in results if isinstance(r, dict)]
    assert numbers == [f"A{n:03d}" for n in range(1, 6)]  # in submission order, no gap for the refusal
    assert sorted(t.display_number for t in env.rows(Ticket)) == numbers
    assert sum(1 for sql in statements if sql.startswith("SAVEPOINT")) == 6
    assert sum(1 for sql in statements if sql.startswith("ROLLBACK TO SAVEPOINT")) == 1
    assert sum(1 for sql in statements if sql.startswith("BEGIN")) == 1  # one transaction, one commit for all six
    events = env.events(before)
    assert [e["seq"] for e in events] == list(range(before + 1, before + 6))
    assert [e["data"]["ticket"]["number"] for e in events] == numbers


def test_a_submitted_operation_that_fails_half_way_leaves_nothing_behind(env: HallEnv) -> None:
    def half_done_then_refused(uow: UnitOfWork) -> None:
        uow.connection.execute(insert(AuditEntry).values(hall_id=uow.hall_id, actor="test", action="half", detail={}, created_at=uow.now))
        raise HallRuleError("refused", "拒绝", "refused")

    def nested(uow: UnitOfWork) -> None:
        env.store.write(env.hall_id, lambda inner: None)

    results, _ = _submit_as_a_group(
        env,
        [
            lambda: env.store.write(env.hall_id, half_done_then_refused),
            lambda: env.store.write(env.hall_id, nested),
            lambda: env.store.issue_ticket(env.kiosk, "A"),
        ],
    )
    assert isinstance(results[0], HallRuleError) and isinstance(results[1], RuntimeError)
    assert results[2]["number"] == "A001"
    assert env.rows(AuditEntry, AuditEntry.actor == "test") == []


def test_submit_is_for_sqlite_only(hall_env: HallEnv) -> None:
    future = hall_env.store.submit(lambda: hall_env.store.issue_ticket(hall_env.kiosk, "A"))
    if hall_env.hall.engines.is_postgres:
        assert future is None  # every caller writes on its own thread there
    else:
        assert future is not None and future.result(10)["number"] == "A001"


def test_an_idle_writer_thread_ends_and_the_next_queued_write_starts_one(env: HallEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store nobody writes to holds no thread (and through it no engine): the test suite made
    hundreds of stores, and every one kept its writer thread for the life of the process."""
    writer = _writer(env)
    monkeypatch.setattr(GroupCommitWriter, "IDLE_SECONDS", 0.05)
    first, _ = _run_as_a_group(env, [lambda: env.store.issue_ticket(env.kiosk, "A") for _ in range(2)])
    thread = writer._thread
    assert thread is not None
    thread.join(timeout=5)
    assert not thread.is_alive() and writer._thread is None
    again, _ = _run_as_a_group(env, [lambda: env.store.issue_ticket(env.kiosk, "A") for _ in range(3)])
    numbers = [ticket["number"] for ticket in first + again]
    assert len(set(numbers)) == 5, numbers
