"""The hall's store: every hall operation, one transaction each, on one object.

The operations are grouped by what they touch, one mixin on :class:`db.store.StoreCore` per
module; this class composes them so callers (the server, the tests, the tools) see one API:

- :mod:`db.issuing`           issue a ticket, reprint, appointments and check-in, a citizen's ticket status
- :mod:`db.card_checkin`      check-in by ID card (一人一号 in :mod:`db.identity`)
- :mod:`db.booking`           citizens' bookings: slots and places left, verified requests, view, cancel, move
- :mod:`db.calling`           call next, call a number, recall, no-show, requeue
- :mod:`db.serving`           start, finish, transfer, park, call back, parked tickets
- :mod:`db.windows_clerks`    pause, resume, open/close a window, its categories, clerk login/logout, clerk today
- :mod:`db.roster`            who is on duty, at lunch or free; sign-off (签退), absent today, lunch turns
- :mod:`db.ratings`           rate, default ratings, follow-ups of bad ratings
- :mod:`db.devices`           enrol, report trouble, revoke, list devices, the audit log
- :mod:`db.auth`              tokens to actors, their cache, telling other server processes
- :mod:`db.snapshot`          the whole hall for screens, with its event seq
- :mod:`db.waits`             people ahead, windows serving, estimated waits (used by several of the above)

Shared lookups, tables and :class:`db.common.Actor` live in :mod:`db.common`; the business-day
rollover in :mod:`db.rollover`; the hall's configuration edits in :mod:`db.config_ops`.
"""

from __future__ import annotations

from db.booking import BookingOps
from db.calling import CallingOps
from db.card_checkin import CardCheckInOps
from db.devices import DeviceOps
from db.issuing import IssuingOps
from db.notifications import NotificationOps
from db.ratings import RatingOps
from db.roster import RosterOps
from db.serving import ServingOps
from db.snapshot import SnapshotOps
from db.windows_clerks import WindowsClerksOps


class HallStore(
    CardCheckInOps,
    IssuingOps,
    ServingOps,
    CallingOps,
    WindowsClerksOps,
    RosterOps,
    DeviceOps,
    RatingOps,
    SnapshotOps,
    BookingOps,
    NotificationOps,
):
    """Every hall operation; each public method is one transaction (see :mod:`db.store`)."""
