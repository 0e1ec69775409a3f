"""The operator's word on each hall (``hallq city hall set``): name, district and address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert

from city.models import CityHallProfile
from hall.text import HallRuleError

LIMITS = {"name": 100, "district": 60, "address": 200}


def _check(code: str, fields: dict[str, str]) -> None:
    if not code or len(code) > 64 or not all(ch.isalnum() or ch in "-_." for ch in code):
        raise HallRuleError(
            "bad_hall_code", "大厅代码只能含字母、数字、-_.（1-64 个）", "a hall code holds letters, digits and -_. (1-64)", 422
        )
    for name, value in fields.items():
        if len(value) > LIMITS[name] or any(ord(ch) < 32 for ch in value):
            raise HallRuleError(
                "bad_hall_profile",
                f"{name} 过长或含控制字符（最多 {LIMITS[name]} 字）",
                f"{name} is too long or holds control characters (at most {LIMITS[name]})",
                422,
            )


def set_hall_profile(engine: Engine, code: str, *, create: bool, **fields: str | None) -> dict[str, Any]:
    """Add (``create``) or change a hall's profile; fields left None are kept. Adding a hall that
    exists, or changing one that does not, is refused and changes nothing."""
    given = {name: value.strip() for name, value in fields.items() if value is not None}
    _check(code, given)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        exists = connection.execute(select(CityHallProfile.code).where(CityHallProfile.code == code)).first() is not None
        if create and exists:
            raise HallRuleError(
                "hall_exists", f"大厅 {code} 已登记，请用 set 修改", f"hall {code} is already set up; use set to change it", 409
            )
        if not create and not exists:
            raise HallRuleError("unknown_hall", f"大厅 {code} 尚未登记，请先 add", f"hall {code} is not set up; add it first", 404)
        values = {"name": "", "district": "", "address": ""} | given if create else given
        statement = insert(CityHallProfile).values(code=code, updated_at=now, **values)
        connection.execute(statement.on_conflict_do_update(index_elements=["code"], set_={**given, "updated_at": now}))
        row = connection.execute(select(CityHallProfile).where(CityHallProfile.code == code)).one()
    return {"hall": row.code, "name": row.name, "district": row.district, "address": row.address}


def list_hall_profiles(engine: Engine) -> list[dict[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(CityHallProfile).order_by(CityHallProfile.district, CityHallProfile.code)).all()
    return [{"hall": r.code, "name": r.name, "district": r.district, "address": r.address} for r in rows]
