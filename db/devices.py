"""The hall's devices: enrolment (a token bound to a role and, for counters and pads, a
window), heartbeats with the state of each device (hall.devices), trouble reports, revocation,
and the audit log the manager reads.

A token is shown once, at enrolment, and stored hashed; revocation ends it in every server
process (see :mod:`db.auth`), and with a counter's token every clerk session begun at it. The
hall's last manager console cannot be revoked (nobody could enrol or revoke anything after it);
``hallq enroll manager NAME`` on the server's machine makes a new one (README, "Recovery").
"""

from __future__ import annotations

import time as _time
from typing import Any

from sqlalchemy import select, update

from db.auth import TokenAuth
from db.common import Actor, not_found, window_by_number
from db.models import AuditEntry, ClerkSession, Device, Window
from db.security import new_token, token_hash
from db.sessions import end_clerk_sessions
from db.unit_of_work import UnitOfWork
from hall.devices import SEEN_WRITE_SECONDS, conditions_changed, parse_report
from hall.text import HallRuleError

ROLES = ("kiosk", "counter", "display", "pad", "manager", "guide", "clerk", "followup")  # guide: the 导办台; followup: 回访 staff, sees contacts


class DeviceOps(TokenAuth):
    """Enrolled devices and the audit log."""

    def enroll_device(self, actor: Actor | None, hall_id: int, role: str, name: str, window_number: int | None = None) -> dict[str, Any]:
        """Create a device token for a role (and window). The token is shown once and stored hashed."""
        if role not in ROLES or role == "clerk":
            raise HallRuleError(
                "bad_role",
                "角色应为 kiosk、counter、display、pad、guide、manager 或 followup",
                "role must be kiosk, counter, display, pad, guide, manager or followup",
                422,
            )
        if role in ("counter", "pad") and window_number is None:
            raise HallRuleError("needs_window", "窗口终端和评价器需要绑定窗口", "counters and pads must be bound to a window", 422)
        token = new_token()

        def work(uow: UnitOfWork) -> dict[str, Any]:
            window = window_by_number(uow.session, hall_id, window_number) if window_number is not None else None
            device = Device(
                hall_id=hall_id,
                name=name[:100],
                role=role,
                window_id=window.id if window else None,
                token_hash=token_hash(token),
                created_at=uow.now,
            )
            uow.session.add(device)
            uow.session.flush()
            uow.session.add(
                AuditEntry(
                    hall_id=hall_id,
                    actor=actor.label if actor else "system",
                    action="enroll",
                    detail={"device": device.id, "role": role, "window": window_number, "name": name[:100]},
                    created_at=uow.now,
                )
            )
            uow.emit("device_enrolled", device_id=device.id, role=role, window=window_number)  # never the token
            return {"device_id": device.id, "role": role, "window": window_number, "token": token}

        return self.write(hall_id, work)

    def device_alert(self, actor: Actor, kind: str, zh: str, en: str) -> dict[str, Any]:
        """A device reports trouble (printer out of paper, keypad bus offline ...) to the manager."""

        def work(uow: UnitOfWork) -> dict[str, Any]:
            detail = {"device": actor.device_id, "name": actor.name, "role": actor.role, "window": actor.window_number, "kind": kind}
            uow.session.add(
                AuditEntry(
                    hall_id=uow.hall_id, actor=actor.label, action="device_alert", detail=detail, reason=zh[:300], created_at=uow.now
                )
            )
            uow.emit("device_alert", **detail, message={"zh": zh, "en": en}, at=uow.now.isoformat())
            return {"reported": True}

        return self.write(actor.hall_id, work)

    def heartbeat(self, actor: Actor, components: dict[str, Any]) -> dict[str, Any]:
        """A program reports it is alive and how its devices are. Only a change of state is a
        write with an event and an audit sentence; an unchanged report refreshes "last seen" at
        most every SEEN_WRITE_SECONDS, so a hall of 60 devices beating every 5 s costs the
        database a few writes a second, not twelve."""
        if actor.device_id is None:
            raise HallRuleError("not_a_device", "只有终端可以上报心跳", "only an enrolled device sends heartbeats", 403)
        try:
            report = parse_report(components)
        except ValueError as error:
            zh, _, en = str(error).partition(" / ")
            raise HallRuleError("bad_health", zh, en or zh, 422) from error
        device_id = actor.device_id
        last = self._heartbeats.get(device_id)
        if last is not None and not conditions_changed(last[1], report) and _time.monotonic() - last[0] < SEEN_WRITE_SECONDS:
            return {"changed": False}

        def work(uow: UnitOfWork) -> dict[str, Any]:
            device = uow.session.scalar(select(Device).where(Device.id == device_id, Device.hall_id == uow.hall_id))
            if device is None:
                raise not_found("该终端", "device")
            before = dict(device.health or {})
            if not conditions_changed(before, report):
                uow.session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=uow.now))
                return {"changed": False}
            device.health, device.last_seen_at = report, uow.now
            changes = {
                name: [before.get(name, {}).get("state", "ok"), state["state"]]
                for name, state in report.items()
                if before.get(name, {}).get("state", "ok") != state["state"]
            }
            detail = {"device": device_id, "name": actor.name, "role": actor.role, "window": actor.window_number}
            if changes:
                uow.session.add(
                    AuditEntry(
                        hall_id=uow.hall_id,
                        actor=actor.label,
                        action="device_health",
                        detail={**detail, "changes": changes},
                        created_at=uow.now,
                    )
                )
            uow.emit("device_health", **detail, health=report, at=uow.now.isoformat())
            return {"changed": True}

        result = self.write(actor.hall_id, work)
        if len(self._heartbeats) > 10_000:
            self._heartbeats.clear()
        self._heartbeats[device_id] = (_time.monotonic(), report)
        return result

    def revoke_device(self, actor: Actor, device_id: int) -> dict[str, Any]:
        def work(uow: UnitOfWork) -> dict[str, Any]:
            device = uow.session.scalar(select(Device).where(Device.id == device_id, Device.hall_id == uow.hall_id).with_for_update())
            if device is None:
                raise not_found("该终端", "device")
            if device.role == "manager" and device.revoked_at is None:
                # Every active manager console locked: two managers revoking each other at once
                # queue here, and the second sees the first's revocation.
                managers = uow.session.scalars(
                    select(Device.id)
                    .where(Device.hall_id == uow.hall_id, Device.role == "manager", Device.revoked_at.is_(None))
                    .with_for_update()
                ).all()
                if set(managers) <= {device_id}:
                    raise HallRuleError(
                        "last_manager",
                        "这是最后一个有效的管理端，不能吊销；请先登记另一个管理端",
                        "this is the last active manager console and cannot be revoked; enrol another first",
                        409,
                    )
            device.revoked_at = uow.now
            uow.flush()
            end_clerk_sessions(uow, "revoked", ClerkSession.device_id == device_id)
            uow.emit("device_revoked", device_id=device_id, role=device.role)
            uow.session.add(
                AuditEntry(hall_id=uow.hall_id, actor=actor.label, action="revoke", detail={"device": device_id}, created_at=uow.now)
            )
            return {"device_id": device_id, "revoked": True}

        return self._write_changing_tokens(actor.hall_id, work)

    def devices(self, hall_id: int) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.execute(
                select(Device, Window.number)
                .outerjoin(Window, Window.id == Device.window_id)
                .where(Device.hall_id == hall_id)
                .order_by(Device.id)
            ).all()
            return [
                {
                    "id": d.id,
                    "name": d.name,
                    "role": d.role,
                    "window": n,
                    "created_at": d.created_at.isoformat(),
                    "revoked": d.revoked_at is not None,
                    "health": d.health or {},
                    "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                }
                for d, n in rows
            ]

    def audit_log(self, hall_id: int, limit: int = 200) -> list[dict[str, Any]]:
        with self.read() as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.hall_id == hall_id).order_by(AuditEntry.id.desc()).limit(limit))
            return [
                {"id": a.id, "actor": a.actor, "action": a.action, "detail": a.detail, "reason": a.reason, "at": a.created_at.isoformat()}
                for a in rows
            ]
