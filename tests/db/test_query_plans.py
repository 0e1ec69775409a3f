"""The hot queries' plans on SQLite: each reads a few index entries, never a whole queue.

Speed itself is shown by ``hallq bench server``; these guard the plans that make it, which a
small change (a bound value where a literal was, an index column dropped) silently undoes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from db.fast_sql import _compile, _parameters
from db.waits import COUNT_AHEAD_OF_REGULAR
from tests.db.conftest import HallEnv


def plan(env: HallEnv, statement: Any, params: dict[str, Any]) -> list[str]:
    with env.hall.engines.write.connect() as connection:
        compiled = _compile(statement, connection.dialect, ())
        assert compiled is not None
        raw = connection.connection.driver_connection
        return [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + compiled.sql, _parameters(compiled, params))]


def test_call_next_reads_heads_due_appointments_and_transfers_by_index(env: HallEnv) -> None:
    env.issue("A")
    steps = plan(
        env,
        env.store._candidates_query,
        {
            "window_id": env.window_id(1),
            "hall_id": env.hall_id,
            "day": env.clock.now().date(),
            "due_before": datetime.now(UTC) + timedelta(minutes=5),
        },
    )
    text = "\n".join(steps)
    assert text.count("USING INDEX queue_head") == 2, text  # the priority and the regular head
    assert "USING INDEX tickets_due_appointments" in text, text  # not the category's queue
    assert "USING INDEX tickets_transferred_to_window" in text, text
    assert "RIGHT PART OF ORDER BY" not in text, text  # heads come off the index in (queue_key, id) order
    # The status as a literal: bound, SQLite would prepare the statement again for every call's
    # values to use the partial index (0.35 ms a call), and EXPLAIN with values would not show it.
    with env.hall.engines.write.connect() as connection:
        compiled = _compile(env.store._candidates_query, connection.dialect, ())
    assert compiled is not None and "tickets.status = ?" not in compiled.sql and "tickets.status = 'waiting'" in compiled.sql


def test_people_ahead_are_counted_from_the_index_alone(env: HallEnv) -> None:
    ticket = env.issue("A")
    category = env.ticket(ticket["id"]).category_id
    steps = plan(
        env,
        COUNT_AHEAD_OF_REGULAR,
        {"hall_id": env.hall_id, "day": env.clock.now().date(), "category_id": category, "queue_key": 0.0, "ticket_id": ticket["id"]},
    )
    assert any("COVERING INDEX queue_head" in step for step in steps), steps


def report_plans(env: HallEnv, wanted: Any) -> str:
    """The plan of the services query a year's report filtered by ``wanted`` runs (aggregated live)."""
    from sqlalchemy import event

    from db.reports.queries import ReportQueries
    from hall.reports import Dimension, ReportRequest

    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM services JOIN tickets" in statement:
            seen.append((statement, parameters))

    engine = env.hall.engines.read
    event.listen(engine, "before_cursor_execute", capture)
    try:
        today = env.clock.now().date()
        ReportQueries(env.store, use_rollups=False).report(env.hall_id, ReportRequest(today - timedelta(days=365), today, Dimension.ITEM, wanted))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert seen, "the report read no services"
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        return "\n".join(row[3] for statement, parameters in seen for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters))


def test_a_long_report_of_one_clerk_or_category_starts_from_its_services(env: HallEnv) -> None:
    """Not from every ticket of the year: a clerk's year by item read 3 M tickets (2.2 s) before."""
    from hall.reports import ReportFilter

    text = report_plans(env, ReportFilter(clerk="1001"))
    assert "USING INDEX services_by_clerk" in text, text
    text = report_plans(env, ReportFilter(category="A"))
    assert "USING INDEX services_by_category" in text, text
