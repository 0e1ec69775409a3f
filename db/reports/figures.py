"""The additive figures of one report row (counts, sums, maxima, histograms) and the facts they are built from.

The same :class:`Figures` is built from raw rows for a live day and stored per closed day in a rollup, so a
closed day read from its rollup equals the same day computed live. :class:`RollupSum` adds stored rollup rows
up without building a :class:`Figures` per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from db.reports.histogram import Histogram, duration_stats
from hall.reports import AB_ABSENCE_LIMIT_SECONDS, ReportRow
from hall.text import Bilingual
from hall.tickets import AssistMode, Outcome, RatingLevel


@dataclass(frozen=True, slots=True)
class ServiceFact:
    """One service as the figures count it, with its ticket's, rating's and follow-up's facts and its keys."""

    day: date
    hour: int  # hall-local hour the ticket was taken
    series: str
    item: str
    window: str
    clerk: str
    department: str
    waited: float
    queue_wait: bool  # False: a call-back of a parked ticket, left out of the waiting-time figures
    service_seconds: float
    wait_bin: int  # histogram bins, computed once per service rather than once per dimension
    service_bin: int
    end_reason: str
    outcome: str
    rated: bool  # a rating row exists (a level, a default, or 'not rated')
    level: str | None
    is_default: bool
    followup_deadline: date | None  # the 差评 follow-up's deadline, if the rating opened one
    followup_resolved_on_time: bool | None  # None while unresolved
    assist: str = ""  # the ticket's 代办 / 帮办 mark (hall.tickets.AssistMode), "" for none


# ---------------------------------------------------------------------------- one row's figures

_COUNTERS: Final = (
    "issued",
    "followups_on_time",
    "followups_late",
    "served",
    "no_shows",
    "transfers",
    "wait_count",
    "service_count",
    "default_ratings",
    "not_rated",
    "pause_count",
    "ab_absences",
    "proxy_served",
    "help_served",
)
_SUMS: Final = ("wait_sum", "service_sum", "pause_seconds")
_MAXIMA: Final = ("wait_max", "service_max")
_ADDITIVE: Final = (*_COUNTERS, *_SUMS)


class Figures:
    """The additive figures of one report row over some days; merged across days and stored per day."""

    __slots__ = (
        *_COUNTERS,
        *_SUMS,
        *_MAXIMA,
        "outcomes",
        "ratings",
        "wait_histogram",
        "service_histogram",
        "open_followups",
    )

    def __init__(self) -> None:
        for name in _COUNTERS:
            setattr(self, name, 0)
        for name in (*_SUMS, *_MAXIMA):
            setattr(self, name, 0.0)
        self.outcomes: dict[str, int] = {}
        self.ratings: dict[str, int] = {}
        self.wait_histogram = Histogram()
        self.service_histogram = Histogram()
        # Unresolved follow-ups by deadline (ISO date): open or overdue depends on the day the report is read.
        self.open_followups: dict[str, int] = {}

    # ------------------------------------------------------------ facts

    def add_service(self, fact: ServiceFact) -> None:
        if fact.queue_wait:  # a call-back of a parked ticket ends no wait in the queue
            self.wait_count += 1
            self.wait_sum += fact.waited
            self.wait_max = max(self.wait_max, fact.waited)
            self.wait_histogram.add_bin(fact.wait_bin)
        if fact.end_reason == "no_show":
            self.no_shows += 1
        elif fact.end_reason == "transferred":
            self.transfers += 1
        elif fact.end_reason == "finished":
            self.served += 1
            self.service_count += 1
            self.service_sum += fact.service_seconds
            self.service_max = max(self.service_max, fact.service_seconds)
            self.service_histogram.add_bin(fact.service_bin)
            if fact.outcome:
                self.outcomes[fact.outcome] = self.outcomes.get(fact.outcome, 0) + 1
            if fact.assist == AssistMode.PROXY.value:
                self.proxy_served += 1
            elif fact.assist == AssistMode.HELP.value:
                self.help_served += 1
        if fact.followup_deadline is not None:
            if fact.followup_resolved_on_time is None:
                deadline = fact.followup_deadline.isoformat()
                self.open_followups[deadline] = self.open_followups.get(deadline, 0) + 1
            elif fact.followup_resolved_on_time:
                self.followups_on_time += 1
            else:
                self.followups_late += 1
        if fact.rated:
            if fact.level is None:
                self.not_rated += 1
            elif fact.is_default:
                self.default_ratings += 1
            else:
                self.ratings[fact.level] = self.ratings.get(fact.level, 0) + 1

    def add_pause(self, seconds: float) -> None:
        self.pause_count += 1
        self.pause_seconds += seconds
        if seconds > AB_ABSENCE_LIMIT_SECONDS:
            self.ab_absences += 1

    # ------------------------------------------------------------ merging and storing

    def merge(self, other: Figures) -> None:
        for name in (*_COUNTERS, *_SUMS):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in _MAXIMA:
            setattr(self, name, max(getattr(self, name), getattr(other, name)))
        for name, count in other.outcomes.items():
            self.outcomes[name] = self.outcomes.get(name, 0) + count
        for name, count in other.ratings.items():
            self.ratings[name] = self.ratings.get(name, 0) + count
        self.wait_histogram.merge(other.wait_histogram)
        self.service_histogram.merge(other.service_histogram)
        for deadline, count in other.open_followups.items():
            self.open_followups[deadline] = self.open_followups.get(deadline, 0) + count

    def counters_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in (*_COUNTERS, *_SUMS, *_MAXIMA)}
        data["outcomes"] = dict(self.outcomes)
        data["ratings"] = dict(self.ratings)
        data["open_followups"] = dict(self.open_followups)
        return data

    def row(self, key: str, label: Bilingual, issued_applies: bool, today: date) -> ReportRow:
        """The report row as read on ``today``: an unresolved follow-up past its deadline is overdue."""
        due = today.isoformat()
        past_due = sum(count for deadline, count in self.open_followups.items() if deadline < due)
        return ReportRow(
            key=key,
            label=label,
            issued=self.issued if issued_applies else None,
            served=self.served,
            no_shows=self.no_shows,
            transfers=self.transfers,
            wait=duration_stats(self.wait_count, self.wait_sum, self.wait_max, self.wait_histogram),
            service=duration_stats(self.service_count, self.service_sum, self.service_max, self.service_histogram),
            outcomes={outcome: self.outcomes.get(outcome.value, 0) for outcome in Outcome},
            ratings={level: self.ratings.get(level.value, 0) for level in RatingLevel},
            default_ratings=self.default_ratings,
            not_rated=self.not_rated,
            followups_on_time=self.followups_on_time,
            followups_overdue=self.followups_late + past_due,
            followups_open=sum(self.open_followups.values()) - past_due,
            pause_count=self.pause_count,
            pause_seconds=self.pause_seconds,
            ab_absences=self.ab_absences,
            proxy_served=self.proxy_served,
            help_served=self.help_served,
        )


class RollupSum:
    """The running sum of stored rollup rows for one report row: numbers added as they are read, histogram
    blobs kept as bytes and decoded once, joined. Summing a year of rows this way costs a few dict operations
    per stored row, where building and merging a :class:`Figures` per row cost far more than the reading."""

    __slots__ = ("_additive", "_maxima", "_open_followups", "_outcomes", "_ratings", "_service_blobs", "_wait_blobs")

    def __init__(self) -> None:
        self._additive: dict[str, float] = dict.fromkeys(_ADDITIVE, 0)
        self._maxima: dict[str, float] = dict.fromkeys(_MAXIMA, 0.0)
        self._outcomes: dict[str, int] = {}
        self._ratings: dict[str, int] = {}
        self._open_followups: dict[str, int] = {}
        self._wait_blobs: list[bytes] = []
        self._service_blobs: list[bytes] = []

    def add(self, counters: dict[str, Any], wait_histogram: bytes, service_histogram: bytes) -> None:
        additive, maxima = self._additive, self._maxima
        for name in _ADDITIVE:
            value = counters.get(name)
            if value:
                additive[name] += value
        for name in _MAXIMA:
            value = counters.get(name)
            if value and value > maxima[name]:
                maxima[name] = value
        for field, sums in (("outcomes", self._outcomes), ("ratings", self._ratings), ("open_followups", self._open_followups)):
            for name, count in counters.get(field, {}).items():
                sums[name] = sums.get(name, 0) + count
        if wait_histogram:
            self._wait_blobs.append(wait_histogram)
        if service_histogram:
            self._service_blobs.append(service_histogram)

    def figures(self) -> Figures:
        figures = Figures()
        for name in _COUNTERS:
            setattr(figures, name, int(self._additive[name]))
        for name in _SUMS:
            setattr(figures, name, float(self._additive[name]))
        for name in _MAXIMA:
            setattr(figures, name, float(self._maxima[name]))
        figures.outcomes = {str(name): int(count) for name, count in self._outcomes.items()}
        figures.ratings = {str(name): int(count) for name, count in self._ratings.items()}
        figures.open_followups = {str(name): int(count) for name, count in self._open_followups.items()}
        figures.wait_histogram = Histogram.decode(b"".join(self._wait_blobs))
        figures.service_histogram = Histogram.decode(b"".join(self._service_blobs))
        return figures
