"""The hall-day simulator: compare window policies fairly, on the same tickets and the same clerks.

* :mod:`~hall.simulation.settings` — what a day can be set to (:class:`SimSettings`);
* :mod:`~hall.simulation.demand` — arrivals and service times (:func:`make_day`);
* :mod:`~hall.simulation.roster` — the clerks on duty, their lunches and absences (:func:`make_roster`);
* :mod:`~hall.simulation.policies` — static, skills, idle-longest, pooled, the advisor (:func:`policy`);
* :mod:`~hall.simulation.live` — what the advisor may know: only what production knows;
* :mod:`~hall.simulation.engine` — one day under one policy (:func:`simulate_day`);
* :mod:`~hall.simulation.compare` — many seeds, confidence intervals, the equal-clerks check;
* :mod:`~hall.simulation.halls` — the sample hall and synthetic 30 × 100 halls.
"""

from hall.simulation.compare import Comparison, Estimate, UnequalStaffing, compare, format_comparison
from hall.simulation.demand import DayPlan, SimTicket, make_day, planned_peak_rates, shape
from hall.simulation.engine import DayResult, simulate_day
from hall.simulation.halls import select_hall, synthetic_hall
from hall.simulation.policies import BasePlan, Dispatch, Policy, policy, reference_policies
from hall.simulation.roster import Duty, Roster, assign_clerks, default_lunch_windows, make_roster
from hall.simulation.settings import LunchMode, SimSettings

__all__ = [
    "BasePlan",
    "Comparison",
    "DayPlan",
    "DayResult",
    "Dispatch",
    "Duty",
    "Estimate",
    "LunchMode",
    "Policy",
    "Roster",
    "SimSettings",
    "SimTicket",
    "UnequalStaffing",
    "assign_clerks",
    "compare",
    "default_lunch_windows",
    "format_comparison",
    "make_day",
    "make_roster",
    "planned_peak_rates",
    "policy",
    "reference_policies",
    "select_hall",
    "shape",
    "simulate_day",
    "synthetic_hall",
]
