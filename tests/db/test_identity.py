"""一人一号 and check-in by ID card in the store: one waiting ticket per person and category
(also under 20 concurrent kiosks, on SQLite and PostgreSQL), the arrival window, the ID key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from db.config_ops import ConfigStore
from db.engine import make_engines
from db.identity import Person
from db.models import Appointment, Hall, Ticket
from hall.identity import id_hash, mask_id
from hall.text import HallRuleError
from hardware.idcard.fakes import sample_card
from tests.db.conftest import HallEnv
from tests.support.at_once import at_once


def person(env: HallEnv, seq: int = 123) -> Person:
    number = sample_card(seq).id_number
    key = env.store.identity_key(env.kiosk)["key"]
    return Person(id_hash(key, number), mask_id(number))


def set_booking(env: HallEnv, **settings: Any) -> None:
    with env.hall.engines.write.begin() as connection:
        hall = connection.execute(select(Hall.booking).where(Hall.id == env.hall_id)).scalar_one()
        connection.execute(Hall.__table__.update().where(Hall.__table__.c.id == env.hall_id).values(booking={**hall, **settings}))
    env.store.forget_settings(env.hall_id)


def test_the_key_is_made_once_and_kept(env: HallEnv) -> None:
    first = env.store.identity_key(env.kiosk)["key"]
    assert len(first) == 64 and env.store.identity_key(env.kiosk)["key"] == first


def test_one_waiting_ticket_per_person_and_category(env: HallEnv) -> None:
    holder = person(env)
    first = env.issue("A", person=holder)
    assert env.ticket(first["id"]).id_masked == holder.id_masked and env.ticket(first["id"]).id_hash == holder.id_hash
    with env.refused("one_ticket_per_person", 409) as refused:
        env.issue("A", person=holder)
    assert first["number"] in refused.value.message.zh and first["number"] in refused.value.message.en
    assert env.issue("B", person=holder)["number"]              # another category: its own number
    assert env.issue("A", person=person(env, 124))["number"]     # another person
    assert env.issue("A")["number"]                              # no card: never capped (限号 is forbidden)
    with env.hall.engines.write.begin() as connection:   # once served, the person may queue again
        connection.execute(Ticket.__table__.update().where(Ticket.__table__.c.id == first["id"]).values(status="done"))
    assert env.issue("A", person=holder)["number"]


def test_the_hall_can_turn_it_off(env: HallEnv) -> None:
    set_booking(env, one_ticket_per_person=False)
    holder = person(env)
    env.issue("A", person=holder)
    assert env.issue("A", person=holder)["number"]


def test_bad_person_data_is_refused() -> None:
    assert Person.of("", "") is None
    for bad in (("a" * 64, ""), ("", "3701**********1234"), ("x" * 64, "3701**********1234"), ("a" * 64, "370102198001011234")):
        with pytest.raises(HallRuleError) as error:
            Person.of(*bad)
        assert error.value.status == 422


def test_twenty_kiosks_at_once_give_one_ticket(hall_env: HallEnv) -> None:
    env = hall_env
    holder = person(env)
    stores = [env.store]
    if env.hall.engines.is_postgres:
        stores.append(ConfigStore(make_engines(env.hall.engines.url), env.clock))
    def issue(store: ConfigStore) -> Any:
        return lambda: store.issue_ticket(env.kiosk, "C", person=holder)

    outcomes = at_once([issue(stores[i % len(stores)]) for i in range(20)])
    issued = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, HallRuleError)]
    assert len(issued) == 1 and len(refused) == 19, [o for o in outcomes if not isinstance(o, dict | HallRuleError)][:3]
    assert {e.code for e in refused} == {"one_ticket_per_person"}
    assert len(env.rows(Ticket, Ticket.id_hash == holder.id_hash)) == 1
    for store in stores[1:]:
        store.engines.dispose()


def test_check_in_by_card_on_time_early_and_late(env: HallEnv) -> None:
    holder = person(env)
    with env.refused("no_booking_today", 404):
        env.store.check_in_by_card(env.kiosk, holder)
    soon = env.store.add_appointment(env.manager, "C", env.clock.now() + timedelta(minutes=30), person=holder)
    ticket = env.store.check_in_by_card(env.kiosk, holder)
    assert ticket["source"] == "appointment" and ticket["booking"]["code"] == soon["code"] and "late" not in ticket["booking"]
    assert env.ticket(ticket["id"]).id_hash == holder.id_hash

    other = person(env, 7)
    env.store.add_appointment(env.manager, "D", env.clock.now() + timedelta(minutes=150), person=other)
    with env.refused("too_early", 409) as early:
        env.store.check_in_by_card(env.kiosk, other)
    assert "12:30" in early.value.message.zh and "11:30" in early.value.message.zh
    env.advance(minutes=185)                                           # 35 minutes past the slot: late
    late = env.store.check_in_by_card(env.kiosk, other)
    assert late["source"] == "kiosk" and late["booking"]["late"] is True
    with env.refused("no_booking_today", 404):
        env.store.check_in_by_card(env.kiosk, other)                   # checked in once only


def test_check_in_by_code_keeps_the_card(env: HallEnv) -> None:
    holder = person(env, 9)
    booking = env.store.add_appointment(env.manager, "C", env.clock.now() + timedelta(minutes=20))
    ticket = env.store.check_in(env.kiosk, booking["code"], person=holder)
    assert env.ticket(ticket["id"]).id_masked == holder.id_masked
    row = env.rows(Appointment, Appointment.code == booking["code"])[0]
    assert row.id_hash == holder.id_hash
