"""The hot queries' plans on SQLite: each reads a few index entries, never a whole queue.

Speed itself is shown by ``hallq bench server``; these guard the plans that make it, which a
small change (a bound value where a literal was, an index column dropped) silently undoes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from db.fast_sql import _compile, _parameters
from db.operations import COUNT_AHEAD_OF_REGULAR
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
