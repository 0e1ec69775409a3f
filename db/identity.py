"""一人一号 in the database: the hall's ID key, the holder of a ticket, one waiting ticket per person.

A kiosk that read an ID card sends only :class:`Person`: the hall's keyed hash of the number and
its masked form (hall.identity). The kiosk hashes with the hall's key, which it fetches once with
its device token (:meth:`IdentityOps.identity_key`); so the number never crosses the network and
never reaches the server's logs, the database, the events or an export.

The rule "one waiting ticket per person and category" (hall setting ``[booking]
one_ticket_per_person``, on by default) is checked inside the issuing transaction after taking
the hall row's lock on PostgreSQL (SQLite has one writer, ``BEGIN IMMEDIATE``): two kiosks that
issue for the same card at once are serialised, the second sees the first's ticket and is refused
with its number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from db.common import Actor
from db.models import Hall, Ticket
from db.store import StoreCore
from db.unit_of_work import UnitOfWork
from hall.booking import booking_from_json
from hall.config import BookingConfig
from hall.identity import is_id_hash, is_masked_id
from hall.text import HallRuleError
from hall.tickets import TicketStatus

ID_KEY = "_id_key"  # in halls.booking, beside the phone key: the key of the ID hashes

BAD_PERSON = HallRuleError("bad_id_hash", "身份证信息无效，请重新刷卡", "the ID card data is not valid; please read the card again", 422)


@dataclass(frozen=True)
class Person:
    """The holder of an ID card as the server sees it: the keyed hash and the masked number."""

    id_hash: str
    id_masked: str

    @classmethod
    def of(cls, id_hash: str | None, id_masked: str | None) -> Person | None:
        """``None`` when no card was read; :data:`BAD_PERSON` when what was sent is not a hash and a mask."""
        if not id_hash and not id_masked:
            return None
        if not id_hash or not is_id_hash(id_hash) or not id_masked or not is_masked_id(id_masked):
            raise BAD_PERSON
        return cls(id_hash, id_masked)

    @classmethod
    def required(cls, id_hash: str | None, id_masked: str | None) -> Person:
        person = cls.of(id_hash, id_masked)
        if person is None:
            raise BAD_PERSON
        return person


def booking_settings(hall: Hall) -> BookingConfig:
    return booking_from_json({k: v for k, v in (hall.booking or {}).items() if not k.startswith("_")})


class IdentityOps(StoreCore):
    """The ID key and the 一人一号 check, used by issuing and check-in."""

    def identity_key(self, actor: Actor) -> dict[str, Any]:
        """The hall's ID hash key for a kiosk (made on first use): the kiosk hashes a card with it."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            return {"key": self._id_key(uow)}

        return self.write(actor.hall_id, work)

    def _id_key(self, uow: UnitOfWork) -> str:
        hall = uow.hall
        key = (hall.booking or {}).get(ID_KEY)
        if not key:
            uow.session.refresh(hall, with_for_update=True)   # two first kiosks must not make two keys
            key = (hall.booking or {}).get(ID_KEY)
        if not key:
            key = secrets.token_hex(32)
            hall.booking = {**(hall.booking or {}), ID_KEY: key}
            uow.session.flush()
            self.forget_settings(hall.id)
        return str(key)

    def _check_one_per_person(self, uow: UnitOfWork, category_id: int, person: Person) -> None:
        """Refuse a second waiting ticket of this person in this category (when the hall says so)."""
        if not booking_settings(uow.hall).one_ticket_per_person:
            return
        if uow.connection.dialect.name == "postgresql":
            uow.connection.execute(select(Hall.id).where(Hall.id == uow.hall_id).with_for_update())
        number = uow.session.scalar(
            select(Ticket.display_number).where(
                Ticket.hall_id == uow.hall_id,
                Ticket.id_hash == person.id_hash,
                Ticket.category_id == category_id,
                Ticket.status == TicketStatus.WAITING.value,
            )
        )
        if number is not None:
            raise HallRuleError(
                "one_ticket_per_person",
                f"一人一号：您已有等候中的 {number} 号，请留意叫号",
                f"one number per person: you already hold number {number}, still waiting; please listen for the call",
                409,
            )
