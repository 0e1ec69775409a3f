"""Where a clerk can transfer a citizen, and what waits there, in plain Python (no Qt).

A transfer keeps the citizen's place (首问负责制), but sending someone to a window where nobody
is at the counter hands them to no one. So the list says, for every target, what the server
says about it now: a category's waiting count and how many windows serve it (hall.serving's
one definition, as the snapshot carries it), and a window's staffing (在岗 / 暂停 / 无人 / 关闭,
:data:`hall.serving.STAFFING_TEXT`) with the waiting counts of the categories it serves.

The rules: a category is always a valid target (its queue is served by whoever serves it, now
or later); a closed window is shown but cannot be chosen (the server refuses it too); a paused
or unstaffed window can be chosen after a warning the clerk confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hall.serving import STAFFING_TEXT, Staffing
from hall.text import Bilingual


@dataclass(frozen=True)
class TransferTarget:
    """One row of the transfer list. ``key`` is ``"series:B"`` or ``"window:5"``."""

    kind: str                        # "series" | "window"
    value: str                       # the series letter or the window number
    name: Bilingual                  # "B 商事登记" / "5号窗口 商事登记窗口"
    detail: Bilingual                # state and counts
    staffing: Staffing | None = None  # windows only
    enabled: bool = True
    warning: Bilingual | None = None  # asked (Enter = go ahead, Esc = back) before transferring

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


def _staffing(window: dict[str, Any]) -> Staffing:
    try:
        return Staffing(window.get("staffing") or "")
    except ValueError:  # an older server without the field: go by the stored state
        return Staffing.CLOSED if window.get("state") == "closed" else Staffing.UNSTAFFED


def category_target(category: dict[str, Any]) -> TransferTarget:
    waiting = int(category.get("waiting", 0))
    windows = list(category.get("serving_windows") or [])
    series = category["series"]
    if windows:
        numbers = "、".join(str(n) for n in windows)
        serving = Bilingual(f"{len(windows)} 个窗口在办（{numbers}号）", f"{len(windows)} window(s) serving ({', '.join(str(n) for n in windows)})")
    else:
        serving = Bilingual("暂无窗口在办", "no window serving now")
    return TransferTarget(
        "series",
        series,
        Bilingual(f"{series} {category.get('name_zh', '')}", f"{series} {category.get('name_en') or category.get('name_zh', '')}"),
        Bilingual(f"等候 {waiting} 人 · {serving.zh}", f"{waiting} waiting · {serving.en}"),
    )


def window_waiting(snapshot: dict[str, Any], window: dict[str, Any]) -> dict[str, int]:
    """The waiting count of each category ``window`` serves, primary first."""
    by_series = {c["series"]: int(c.get("waiting", 0)) for c in snapshot.get("categories", [])}
    series = [*window.get("primary", []), *window.get("secondary", [])]
    return {s: by_series.get(s, 0) for s in dict.fromkeys(series)}


def transfer_warning(number: int, staffing: Staffing) -> Bilingual | None:
    """What the clerk must confirm before sending a citizen to window ``number``; None when it serves."""
    if staffing is Staffing.UNSTAFFED:
        return Bilingual(
            f"{number}号窗口当前无人在岗，转过去的群众可能无人办理。仍要转移吗？",
            f"Nobody is logged in at window {number}; the citizen may not be served there. Transfer anyway?",
        )
    if staffing is Staffing.PAUSED:
        return Bilingual(
            f"{number}号窗口暂停服务中，转过去的群众要等窗口恢复后才能办理。仍要转移吗？",
            f"Window {number} is paused; the citizen waits until it resumes. Transfer anyway?",
        )
    return None


def window_target(snapshot: dict[str, Any], window: dict[str, Any]) -> TransferTarget:
    number = int(window["number"])
    staffing = _staffing(window)
    state = STAFFING_TEXT[staffing]
    name = Bilingual(f"{number}号窗口 {window.get('name_zh', '')}".strip(), f"window {number} {window.get('name_en') or ''}".strip())
    if staffing is Staffing.CLOSED:
        return TransferTarget("window", str(number), name, Bilingual(f"{state.zh} · 不能转入", f"{state.en} · cannot take transfers"), staffing, enabled=False)
    waiting = window_waiting(snapshot, window)
    total = sum(waiting.values())
    parts = " · ".join(f"{s} {n}" for s, n in waiting.items())
    counts = Bilingual(f"等候 {total} 人（{parts}）", f"{total} waiting ({parts})") if parts else Bilingual("不办理任何业务", "serves no category")
    return TransferTarget(
        "window",
        str(number),
        name,
        Bilingual(f"{state.zh} · {counts.zh}", f"{state.en} · {counts.en}"),
        staffing,
        warning=transfer_warning(number, staffing),
    )


def transfer_targets(snapshot: dict[str, Any], own_window: int | None) -> list[TransferTarget]:
    """Every category, then every other window of the hall, as the snapshot has them."""
    targets = [category_target(category) for category in snapshot.get("categories", [])]
    targets += [window_target(snapshot, window) for window in snapshot.get("windows", []) if window.get("number") != own_window]
    return targets
