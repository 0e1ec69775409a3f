"""The hot statements of a ticket operation, run on the driver's own cursor.

A ticket operation runs about nine short statements. Through ``Connection.execute`` SQLAlchemy
adds more work to each (cache key, execution context, events, result object) than the driver
spends running it, and the hall server is bound by one core (the GIL), so that overhead is a
large share of its capacity. :func:`run` skips SQLAlchemy's
per-call machinery and keeps what matters: SQLAlchemy still compiles the statement (once per
dialect), and its own bind and result processors still convert the values, so rows go in and
come out exactly as through ``Connection.execute`` — the tests compare the two on both
databases. The statement runs on the connection's DB-API connection inside the transaction (or
savepoint) SQLAlchemy opened.

Statements with expanding ``IN`` parameters are not supported (their SQL changes per call) and
raise at first use.
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


@dataclass
class _Compiled:
    sql: str
    compiled: Any  # SQLCompiler
    order: tuple[str, ...] | None  # positional parameter names (SQLite's qmark style); None: named (psycopg's pyformat)
    bind: dict[str, Processor]
    names: tuple[str, ...] | None  # the row's keys, as SQLAlchemy names them; None: from the cursor (text)
    types: tuple[Any, ...] | None  # the result columns' dialect types; None: no declared columns (text): values as the driver gives them
    # Built at the first run: a dialect may pick a column's processor by the type the driver reports (PostgreSQL's numerics).
    result: tuple[Processor, ...] | None = None


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
    if any(b.expanding for b in compiled.binds.values()):
        raise ValueError("fast_sql.run needs statements without expanding IN parameters")
    # Python-side defaults are the execution context's to compute; a renamed bind (a name SQL
    # cannot carry) is the context's to map back.
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.escaped_bind_names:
        per_dialect[key] = None
        return None
    # The dialect's own implementation of each type: DateTime, say, is stored as text on SQLite.
    bind = {name: b.type.dialect_impl(dialect).bind_processor(dialect) for b, name in compiled.bind_names.items()}
    columns = getattr(statement, "selected_columns", None)
    if columns is None and getattr(statement, "_returning", ()):
        columns = statement.exported_columns
    names = types = None
    if columns is not None:
        names = tuple(c.key for c in columns)
        types = tuple(c.type.dialect_impl(dialect) for c in columns)
    order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    found = _Compiled(compiled.string, compiled, order, bind, names, types)
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


def _parameters(compiled: _Compiled, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    values = compiled.compiled.construct_params(params)
    bind = compiled.bind
    if compiled.order is None:
        # None goes through the processor too: JSON writes it as 'null'.
        return {name: (processor(values[name]) if processor is not None else values[name]) for name, processor in bind.items()}
    out = []
    for name in compiled.order:
        value = values[name]
        processor = bind[name]
        out.append(processor(value) if processor is not None else value)
    return tuple(out)


def _result_processors(compiled: _Compiled, dialect: Dialect, description: Any) -> tuple[Processor, ...]:
    if compiled.result is None:
        assert compiled.types is not None
        coltypes = [getattr(d, "type_code", d[1]) for d in description]
        compiled.result = tuple(t.result_processor(dialect, code) for t, code in zip(compiled.types, coltypes, strict=True))
    return compiled.result


def as_sqlalchemy_error(dialect: Dialect, sql: str, params: Any, error: Exception) -> Exception:
    """A driver's error as SQLAlchemy raises it (IntegrityError, OperationalError ...), so the
    store retries or reports an error from the driver's own cursor like any other."""
    from sqlalchemy.exc import DBAPIError

    return DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error)


def run(connection: Connection, statement: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Any:
    """``connection.execute(statement, params)``, cheaper (a list of parameter sets: executemany, no rows)."""
    dialect = connection.dialect
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
        processors = _result_processors(compiled, dialect, cursor.description) if compiled.types is not None else None
        if processors is None or not any(processors):
            rows = [row_type(*r) for r in raw]
        else:
            rows = [row_type(*[p(v) if p is not None else v for p, v in zip(processors, r, strict=True)]) for r in raw]
        return FastResult(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        raise as_sqlalchemy_error(dialect, compiled.sql, params, error) from error
    finally:
        cursor.close()
