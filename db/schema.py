"""Creating and migrating the database (Alembic), and loading a hall's configuration into it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Engines
from db.models import Category, Clerk, Hall, Item, Window, WindowCategory
from db.security import hash_pin
from hall.config import HallConfig
from hall.text import HallRuleError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, migrations: Path = MIGRATIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engines: Engines, migrations: Path = MIGRATIONS) -> None:
    """Bring the schema to the newest revision, keeping every row (``hallq db upgrade`` wraps it
    in db/upgrades.py with a backup first)."""
    config = alembic_config(engines.url, migrations)
    refuse_newer_database(engines, config)
    with engines.write.connect() as connection:
        if engines.is_sqlite:
            # Alembic runs its own BEGIN; the IMMEDIATE hook would nest it.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        if not engines.is_sqlite:
            connection.commit()


def database_revision(engines: Engines) -> str | None:
    """The schema revision the database is at; None for an empty database."""
    with engines.read.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def refuse_newer_database(engines: Engines, config: Config) -> None:
    """A database migrated by a newer hallq has tables and columns this code does not know;
    running on it (or "upgrading" it) would corrupt the hall's data, so refuse with a message."""
    current = database_revision(engines)
    if current is None:
        return
    scripts = ScriptDirectory.from_config(config)
    try:
        known = scripts.get_revision(current)
    except CommandError:
        known = None
    if known is None:
        head = scripts.get_current_head()
        raise HallRuleError(
            "database_newer_than_code",
            f"数据库版本 {current} 比本程序（最高 {head}）新：请安装与数据库相同或更新的 hallq，或从备份恢复",
            f"the database is at schema {current}, newer than this hallq knows (up to {head}): "
            "install the same or a newer hallq, or restore a backup",
        )


def _hours_json(config: HallConfig) -> dict[str, object]:
    h = config.hours
    return {
        "timezone": h.timezone,
        "workdays": list(h.workdays),
        "regular": [str(r) for r in h.regular],
        "lunch": str(h.lunch) if h.lunch else "",
        "extended": str(h.extended) if h.extended else "",
        "weekend": str(h.weekend) if h.weekend else "",
        "weekend_mode": h.weekend_mode.value,
        "extended_mode": h.extended_mode.value,
        "closed_dates": list(h.closed_dates),
        "extra_workdays": list(h.extra_workdays),
    }


def _rules_json(config: HallConfig) -> dict[str, object]:
    from dataclasses import asdict

    return {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(config.rules).items()}


def import_hall(engines: Engines, config: HallConfig) -> int:
    """Create the hall from its configuration (or return the id if it already exists)."""
    with Session(engines.write) as session, session.begin():
        existing = session.scalar(select(Hall.id).where(Hall.code == config.code))
        if existing is not None:
            return int(existing)
        hall = Hall(
            code=config.code,
            name_zh=config.name_zh,
            name_en=config.name_en,
            complaint_phone=config.complaint_phone,
            public_url=config.public_url,
            hours=_hours_json(config),
            rules=_rules_json(config),
            notices=list(config.notices),
            event_seq=0,
            demo=config.demo,
            booking=config.booking.as_json(),
            privacy=config.privacy.as_json(),
            address_zh=config.address_zh,
            address_en=config.address_en,
        )
        session.add(hall)
        session.flush()
        by_series: dict[str, int] = {}
        for order, c in enumerate(config.categories):
            category = Category(
                hall_id=hall.id,
                series=c.series,
                name_zh=c.name_zh,
                name_en=c.name_en,
                department=c.department,
                expected_service_minutes=c.expected_service_minutes,
                target_wait_minutes=c.target_wait_minutes,
                sort_order=order,
            )
            session.add(category)
            session.flush()
            by_series[c.series] = category.id
            for item_order, i in enumerate(c.items):
                session.add(
                    Item(
                        hall_id=hall.id,
                        category_id=category.id,
                        code=i.code,
                        name_zh=i.name_zh,
                        name_en=i.name_en,
                        materials=list(i.materials),
                        promised_days=i.promised_days,
                        fee=i.fee,
                        sort_order=item_order,
                    )
                )
        for w in config.windows:
            window = Window(
                hall_id=hall.id,
                number=w.number,
                name_zh=w.name_zh,
                name_en=w.name_en,
                department=w.department,
                state="open" if w.open else "closed",
                phone=w.phone,
            )
            session.add(window)
            session.flush()
            for rank, series in enumerate([*w.primary, *w.secondary]):
                session.add(WindowCategory(window_id=window.id, category_id=by_series[series], rank=rank, primary=series in w.primary))
        for k in config.clerks:
            pin_hash = k.pin_hash or hash_pin(k.pin or "")
            session.add(
                Clerk(
                    hall_id=hall.id,
                    staff_no=k.staff_no,
                    name=k.name,
                    department=k.department,
                    photo=k.photo,
                    skills=list(k.skills),
                    pin_hash=pin_hash,
                    lunch=k.lunch,
                )
            )
        session.flush()
        return hall.id
