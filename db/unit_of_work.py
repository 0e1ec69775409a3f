"""The unit of work: one write transaction of one hall, and the events it will append.

:class:`db.store.StoreCore` opens it, rolls the business day over if needed, hands it to the
operation, then appends its events and commits. It lives apart from the store so that code the
store runs inside a transaction (the rollover) can name it without importing the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from db.models import Hall
from hall.config import HoursConfig, RulesConfig
from hall.text import HallRuleError


@dataclass
class UnitOfWork:
    """One write transaction on ``connection``. The hot paths (issue, call-next, start, finish)
    use SQLAlchemy Core on the connection; the rarer operations use ``session`` (an ORM session
    joined to the same transaction, made on first use) and ``hall`` (the ORM hall row)."""

    connection: Connection
    hall_id: int
    now: datetime
    today: date
    hours: HoursConfig
    rules: RulesConfig
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    last_seq: int = 0  # the hall's event seq after this unit's events
    _session: Session | None = None
    _hall: Hall | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            # Joined to the connection's transaction: it never commits it; the unit of work does.
            self._session = Session(bind=self.connection, expire_on_commit=False, join_transaction_mode="rollback_only")
        return self._session

    @property
    def hall(self) -> Hall:
        if self._hall is None:
            hall = self.session.get(Hall, self.hall_id)
            if hall is None:
                raise HallRuleError("unknown_hall", "未知的服务大厅", "unknown hall", 404)
            self._hall = hall
        return self._hall

    def flush(self) -> None:
        """Write the ORM session's pending changes (if a session was used) into the transaction."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def emit(self, kind: str, /, **data: Any) -> None:
        self.events.append((kind, data))
