"""The invariants of DESIGN.md §4 are database constraints: even raw SQL that skips the store
cannot break them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import ClerkSession, Event, Pause, Rating, Service, Ticket
from tests.db.conftest import HallEnv

NOW = datetime(2026, 11, 17, 2, 30, tzinfo=UTC)


def new_ticket(template: Ticket, **changes: Any) -> Ticket:
    values = {
        "hall_id": template.hall_id,
        "public_id": secrets.token_hex(8),
        "business_day": template.business_day,
        "series": template.series,
        "number": template.number + 100,
        "display_number": "X",
        "category_id": template.category_id,
        "status": "waiting",
        "issued_at": NOW,
        "queue_key": NOW.timestamp(),
    }
    values.update(changes)
    return Ticket(**values)


def attempt(env: HallEnv, change: Callable[[Session], None]) -> None:
    """Run ``change`` in its own write transaction, as another process would."""
    with Session(env.hall.engines.write) as session, session.begin():
        change(session)
        session.flush()


@pytest.fixture
def served(env: HallEnv) -> dict[str, Any]:
    """A002 called at window 2; A001 finished and rated at window 2; window 5 paused."""
    env.issue("A")
    env.issue("A")
    clerk = env.clerk(2)
    env.store.call_next(clerk, 2)
    env.store.start(clerk, 2)
    done = env.store.finish(clerk, 2, "immediate")
    env.store.rate(env.pad(2), done["service_id"], "satisfied")
    called = env.store.call_next(clerk, 2)["ticket"]
    env.store.pause(env.clerk(5), 5, "break")
    return {"service_id": done["service_id"], "called_id": called["id"]}


def test_duplicate_number_per_day_and_series(env: HallEnv, served: dict[str, Any]) -> None:
    (a001,) = env.rows(Ticket, Ticket.display_number == "A001")
    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, lambda s: s.add(new_ticket(a001, number=a001.number)))
    # the same number in another series or on another day is fine
    attempt(env, lambda s: s.add(new_ticket(a001, number=a001.number, series="B")))
    attempt(env, lambda s: s.add(new_ticket(a001, number=a001.number, business_day=datetime(2026, 11, 18).date())))


def test_second_called_ticket_at_one_window(env: HallEnv, served: dict[str, Any]) -> None:
    called = env.ticket(served["called_id"])
    for status in ("called", "serving"):
        with pytest.raises(IntegrityError, match="UNIQUE"):
            attempt(env, lambda s, status=status: s.add(new_ticket(called, status=status, window_id=called.window_id)))
    waiting = env.issue("A")
    with pytest.raises(IntegrityError):
        attempt(
            env, lambda s: s.execute(update(Ticket).where(Ticket.id == waiting["id"]).values(status="called", window_id=called.window_id))
        )
    # parked and done tickets may share a window with the current one
    attempt(env, lambda s: s.add(new_ticket(called, status="parked", window_id=called.window_id)))


def test_second_rating_for_one_service(env: HallEnv, served: dict[str, Any]) -> None:
    (rating,) = env.rows(Rating)

    def rate_again(session: Session) -> None:
        session.add(
            Rating(
                hall_id=rating.hall_id,
                service_id=rating.service_id,
                ticket_id=rating.ticket_id,
                window_id=rating.window_id,
                category_id=rating.category_id,
                level="very_dissatisfied",
                created_at=NOW,
            )
        )

    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, rate_again)
    assert len(env.rows(Rating)) == 1


def test_second_open_pause_for_one_window(env: HallEnv, served: dict[str, Any]) -> None:
    (pause,) = env.rows(Pause)

    def pause_again(session: Session) -> None:
        session.add(Pause(hall_id=pause.hall_id, window_id=pause.window_id, reason="again", started_at=NOW))

    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, pause_again)
    # a closed pause beside the open one is history, and allowed
    attempt(env, lambda s: s.add(Pause(hall_id=pause.hall_id, window_id=pause.window_id, started_at=NOW, ended_at=NOW)))


def test_second_open_service_for_one_ticket(env: HallEnv, served: dict[str, Any]) -> None:
    (service,) = env.services(served["called_id"])

    def serve_twice(session: Session) -> None:
        session.add(
            Service(
                hall_id=service.hall_id,
                ticket_id=service.ticket_id,
                window_id=service.window_id,
                category_id=service.category_id,
                called_at=NOW,
            )
        )

    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, serve_twice)


def test_second_clerk_session_at_one_window(env: HallEnv, served: dict[str, Any]) -> None:
    (session_row,) = env.rows(ClerkSession, ClerkSession.window_id == env.window_id(2), ClerkSession.ended_at.is_(None))

    def second_login(session: Session) -> None:
        session.add(
            ClerkSession(
                hall_id=session_row.hall_id,
                clerk_id=env.clerk_id("1020"),
                window_id=session_row.window_id,
                token_hash=secrets.token_hex(32),
                started_at=NOW,
            )
        )

    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, second_login)


def test_event_seq_is_unique_per_hall(env: HallEnv, served: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError, match="UNIQUE"):
        attempt(env, lambda s: s.add(Event(hall_id=env.hall_id, seq=1, kind="forged", data={}, created_at=NOW)))
