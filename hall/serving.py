"""Who serves what now: the one definition every estimate, badge, screen, alert and the advisor use.

A window serves only while it is open, a clerk is logged in at it and it is not paused. A window
that is open on paper but has nobody at the counter serves no one: counting it as capacity told a
citizen "约 0 分钟" for a category nobody was serving. The kiosk's and the phone page's estimated
wait, the manager's capacity and predicted waits, the advisor's input, the live cards' badges,
the window screen and the LED strip all ask this module, so they can never disagree.

A window that serves several categories counts as 1/k of a window for each of its k categories
(the same share the estimate has always used): it cannot serve them all at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from hall.text import Bilingual


class Staffing(StrEnum):
    """What a window is doing for citizens right now."""

    SERVING = "serving"        # open, a clerk logged in, not paused: 在岗
    PAUSED = "paused"          # the clerk stepped away (AB岗, a break): 暂停
    UNSTAFFED = "unstaffed"    # open, but no clerk is logged in: 无人
    CLOSED = "closed"          # closed by the manager: 关闭


STAFFING_TEXT: dict[Staffing, Bilingual] = {
    Staffing.SERVING: Bilingual("服务中", "serving"),
    Staffing.PAUSED: Bilingual("暂停", "paused"),
    Staffing.UNSTAFFED: Bilingual("无人在岗", "no clerk"),
    Staffing.CLOSED: Bilingual("关闭", "closed"),
}


def staffing(state: str, clerk_logged_in: bool) -> Staffing:
    """The window's staffing from its stored state (open / paused / closed) and whether a clerk is in."""
    if state == "closed":
        return Staffing.CLOSED
    if state == "paused":
        return Staffing.PAUSED
    if not clerk_logged_in:
        return Staffing.UNSTAFFED
    return Staffing.SERVING


@dataclass(frozen=True)
class WindowServing:
    """One window's part in the definition: its staffing and the categories it is set to serve."""

    number: int
    staffing: Staffing
    categories: tuple[str, ...]   # primary and secondary, in any order

    @property
    def serves(self) -> bool:
        return self.staffing is Staffing.SERVING


def serving_shares(windows: Iterable[WindowServing]) -> dict[str, float]:
    """Per category, the windows serving it now (a window of k categories counts 1/k to each)."""
    shares: dict[str, float] = defaultdict(float)
    for window in windows:
        if not window.serves or not window.categories:
            continue
        share = 1.0 / len(window.categories)
        for category in window.categories:
            shares[category] += share
    return {category: round(share, 2) for category, share in shares.items()}


def serving_windows(windows: Iterable[WindowServing]) -> dict[str, list[int]]:
    """Per category, the numbers of the windows serving it now."""
    serving: dict[str, list[int]] = defaultdict(list)
    for window in windows:
        if window.serves:
            for category in window.categories:
                serving[category].append(window.number)
    return {category: sorted(numbers) for category, numbers in serving.items()}


def unserved_categories(waiting: Mapping[str, int], windows: Iterable[WindowServing]) -> list[str]:
    """Categories with people waiting that no staffed, unpaused, open window serves: an alert."""
    served = {category for window in windows if window.serves for category in window.categories}
    return sorted(category for category, count in waiting.items() if count > 0 and category not in served)


__all__ = [
    "STAFFING_TEXT",
    "Staffing",
    "WindowServing",
    "serving_shares",
    "serving_windows",
    "staffing",
    "unserved_categories",
]
