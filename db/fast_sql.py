"""The hot statements of a ticket operation, run on SQLite's own cursor.

A ticket operation runs about nine short statements. Through ``Connection.execute`` each costs
SQLite ~4 µs and SQLAlchemy ~18 µs more (cache key, execution context, events, result object):
about 12 % of the hall server's CPU per operation at saturation, where the server is bound by
one core. :func:`run` skips that per-call machinery and keeps what matters: SQLAlchemy still
compiles the statement (once per dialect), and its own bind and result processors still convert
the values, so rows go in and come out exactly as through ``Connection.execute`` — the tests
compare the two. The statement runs on the connection's DB-API connection inside the
transaction (or savepoint) SQLAlchemy opened.

Only SQLite takes this path: there the server is CPU-bound in one thread and every statement's
overhead counts; on PostgreSQL (other type adaptation, network-bound) :func:`run` is plain
``Connection.execute``. Statements with expanding ``IN`` parameters are not supported (their SQL
changes per call) and raise at first use.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: Any  # SQLCompiler
    order: tuple[str, ...]  # positional parameter names (SQLite's qmark style)
    bind: dict[str, Processor]
    names: tuple[str, ...] | None  # the row's keys, as SQLAlchemy names them; None: from the cursor (text)
    result: tuple[Processor, ...] | None  # None: no declared result columns (text): values as SQLite gives them


_compiled: weakref.WeakKeyDictionary[Any, dict[Any, _Compiled | None]] = weakref.WeakKeyDictionary()


def _compile(statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    """The compiled form, or None where SQLAlchemy must run the statement itself: an INSERT or
    UPDATE whose columns have Python-side defaults (the execution context computes those)."""
    per_dialect = _compiled.get(statement)
    if per_dialect is None:
        per_dialect = _compiled[statement] = {}
    # An INSERT or UPDATE without explicit values covers the columns given, as Connection.execute compiles it.
    key = (dialect.name, keys) if statement.is_dml else dialect.name
    if key in per_dialect:
        return per_dialect[key]
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys)) if statement.is_dml else statement.compile(dialect=dialect)
    if compiled.positiontup is None or any(b.expanding for b in compiled.binds.values()):
        raise ValueError("fast_sql.run needs a positional dialect and no expanding IN parameters")
    if compiled.insert_prefetch or compiled.update_prefetch:
        per_dialect[key] = None
        return None
    # The dialect's own implementation of each type: DateTime, say, is stored as text on SQLite.
    bind = {name: b.type.dialect_impl(dialect).bind_processor(dialect) for name, b in compiled.binds.items()}
    columns = getattr(statement, "selected_columns", None)
    if columns is None and getattr(statement, "_returning", ()):
        columns = statement.exported_columns
    names = result = None
    if columns is not None:
        names = tuple(c.key for c in columns)
        result = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    found = _Compiled(compiled.string, compiled, tuple(compiled.positiontup), bind, names, result)
    per_dialect[key] = found
    return found


class FastResult:
    """The rows of one statement, with the parts of SQLAlchemy's ``Result`` the store uses."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            from sqlalchemy.exc import MultipleResultsFound, NoResultFound

            raise (NoResultFound if not self._rows else MultipleResultsFound)(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        if len(self._rows) > 1:
            from sqlalchemy.exc import MultipleResultsFound

            raise MultipleResultsFound(f"expected at most one row, got {len(self._rows)}")
        return self._rows[0][0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


_row_types: dict[tuple[str, ...], type] = {}


def _row_type(names: tuple[str, ...]) -> type:
    found = _row_types.get(names)
    if found is None:
        found = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        _row_types[names] = found
    return found


def _parameters(compiled: _Compiled, params: Mapping[str, Any]) -> tuple[Any, ...]:
    values = compiled.compiled.construct_params(params)
    bind = compiled.bind
    out = []
    for name in compiled.order:
        value = values[name]
        processor = bind[name]
        out.append(processor(value) if processor is not None else value)  # None too: JSON writes it as 'null'
    return tuple(out)


def as_sqlalchemy_error(dialect: Dialect, sql: str, params: Any, error: Exception) -> Exception:
    """A driver's error as SQLAlchemy raises it (IntegrityError, OperationalError ...), so the
    store retries or reports an error from the driver's own cursor like any other."""
    from sqlalchemy.exc import DBAPIError

    return DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error)


def run(connection: Connection, statement: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Any:
    """``connection.execute(statement, params)``, cheaper on SQLite (a list of parameter sets: executemany, no rows)."""
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return connection.execute(statement, params)
    first = params[0] if isinstance(params, Sequence) else params
    compiled = _compile(statement, dialect, tuple(sorted(first or {})))
    if compiled is None:
        return connection.execute(statement, params)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if isinstance(params, Sequence):
            cursor.executemany(compiled.sql, [_parameters(compiled, p) for p in params])
            return FastResult([], cursor.rowcount)
        cursor.execute(compiled.sql, _parameters(compiled, params or {}))
        if cursor.description is None:
            return FastResult([], cursor.rowcount)
        raw = cursor.fetchall()
        row_type = _row_type(compiled.names or tuple(d[0] for d in cursor.description))
        processors = compiled.result
        if processors is None or not any(processors):
            rows = [row_type(*r) for r in raw]
        else:
            rows = [row_type(*[p(v) if p is not None else v for p, v in zip(processors, r, strict=True)]) for r in raw]
        return FastResult(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        raise as_sqlalchemy_error(dialect, compiled.sql, params, error) from error
    finally:
        cursor.close()
