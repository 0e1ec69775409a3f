"""What flows down from the city: versioned catalogues and notices, published to chosen halls (or
all), and each hall's word on which version it runs.

Versions are numbered per kind (catalogue, notices), 1, 2, 3 ... in publishing order; a
publication names its halls (one target row each) or all halls, present and future. A hall is
offered the newest version meant for it; versions it missed while offline are skipped, since each
version is whole. The content is checked (hall/catalogue.py) before it is stored; the hall checks
it again before applying.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Boolean, Engine, Index, Integer, String, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from city.models import CityBase, CityHall
from hall.catalogue import CATALOGUE, KINDS, check_payload
from hall.config import ConfigError


class CityPublication(CityBase):
    __tablename__ = "city_publications"
    __table_args__ = (Index("city_publications_by_kind", "kind", "version", unique=True),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    all_halls: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[str] = mapped_column(String(100), default="")
    published_at: Mapped[datetime]


class CityPublicationTarget(CityBase):
    """A hall a publication is meant for (none for an all-halls publication)."""

    __tablename__ = "city_publication_targets"
    __table_args__ = (Index("city_publication_targets_by_hall", "hall", "kind", "version"),)
    publication_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)


class CityHallVersion(CityBase):
    """What a hall last said it runs of each kind: applied, or refused (with the hall's reason)."""

    __tablename__ = "city_hall_versions"
    hall: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)  # the version running (applied)
    refused_version: Mapped[int] = mapped_column(Integer, default=0)
    refused_message: Mapped[str] = mapped_column(String(300), default="")
    reported_at: Mapped[datetime]


@dataclass(frozen=True)
class Offer:
    kind: str
    version: int
    payload: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"version": self.version, "payload": self.payload}


def publish(
    engine: Engine, kind: str, payload: dict[str, Any], halls: list[str] | None, at: datetime, by: str = "", check: bool = True
) -> int:
    """Store a new version of ``kind`` for ``halls`` (None: every hall); returns its number.
    ``check=False`` stores it unchecked (only tests use it, to show a hall refusing a broken one)."""
    if kind not in KINDS:
        raise ConfigError("kind", f"未知的下发类型“{kind}”", f"unknown kind '{kind}'")
    if check:
        check_payload(kind, payload)
    targets = sorted({code.strip() for code in halls or [] if code.strip()})
    if halls is not None and not targets:
        raise ConfigError("halls", "请指定至少一个大厅，或选择全部", "name at least one hall, or all halls")
    with engine.begin() as connection:
        # One publisher at a time per kind: the version numbers stay gapless and in order.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"city_publish_{kind}"})
        version = int(connection.execute(select(func.coalesce(func.max(CityPublication.version), 0) + 1).where(CityPublication.kind == kind)).scalar_one())
        publication_id = connection.execute(
            insert(CityPublication)
            .values(kind=kind, version=version, payload=payload, all_halls=halls is None, published_by=by[:100], published_at=at)
            .returning(CityPublication.id)
        ).scalar_one()
        if targets:
            connection.execute(
                insert(CityPublicationTarget),
                [{"publication_id": publication_id, "hall": code, "kind": kind, "version": version} for code in targets],
            )
    return version


def newest_for(engine: Engine, hall: str) -> dict[str, Offer | None]:
    """Per kind, the newest version meant for ``hall`` (or None)."""
    offers: dict[str, Offer | None] = {}
    with engine.connect() as connection:
        for kind in KINDS:
            targeted = select(CityPublicationTarget.publication_id).where(CityPublicationTarget.hall == hall, CityPublicationTarget.kind == kind)
            row = connection.execute(
                select(CityPublication.version, CityPublication.payload)
                .where(CityPublication.kind == kind, or_(CityPublication.all_halls, CityPublication.id.in_(targeted)))
                .order_by(CityPublication.version.desc())
                .limit(1)
            ).first()
            offers[kind] = Offer(kind, int(row.version), row.payload) if row else None
    return offers


def reported(engine: Engine, hall: str) -> dict[str, int]:
    """The version of each kind ``hall`` last said it runs."""
    with engine.connect() as connection:
        rows = connection.execute(select(CityHallVersion.kind, CityHallVersion.version).where(CityHallVersion.hall == hall))
        return {row.kind: int(row.version) for row in rows}


def record_report(engine: Engine, hall: str, kind: str, version: int, applied: bool, message: str, at: datetime) -> None:
    """A hall's acknowledgement: it runs ``version`` (applied), or refused it (with its reason)."""
    values: dict[str, Any] = {"hall": hall, "kind": kind, "reported_at": at}
    if applied:
        values |= {"version": version, "refused_version": 0, "refused_message": ""}
        changes = {"version": version, "reported_at": at}
    else:
        values |= {"version": 0, "refused_version": version, "refused_message": message[:300]}
        changes = {"refused_version": version, "refused_message": message[:300], "reported_at": at}
    with engine.begin() as connection:
        connection.execute(insert(CityHallVersion).values(**values).on_conflict_do_update(index_elements=["hall", "kind"], set_=changes))


def versions_by_hall(engine: Engine) -> list[dict[str, Any]]:
    """Per hall the city knows (it shipped events, was targeted, or reported) and kind: the
    version it runs, the newest meant for it, and what it refused, for the city's people."""
    with engine.connect() as connection:
        halls = set(connection.scalars(select(CityHall.code)))
        halls |= set(connection.scalars(select(CityHallVersion.hall)))
        halls |= set(connection.scalars(select(CityPublicationTarget.hall)))
        reports = {(row.hall, row.kind): row for row in connection.execute(select(CityHallVersion))}
    rows: list[dict[str, Any]] = []
    for hall in sorted(halls):
        offers = newest_for(engine, hall)
        for kind in KINDS:
            report, offer = reports.get((hall, kind)), offers[kind]
            rows.append(
                {
                    "hall": hall,
                    "kind": kind,
                    "version": int(report.version) if report else 0,
                    "newest": offer.version if offer else 0,
                    "refused_version": int(report.refused_version) if report else 0,
                    "refused_message": report.refused_message if report else "",
                    "reported_at": report.reported_at.isoformat() if report else None,
                }
            )
    return rows


def load_publication(kind: str, path: Path) -> dict[str, Any]:
    """The payload of a catalogue or notices TOML file, checked: a catalogue file is the
    ``[[categories]]`` part of a hall configuration (a whole hall file will do: only its
    categories are taken); a notices file is ``notices = ["...", ...]``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(str(path), f"无法读取文件：{error.strerror}", f"cannot read the file: {error.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(str(path), f"不是有效的 TOML 文件：{error}", f"not a valid TOML file: {error}") from None
    key = "categories" if kind == CATALOGUE else "notices"
    payload = {key: data.get(key)}
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise ConfigError(key, "含有日期等无法下发的值", "holds values (such as dates) that cannot be sent") from None
    check_payload(kind, payload)
    return payload
