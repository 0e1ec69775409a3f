"""The window policies a simulated day can run, and where each one seats the roster's clerks.

All of them get the same clerks on duty (the day's :class:`~hall.simulation.roster.Roster`) and
call tickets by the hall's call rule (``RulesConfig.call_rule``), except where said:

* ``static`` — every clerk at their home window with its configured categories (a window with
  none configured, e.g. a spare desk, serves the clerk's skills). The reserve window opens too:
  its clerk is on duty, so leaving it closed would compare a smaller hall.
* ``skills`` — every window serves all the categories its clerk is trained for.
* ``idle-longest`` — as ``skills``, but an idle window takes the head of the longest queue among
  its clerk's skills (绿色通道 and due appointments still first).
* ``pooled`` — skills ignored, every window serves every category: the lower bound.
* ``advisor/k`` and ``skills+advisor/k`` — the real :func:`hall.advisor.advise` every k minutes,
  starting from the static or the skills plan, applied ``advice_delay_minutes`` late.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from hall.config import ClerkConfig, HallConfig
from hall.simulation.roster import Roster
from hall.text import HallRuleError


class BasePlan(StrEnum):
    STATIC = "static"
    SKILLS = "skills"
    POOLED = "pooled"


class Dispatch(StrEnum):
    CALL_RULE = "call_rule"  # hall.call_order.choose_next over the window's categories
    LONGEST_QUEUE = "longest_queue"  # the head of the longest queue among them


@dataclass(frozen=True)
class Policy:
    name: str
    base: BasePlan
    dispatch: Dispatch = Dispatch.CALL_RULE
    advise_every: float | None = None  # minutes between advisor calls; None = no advisor


@dataclass(frozen=True)
class Seat:
    """A window at the start of the day: its clerk and what it serves."""

    clerk: ClerkConfig
    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Seating:
    seats: dict[int, Seat]  # window number -> seat
    spare: tuple[ClerkConfig, ...] = ()  # clerks on duty without a window (could open a closed one)


def _in_category_order(config: HallConfig, series: tuple[str, ...]) -> tuple[str, ...]:
    wanted = set(series)
    return tuple(c.series for c in config.categories if c.series in wanted)


def static_seating(config: HallConfig, roster: Roster) -> Seating:
    windows = {w.number: w for w in config.windows}
    seats: dict[int, Seat] = {}
    for duty in roster.duties:
        window = windows[duty.home_window]
        if window.primary or window.secondary:
            seats[window.number] = Seat(duty.clerk, window.primary, window.secondary)
        else:
            seats[window.number] = Seat(duty.clerk, _in_category_order(config, duty.clerk.skills))
    return Seating(seats)


def skills_seating(config: HallConfig, roster: Roster) -> Seating:
    windows = {w.number: w for w in config.windows}
    seats: dict[int, Seat] = {}
    for duty in roster.duties:
        skills = _in_category_order(config, duty.clerk.skills)
        window = windows[duty.home_window]
        seats[window.number] = Seat(duty.clerk, skills) if skills else Seat(duty.clerk, window.primary, window.secondary)
    return Seating(seats)


def pooled_seating(config: HallConfig, roster: Roster) -> Seating:
    everything = tuple(c.series for c in config.categories)
    return Seating({duty.home_window: Seat(duty.clerk, everything) for duty in roster.duties})


# Where each base plan seats the clerks. A table, so a test can swap in a plan that drops a clerk
# and see the comparison refuse it.
SEATING: dict[BasePlan, Callable[[HallConfig, Roster], Seating]] = {
    BasePlan.STATIC: static_seating,
    BasePlan.SKILLS: skills_seating,
    BasePlan.POOLED: pooled_seating,
}

_ADVISOR = re.compile(r"^(?:(static|skills)\+)?advisor/(\d+(?:\.\d+)?)(?:min)?$")


def policy(name: str) -> Policy:
    """The policy called ``name``: static, skills, idle-longest, pooled, advisor/15min, skills+advisor/15min."""
    text = name.strip()
    fixed = {
        "static": Policy("static", BasePlan.STATIC),
        "skills": Policy("skills", BasePlan.SKILLS),
        "idle-longest": Policy("idle-longest", BasePlan.SKILLS, Dispatch.LONGEST_QUEUE),
        "pooled": Policy("pooled", BasePlan.POOLED),
    }
    if text in fixed:
        return fixed[text]
    match = _ADVISOR.match(text)
    if match is None or float(match.group(2)) < 1.0:
        raise HallRuleError(
            "bad_policy",
            f"未知的策略「{name}」：可用 static、skills、idle-longest、pooled、advisor/15min、skills+advisor/15min（间隔至少 1 分钟）",
            f"unknown policy {name!r}: use static, skills, idle-longest, pooled, advisor/15min or skills+advisor/15min (interval at least 1 minute)",
            422,
        )
    every = float(match.group(2))
    label = f"{every:g}min"
    base = BasePlan(match.group(1) or "static")
    return Policy(f"advisor/{label}" if base is BasePlan.STATIC else f"{base.value}+advisor/{label}", base, advise_every=every)


def reference_policies(every_minutes: tuple[float, ...] = (15.0,)) -> tuple[Policy, ...]:
    """The full comparison: the four references and the advisor on both base plans for each interval."""
    names = ["static", "skills", "idle-longest"]
    for every in every_minutes:
        names += [f"advisor/{every:g}min", f"skills+advisor/{every:g}min"]
    return tuple(policy(n) for n in [*names, "pooled"])
