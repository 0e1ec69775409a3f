"""差评回访 figures the provincial platform asks for, from follow-ups and their call logs (plain Python).

- 回访率 (follow-up rate): bad ratings whose citizen was reached by a call, over all bad ratings.
- 整改率 (rectification rate): bad ratings with a rectification recorded, over all bad ratings.
- 按时率 (on time): closed follow-ups closed on or before their deadline, over closed ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


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
