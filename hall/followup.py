"""差评回访 figures the provincial platform asks for, from follow-ups and their call logs (plain Python).

- 回访率 (follow-up rate): bad ratings whose citizen was reached by a call, over all bad ratings.
- 整改率 (rectification rate): bad ratings with a rectification recorded, over all bad ratings.
- 按时率 (on time): closed follow-ups closed on or before their deadline, over closed ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hall.devices import DeviceAlert, Severity
from hall.text import Bilingual

DUE_SOON_DAYS = 2


@dataclass(frozen=True)
class FollowupFigures:
    cases: int
    reached: int
    rectified: int
    closed: int
    closed_on_time: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def followup_rate(self) -> float | None:
        return self._rate(self.reached, self.cases)

    @property
    def rectification_rate(self) -> float | None:
        return self._rate(self.rectified, self.cases)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.closed_on_time, self.closed)


def followup_figures(followups: Sequence[Mapping[str, Any]]) -> FollowupFigures:
    """``followups`` as the server lists them: ``calls`` (each with ``reached`` and
    ``rectification``), ``status``, ``deadline`` and ``closed_on`` (ISO dates)."""
    reached = sum(1 for f in followups if any(c.get("reached") for c in f.get("calls") or []))
    rectified = sum(1 for f in followups if any((c.get("rectification") or "").strip() for c in f.get("calls") or []))
    closed = [f for f in followups if f.get("status") != "open" and f.get("closed_on")]
    on_time = sum(1 for f in closed if str(f["closed_on"]) <= str(f.get("deadline", "")))
    return FollowupFigures(len(followups), reached, rectified, len(closed), on_time)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def followup_alerts(followups: Sequence[Mapping[str, Any]], today: date) -> list[DeviceAlert]:
    """The console's escalation of 差评回访 deadlines: red while open cases are past their deadline
    (督办: the rules want rectification within the hall's days), amber for those due within
    ``DUE_SOON_DAYS``. ``followups`` as the server lists them (``status``, ``deadline``)."""
    open_deadlines = sorted(date.fromisoformat(str(f["deadline"])) for f in followups if f.get("status") == "open" and f.get("deadline"))
    overdue = [d for d in open_deadlines if d < today]
    due_soon = [d for d in open_deadlines if today <= d and (d - today).days <= DUE_SOON_DAYS]
    alerts = []
    if overdue:
        alerts.append(
            DeviceAlert(
                "followup:overdue",
                0,
                Severity.FAULT,
                Bilingual(
                    f"{len(overdue)} 件差评回访已超期未办结（最早截止 {overdue[0]:%Y-%m-%d}）：请督办整改",
                    f"{len(overdue)} 差评 follow-up(s) past their deadline (earliest {overdue[0]:%Y-%m-%d}): see that they are rectified",
                ),
            )
        )
    if due_soon:
        alerts.append(
            DeviceAlert(
                "followup:due",
                0,
                Severity.WARNING,
                Bilingual(
                    f"{len(due_soon)} 件差评回访将在 {DUE_SOON_DAYS} 天内到期（最早 {due_soon[0]:%Y-%m-%d}）",
                    f"{len(due_soon)} 差评 follow-up(s) due within {DUE_SOON_DAYS} days (first {due_soon[0]:%Y-%m-%d})",
                ),
            )
        )
    return alerts
