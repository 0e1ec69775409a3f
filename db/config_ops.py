"""Editing the hall's configuration through the API: categories, items, windows, clerks, hours,
rules and notices. Every change is audited and announced as an event so screens redraw.

A clerk's new PIN must pass the hall's PIN policy (hall.pins; the sample hall, ``demo``, only
checks the form); setting a clerk inactive or giving a new PIN ends their open session at once,
in every server process."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from db.common import Actor, clerk_card
from db.hall_store import HallStore
from db.models import AuditEntry, Category, Clerk, ClerkSession, Hall, Item, Window
from db.security import hash_pin
from db.sessions import end_clerk_sessions
from db.settings_booking import check_holiday_dates, edit_booking_privacy
from db.unit_of_work import UnitOfWork
from hall.config import RulesConfig, parse_config
from hall.numbering import SERIES_PATTERN
from hall.pins import basic_pin_problem, pin_problem
from hall.text import HallRuleError

# The value a rule has when the hall's stored rules do not name it.
RULE_DEFAULTS: dict[str, Any] = {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(RulesConfig()).items()}


def _changed(stored: dict[str, Any], changes: dict[str, Any], defaults: dict[str, Any]) -> dict[str, list[Any]]:
    """{setting: [before, after]} for the settings the change really alters."""
    before = {**defaults, **stored}
    return {key: [before.get(key), value] for key, value in changes.items() if before.get(key) != value}


class ConfigStore(HallStore):
    def _audit(self, uow: UnitOfWork, actor: Actor, action: str, detail: dict[str, Any], reason: str = "") -> None:
        uow.session.add(
            AuditEntry(hall_id=uow.hall.id, actor=actor.label, action=action, detail=detail, reason=reason[:300], created_at=uow.now)
        )
        uow.emit("config_changed", what=action, detail=detail)

    def update_hall(self, actor: Actor, changes: dict[str, Any]) -> dict[str, Any]:
        # Validate hours and rules with the same parser the config file goes through.
        parse_config({"hall": {"code": "x", "name_zh": "x"}, "hours": changes.get("hours", {}), "rules": changes.get("rules", {})})
        check_holiday_dates(changes.get("hours", {}))

        def work(uow: UnitOfWork) -> dict[str, Any]:
            hall = uow.hall
            detail: dict[str, Any] = {"keys": sorted(changes)}
            for key in ("name_zh", "name_en", "complaint_phone", "public_url", "notices"):
                if key in changes:
                    setattr(hall, key, changes[key])
            if "hours" in changes:
                detail["hours"] = _changed(hall.hours, changes["hours"], {})
                hall.hours = {**hall.hours, **changes["hours"]}
            if "rules" in changes:
                # Who changed a rule, from what to what: a recall limit or a promise deadline decides citizens' cases.
                detail["rules"] = _changed(hall.rules, changes["rules"], RULE_DEFAULTS)
                hall.rules = {**hall.rules, **changes["rules"]}
            edit_booking_privacy(uow.session, hall, changes, detail)  # 预约 and 个人信息 settings (db.settings_booking)
            self._audit(uow, actor, "hall_settings", detail)
            return {"updated": sorted(changes)}

        result = self.write(actor.hall_id, work)
        self.forget_settings(actor.hall_id)
        return result

    def upsert_category(self, actor: Actor, series: str, data: dict[str, Any]) -> dict[str, Any]:
        if not SERIES_PATTERN.match(series):
            raise HallRuleError("bad_series", "业务序列应为一到两个大写字母", "series must be one or two capital letters", 422)

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(Category).where(Category.hall_id == uow.hall.id, Category.series == series))
            if row is None:
                if "name_zh" not in data:
                    raise HallRuleError("missing_name", "新业务需要中文名称", "a new category needs name_zh", 422)
                row = Category(hall_id=uow.hall.id, series=series, name_zh=data["name_zh"], sort_order=99)
                uow.session.add(row)
            for key in ("name_zh", "name_en", "department", "expected_service_minutes", "target_wait_minutes", "active"):
                if key in data:
                    setattr(row, key, data[key])
            uow.session.flush()
            self._audit(uow, actor, "category", {"series": series, **data})
            return {"series": row.series, "name_zh": row.name_zh, "active": row.active}

        return self.write(actor.hall_id, work)

    def upsert_item(self, actor: Actor, code: str, data: dict[str, Any]) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(Item).where(Item.hall_id == uow.hall.id, Item.code == code))
            if "series" in data:
                category = uow.session.scalar(select(Category).where(Category.hall_id == uow.hall.id, Category.series == data["series"]))
                if category is None:
                    raise HallRuleError("not_found", "找不到该业务类别", "category not found", 404)
            elif row is None:
                raise HallRuleError("missing_series", "新事项需要所属业务 series", "a new item needs its series", 422)
            if row is None:
                if "name_zh" not in data:
                    raise HallRuleError("missing_name", "新事项需要中文名称", "a new item needs name_zh", 422)
                row = Item(hall_id=uow.hall.id, category_id=category.id, code=code, name_zh=data["name_zh"])
                uow.session.add(row)
            elif "series" in data:
                row.category_id = category.id
            for key in ("name_zh", "name_en", "materials", "promised_days", "fee"):
                if key in data:
                    setattr(row, key, data[key])
            uow.session.flush()
            self._audit(uow, actor, "item", {"code": code, **data})
            return {"code": row.code, "name_zh": row.name_zh}

        return self.write(actor.hall_id, work)

    def upsert_window(self, actor: Actor, number: int, data: dict[str, Any]) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(Window).where(Window.hall_id == uow.hall.id, Window.number == number))
            if row is None:
                if "name_zh" not in data:
                    raise HallRuleError("missing_name", "新窗口需要中文名称", "a new window needs name_zh", 422)
                row = Window(hall_id=uow.hall.id, number=number, name_zh=data["name_zh"], state="closed")
                uow.session.add(row)
            for key in ("name_zh", "name_en", "department", "phone"):
                if key in data:
                    setattr(row, key, data[key])
            uow.session.flush()
            self._audit(uow, actor, "window", {"number": number, **data})
            return {"number": row.number, "name_zh": row.name_zh, "state": row.state}

        return self.write(actor.hall_id, work)

    def upsert_clerk(self, actor: Actor, staff_no: str, data: dict[str, Any]) -> dict[str, Any]:
        pin = data.pop("pin", None)
        if pin is not None:
            problem = basic_pin_problem(pin)
            if problem is None:
                with self.read() as session:
                    demo = bool(session.scalar(select(Hall.demo).where(Hall.id == actor.hall_id)))
                problem = pin_problem(pin, staff_no, demo=demo)
            if problem is not None:
                raise HallRuleError("bad_pin", problem.zh, problem.en, 422)
        pin_hash = hash_pin(pin) if pin else None

        def work(uow: UnitOfWork) -> dict[str, Any]:
            row = uow.session.scalar(select(Clerk).where(Clerk.hall_id == uow.hall.id, Clerk.staff_no == staff_no))
            if row is None:
                if "name" not in data or pin_hash is None:
                    raise HallRuleError("missing_fields", "新工作人员需要姓名和 PIN", "a new clerk needs a name and a PIN", 422)
                row = Clerk(hall_id=uow.hall.id, staff_no=staff_no, name=data["name"], pin_hash=pin_hash)
                uow.session.add(row)
            for key in ("name", "department", "photo", "skills", "active"):
                if key in data:
                    setattr(row, key, data[key])
            if pin_hash:
                row.pin_hash = pin_hash
            uow.session.flush()
            self._audit(uow, actor, "clerk", {"staff_no": staff_no, **data, "pin_changed": pin_hash is not None})
            if not row.active or pin_hash:
                end_clerk_sessions(uow, "deactivated" if not row.active else "pin_changed", ClerkSession.clerk_id == row.id)
            return clerk_card(row)

        return self.write(actor.hall_id, work)

    def clerks(self, hall_id: int) -> list[dict[str, Any]]:
        with self.read() as session:
            return [
                clerk_card(c) | {"active": c.active}
                for c in session.scalars(select(Clerk).where(Clerk.hall_id == hall_id).order_by(Clerk.staff_no))
            ]
