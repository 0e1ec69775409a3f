"""What the advisor reads and what it answers: the hall's snapshot (categories, windows, free
clerks), its settings, and the predictions, recommendations and alerts it returns."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from hall.config import CategoryConfig
from hall.serving import WindowServing, staffing
from hall.text import Bilingual

# --------------------------------------------------------------------------- the snapshot


class WindowStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"  # 暂停服务: the clerk stepped away (AB post: at most 3 minutes)
    CLOSED = "closed"


@dataclass(frozen=True)
class CategoryState:
    series: str
    waiting_ages: tuple[float, ...] = ()  # minutes each waiting ticket has waited so far
    arrivals_per_hour: float = 0.0  # recent arrival rate
    service_minutes: float | None = None  # observed recent mean service time, if known
    expected_service_minutes: float = 10.0  # configured fallback
    target_wait_minutes: float = 15.0
    name_zh: str = ""
    name_en: str = ""

    @classmethod
    def from_config(
        cls,
        category: CategoryConfig,
        waiting_ages: Iterable[float] = (),
        arrivals_per_hour: float = 0.0,
        service_minutes: float | None = None,
    ) -> CategoryState:
        return cls(
            series=category.series,
            waiting_ages=tuple(waiting_ages),
            arrivals_per_hour=arrivals_per_hour,
            service_minutes=service_minutes,
            expected_service_minutes=category.expected_service_minutes,
            target_wait_minutes=category.target_wait_minutes,
            name_zh=category.name_zh,
            name_en=category.name_en,
        )

    @property
    def waiting(self) -> int:
        return len(self.waiting_ages)

    @property
    def oldest_minutes(self) -> float:
        return max(self.waiting_ages, default=0.0)

    @property
    def mean_service_minutes(self) -> float:
        if self.service_minutes is not None and self.service_minutes > 0:
            return self.service_minutes
        return max(self.expected_service_minutes, 0.1)

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.name_zh or self.series, self.name_en or self.series)


@dataclass(frozen=True)
class WindowState:
    number: int
    status: WindowStatus
    primary: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    clerk: str | None = None  # staff number of the logged-in clerk
    clerk_skills: tuple[str, ...] = ()
    minutes_since_change: float = math.inf  # since its categories or state were last changed
    paused_minutes: float = 0.0  # how long it has been paused (PAUSED only)
    idle_minutes: float = 0.0  # how long it has had nobody to serve (0 while serving)

    @property
    def series(self) -> tuple[str, ...]:
        return self.primary + self.secondary


@dataclass(frozen=True)
class SpareClerk:
    """A clerk on duty without a window, who could open a closed one."""

    staff_no: str
    skills: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class HallSnapshot:
    categories: tuple[CategoryState, ...]
    windows: tuple[WindowState, ...]
    spare_clerks: tuple[SpareClerk, ...] = ()

    def category(self, series: str) -> CategoryState:
        for category in self.categories:
            if category.series == series:
                return category
        raise KeyError(series)

    def window(self, number: int) -> WindowState:
        for window in self.windows:
            if window.number == number:
                return window
        raise KeyError(number)


@dataclass(frozen=True)
class AdvisorSettings:
    horizon_minutes: float = 30.0  # H: how far ahead waits are predicted
    # Tuned on the simulator (30 seeded days of the sample hall, see hall/simulator.py): acting
    # early, well before the published target is breached, is what keeps the mean wait low.
    act_ratio: float = 0.3  # help a category whose predicted wait exceeds target × this
    release_ratio: float = 0.8  # take from a category only if it stays under target × this ...
    balance_margin: float = 0.5  # ... or stays this much (relatively) below the helped one
    min_gain_ticket_minutes: float = 10.0  # switching cost: a move must save more waiting than this
    switch_delay_minutes: float = 3.0  # the clerk changes business (move, open): window not serving
    add_delay_minutes: float = 1.0  # adding a category to a window
    min_stay_minutes: float = 15.0  # a changed window stays at least this long
    max_moves: int = 3  # recommendations per call
    # Further pooling recommendations per call once max_moves are made. Pooling only adds a clerk's
    # other trained categories, so a hall that starts from its configured plan need not wait an hour
    # for its windows to pool three at a time. Tuned on seeds 1-5, target_weighted, advisor every
    # 15 min: 30-window chain hall mean wait 4.46 min with none, 2.69 with 10, 2.22 with 30; the
    # sample hall unchanged (1.10-1.11). Costs at most ~94 ms of CPU, on the first call of the day
    # of the full-skills 30 x 100 hall (33 recommendations); later calls take a few ms.
    max_pool_moves: int = 30
    # Pooling: a window also takes its clerk's other trained categories as secondary when that saves
    # at least this share of min_gain_ticket_minutes. Cheap (primary_first serves them only with spare
    # time, and the change costs add_delay_minutes), so its bar is lower than a move's. On the
    # simulator it lifts the share of the static–pooled gap closed by up to 6 points (30 days,
    # seeds 1 and 2: +0/+6 with the old sample skills, +5/+4 with the cross-trained ones).
    pool_secondaries: bool = True
    pool_gain_share: float = 0.2
    max_categories_per_window: int = 5
    max_beneficiaries: int = 8  # categories considered for help per round (worst first)
    # open windows tried per helped category, besides those already serving it (0 = all): with
    # every clerk trained for everything, trying all 100 windows of a large hall is what made one
    # call take 90 ms of CPU
    windows_per_category: int = 12
    # Under a call rule that calls across a window's categories (longest_wait, target_weighted),
    # model the window as shared by its categories' need, with "serve only this category" as the
    # move that helps. Measured on the simulator it is worse than keeping the spare-time model for
    # the categories a window takes on (sample hall, target_weighted, seeds 1-5, advisor every
    # 15 min: mean wait 1.51 against 1.13 min): fixed shares carry none of the pooling gain of
    # one window calling from several queues, so the model refuses the cheap pooling moves.
    share_by_need_across: bool = False
    service_cv: float = 0.55  # coefficient of variation of service times (lognormal σ≈0.5)
    utilisation_cap: float = 0.95  # steady-state part; overload is in the fluid part
    queue_alert_count: int = 10  # alert when more than this wait for a window's categories
    close_idle_minutes: float = 45.0
    close_below_ratio: float = 0.1
    # the call rule's secondary_promote_minutes; None = take it from the rules given to advise()
    secondary_promote_minutes: float | None = None


# --------------------------------------------------------------------------- the answer


class MoveKind(StrEnum):
    OPEN_WINDOW = "open_window"  # open a closed window (with a free clerk) for a category
    ADD_CATEGORY = "add_category"  # the window also serves the category (secondary or primary)
    MOVE_WINDOW = "move_window"  # the window's primary becomes the category; old ones turn secondary
    CLOSE_WINDOW = "close_window"  # an idle window closes; its clerk is free


@dataclass(frozen=True)
class Recommendation:
    kind: MoveKind
    window: int
    series: str | None  # the category helped (None for a close)
    primary: tuple[str, ...]  # the window's categories after the move
    secondary: tuple[str, ...]
    before_primary: tuple[str, ...]
    before_secondary: tuple[str, ...]
    clerk: str | None  # who serves there after the move (the free clerk for an open)
    gain_ticket_minutes: float  # predicted fall in total waiting over the horizon (< 0 for a close)
    wait_before: float  # predicted wait of the helped category (or the window's, for a close)
    wait_after: float
    reason: Bilingual

    @property
    def as_primary(self) -> bool:
        return self.series is not None and self.series in self.primary


@dataclass(frozen=True)
class Prediction:
    series: str
    waiting: int
    arrivals_per_hour: float
    service_minutes: float
    servers: float  # effective windows (fractional)
    utilisation: float  # offered load / servers (inf without a window)
    wait_minutes: float  # predicted mean wait over the horizon (inf without a window)
    target_wait_minutes: float

    @property
    def served(self) -> bool:
        return self.servers > 0.0

    @property
    def over_target(self) -> bool:
        return self.wait_minutes > self.target_wait_minutes


class AlertKind(StrEnum):
    LONG_WAIT = "long_wait"  # someone has waited longer than rules.long_wait_alert_minutes
    LONG_QUEUE = "long_queue"  # more than N waiting for a window's categories
    LONG_PAUSE = "long_pause"  # a window paused longer than rules.pause_warn_minutes
    OVER_TARGET = "over_target"  # a category's predicted wait exceeds its target
    UNSERVED = "unserved"  # tickets waiting and no window serves the category (hall.serving)


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    series: str | None
    window: int | None
    value: float
    limit: float
    message: Bilingual

    @property
    def key(self) -> str:
        """Stable identity, so a console can tell an alert that persists from a new one."""
        return f"{self.kind.value}:{self.series or ''}:{self.window if self.window is not None else ''}"


def serving_of(window: WindowState) -> WindowServing:
    """The window in :mod:`hall.serving`'s terms: the one definition of who serves what now."""
    return WindowServing(window.number, staffing(window.status.value, window.clerk is not None), window.series)


@dataclass(frozen=True)
class Advice:
    predictions: Mapping[str, Prediction]
    recommendations: tuple[Recommendation, ...]
    alerts: tuple[Alert, ...]
