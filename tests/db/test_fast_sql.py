"""db.fast_sql.run gives the rows Connection.execute gives: same values, same Python types, same keys,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, insert, select

from db.common import TICKETS
from db.fast_sql import run
from db.issuing import INSERT_TICKET
from db.models import Event
from db.store import IDEMPOTENCY_LOOKUP, IDEMPOTENCY_SAVE, INSERT_EVENT, TAKE_SEQ
from tests.db.conftest import HallEnv

EVENTS = Event.__table__


def both_ways(connection: Connection, statement: Any, params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The statement run by SQLAlchemy and by run(), each in a savepoint rolled back afterwards."""
    results = []
    for execute in (connection.execute, lambda s, p: run(connection, s, p)):
        savepoint = connection.begin_nested()
        result = execute(statement, params)
        rows = [] if isinstance(params, list) else [row._asdict() for row in result.all()]
        if isinstance(params, list):  # executemany: read back what it wrote
            rows = [r._asdict() for r in connection.execute(select(EVENTS).where(EVENTS.c.kind == "fast-sql-test").order_by(EVENTS.c.seq))]
            for row in rows:
                row.pop("id", None)
        results.append(rows)
        savepoint.rollback()
    return results[0], results[1]


def assert_same(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
    assert got == expected
    for want, have in zip(expected, got, strict=True):
        assert list(have) == list(want)
        assert [type(v) for v in have.values()] == [type(v) for v in want.values()]


@contextmanager
def writing(hall_env: HallEnv) -> Iterator[Connection]:
    """A write transaction of the test's own (opened after the store's writes the test needs)."""
    with hall_env.hall.engines.write.connect() as connection, connection.begin():
        yield connection


def test_a_ticket_row_datetimes_booleans_json(hall_env: HallEnv) -> None:
    hall_env.issue("A", items=["A01"], priority_reason="elderly")
    hall_env.issue("B")
    statement = select(*TICKETS.c).where(TICKETS.c.hall_id == bindparam("hall"))
    with writing(hall_env) as connection:
        expected, got = both_ways(connection, statement, {"hall": hall_env.hall_id})
    assert len(expected) == 2 and isinstance(expected[0]["issued_at"], datetime) and expected[0]["issued_at"].tzinfo is not None
    assert expected[0]["priority"] is True and expected[0]["items"] == ["A01"]
    assert_same(expected, got)


def test_insert_returning(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection:
        category = connection.execute(select(TICKETS.c.category_id).limit(1)).scalar() or 1
        params = {
            "hall_id": hall_env.hall_id, "public_id": "0123456789abcdef", "business_day": date(2026, 11, 17), "series": "A",
            "number": 999, "display_number": "A999", "category_id": category, "items": ["A01", "A02"], "priority": False,
            "priority_reason": "", "source": "kiosk", "appointment_at": datetime(2026, 11, 17, 3, 30, tzinfo=UTC),
            "status": "waiting", "issued_at": datetime(2026, 11, 17, 2, 0, 0, 123456, tzinfo=UTC), "queue_key": 1763344800.123456,
            "recall_count": 0, "transfer_count": 0, "note": "备注", "print_count": 0,
        }  # fmt: skip
        expected, got = both_ways(connection, INSERT_TICKET, params)
        assert expected[0]["appointment_at"] == params["appointment_at"] and expected[0]["note"] == "备注"
        expected[0].pop("id"), got[0].pop("id")
        assert_same(expected, got)


def test_json_written_and_read_back(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection:
        saved = {"result": {"ticket": {"number": "A001", "waited": 1.5, "ok": True, "none": None}, "中文": "请到5号窗口"}}
        for write in (connection.execute, lambda s, p: run(connection, s, p)):
            savepoint = connection.begin_nested()
            write(IDEMPOTENCY_SAVE, {"scope": "s", "key": "k", "request_hash": "h", "response": saved, "created_at": datetime.now(UTC)})
            expected, got = both_ways(connection, IDEMPOTENCY_LOOKUP, {"scope": "s", "key": "k"})
            assert expected == [{"request_hash": "h", "response": saved}]
            assert_same(expected, got)
            savepoint.rollback()


def test_update_returning_and_text(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection:
        expected, got = both_ways(connection, TAKE_SEQ, {"hall": hall_env.hall_id, "count": 3})
        assert_same(expected, got)
        take_number = hall_env.store._take_number
        expected, got = both_ways(connection, take_number, {"hall_id": hall_env.hall_id, "business_day": date(2026, 11, 17), "series": "Q"})
        assert expected == [{"last_number": 1}]
        assert_same(expected, got)


def test_executemany(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection:
        now = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
        rows = [
            {"hall_id": hall_env.hall_id, "seq": 10_000 + i, "kind": "fast-sql-test", "data": {"i": i, "文字": "号"}, "created_at": now}
            for i in range(3)
        ]
        expected, got = both_ways(connection, INSERT_EVENT, rows)
        assert len(expected) == 3 and expected[2]["data"] == {"i": 2, "文字": "号"}
        assert_same(expected, got)


def test_the_store_queries_with_joins_and_labels(hall_env: HallEnv) -> None:
    hall_env.issue("A")
    hall_env.store.call_next(hall_env.clerk(1), 1)
    store = hall_env.store
    with writing(hall_env) as connection:
        for statement, params in [
            (store._current_query, {"hall_id": hall_env.hall_id, "number": 1}),
            (store._window_for_call, {"hall_id": hall_env.hall_id, "number": 2}),
        ]:
            expected, got = both_ways(connection, statement, params)
            assert expected
            assert_same(expected, got)


def test_errors_come_as_sqlalchemy_raises_them(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection:
        from sqlalchemy.exc import IntegrityError

        row = {"hall_id": hall_env.hall_id, "seq": 1_000_000, "kind": "x", "data": {}, "created_at": datetime.now(UTC)}
        run(connection, INSERT_EVENT, row)
        with pytest.raises(IntegrityError):
            run(connection, INSERT_EVENT, row)


def test_an_expanding_in_is_refused(hall_env: HallEnv) -> None:
    with writing(hall_env) as connection, pytest.raises(ValueError, match="expanding"):
        run(connection, select(TICKETS.c.id).where(TICKETS.c.id.in_(bindparam("ids", expanding=True))), {"ids": [1, 2]})


def test_both_databases_take_the_driver_path(hall_env: HallEnv) -> None:
    with hall_env.hall.engines.write.connect() as connection:
        result = run(connection, select(TICKETS.c.id).limit(1), {})
    assert type(result).__name__ == "FastResult"


def test_a_float_column_on_postgres_gets_its_processor_from_the_driver_type(hall_env: HallEnv) -> None:
    """PostgreSQL's numeric processors depend on the type the driver reports (float8, numeric):
    built at the first run, the same for every run after."""
    hall_env.issue("A")
    statement = select(TICKETS.c.queue_key, TICKETS.c.number).where(TICKETS.c.hall_id == bindparam("hall"))
    with writing(hall_env) as connection:
        for _ in range(2):
            expected, got = both_ways(connection, statement, {"hall": hall_env.hall_id})
            assert expected and isinstance(expected[0]["queue_key"], float)
            assert_same(expected, got)


def test_a_statement_with_python_defaults_is_left_to_sqlalchemy(hall_env: HallEnv) -> None:
    # A services row without its optional columns: their Python-side defaults are SQLAlchemy's to fill in.
    from db.models import Service

    services = Service.__table__
    statement = insert(services).returning(services.c.id, services.c.end_reason)
    ticket = hall_env.issue("A")["id"]
    params = {
        "hall_id": hall_env.hall_id,
        "ticket_id": ticket,
        "window_id": hall_env.window_id(1),
        "category_id": 1,
        "called_at": datetime.now(UTC),
    }
    with writing(hall_env) as connection:
        expected, got = both_ways(connection, statement, params)
    assert expected[0]["end_reason"] == "" and got[0]["end_reason"] == ""


def test_none_is_written_as_sqlalchemy_writes_it(hall_env: HallEnv) -> None:
    """A JSON column's None is stored as JSON 'null' by SQLAlchemy (none_as_null is off): the
    processors run for None as well."""
    stored = []
    with writing(hall_env) as connection:
        for write in (connection.execute, lambda s, p: run(connection, s, p)):
            savepoint = connection.begin_nested()
            write(IDEMPOTENCY_SAVE, {"scope": "s", "key": "none", "request_hash": "h", "response": None, "created_at": datetime.now(UTC)})
            stored.append(connection.exec_driver_sql("SELECT response FROM idempotency_keys WHERE key = 'none'").scalar())
            savepoint.rollback()
    assert stored[0] == stored[1]
