"""What a simulated hall day can be set to: demand, service, the counters' realities and the manager.

Every setting applies to every policy alike: a comparison changes the policy and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hall.text import HallRuleError


class LunchMode(StrEnum):
    FIXED = "fixed"  # the lunch windows' clerks work through lunch, the others leave for all of it
    STAGGERED = "staggered"  # two lunch groups: half the clerks eat early, half late, each category covered


@dataclass(frozen=True)
class SimSettings:
    # ---- demand
    load_factor: float = 1.0  # scales every category's arrivals: a roster can be too small or too big
    peak_utilisation: float = 0.85  # derived rates: each category's windows run this full at the morning peak
    # planned arrivals per hour over the open hours, per category; a category left out is derived as above
    rates_per_hour: tuple[tuple[str, float], ...] = ()
    forecast_sigma: float = 0.25  # σ of the log of a category's daily level (the day differs from the plan)
    shape_spread: float = 0.25  # morning and afternoon weights vary uniformly by ± this
    # ---- service
    service_sigma: float = 0.5  # σ of the log of lognormal service times (coefficient of variation ≈ 0.53)
    priority_share: float = 0.05  # 绿色通道
    switch_cost_minutes: float = 0.0  # extra minutes when a window's next ticket is of another category
    no_show_share: float = 0.0  # called citizens who never come ...
    no_show_minutes: float = 2.0  # ... cost the window this long in recalls
    appointment_share: float = 0.0  # tickets with a booked slot (called in the appointment band)
    long_service_share: float = 0.0  # 承诺件 with a long intake ...
    long_service_factor: float = 3.0  # ... this many times the category's service time
    # ---- the clerks
    absences_per_clerk: float = 0.0  # short AB absences per clerk and day (window paused) ...
    absence_max_minutes: float = 3.0  # ... each up to this long
    lunch_mode: LunchMode = LunchMode.FIXED
    lunch_windows: tuple[int, ...] | None = None  # FIXED: None = the first window of each category
    # ---- the advisor and the manager
    switch_delay_minutes: float = 3.0  # a moved or opened window does not serve for this long
    add_delay_minutes: float = 1.0  # adding a category to a window
    advice_delay_minutes: float = 0.0  # the manager applies advice this late (stale advice is dropped)
    history_weeks: int = 4  # past weeks the advisor's arrival forecast is built from (0 = the plan itself)
    rate_window_minutes: float = 30.0  # the advisor sees arrivals over this window ...
    rate_prior_minutes: float = 15.0  # ... blended with the forecast
    # ---- reporting
    long_wait_minutes: float = 20.0  # for the "share waiting more than" figure
    day: date = date(2026, 11, 17)  # a Tuesday; the date of every simulated day

    @property
    def service_cv(self) -> float:
        """Coefficient of variation of the service times."""
        return math.sqrt(math.expm1(self.service_sigma * self.service_sigma))

    @staticmethod
    def sigma_for_cv(cv: float) -> float:
        """σ of the log of a lognormal whose coefficient of variation is ``cv``."""
        return math.sqrt(math.log1p(cv * cv))

    def check(self) -> None:
        """Refuse settings that make no hall day, with a message in both languages."""
        shares = {
            "priority_share": self.priority_share,
            "no_show_share": self.no_show_share,
            "appointment_share": self.appointment_share,
            "long_service_share": self.long_service_share,
        }
        for name, value in shares.items():
            if not 0.0 <= value <= 1.0:
                raise HallRuleError(
                    "bad_sim_setting", f"{name} 应在 0 与 1 之间（现为 {value}）", f"{name} must be between 0 and 1 (is {value})", 422
                )
        non_negative = {
            "load_factor": self.load_factor,
            "service_sigma": self.service_sigma,
            "switch_cost_minutes": self.switch_cost_minutes,
            "no_show_minutes": self.no_show_minutes,
            "absences_per_clerk": self.absences_per_clerk,
            "absence_max_minutes": self.absence_max_minutes,
            "advice_delay_minutes": self.advice_delay_minutes,
            "history_weeks": float(self.history_weeks),
        }
        for name, value in non_negative.items():
            if value < 0.0 or math.isnan(value):
                raise HallRuleError("bad_sim_setting", f"{name} 不能为负（现为 {value}）", f"{name} cannot be negative (is {value})", 422)
        if self.long_service_factor < 1.0:
            raise HallRuleError(
                "bad_sim_setting",
                f"承诺件倍数至少为 1（现为 {self.long_service_factor}）",
                f"long_service_factor must be at least 1 (is {self.long_service_factor})",
                422,
            )
        for series, rate in self.rates_per_hour:
            if rate < 0.0:
                raise HallRuleError(
                    "bad_sim_setting", f"业务 {series} 的到达率不能为负", f"the arrival rate of {series} cannot be negative", 422
                )
