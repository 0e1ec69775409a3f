"""The guide desk's rules, without Qt: which items match a search, what an issue request holds,
the waits table's rows and what a looked-up ticket allows. The window only shows and asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hall.text import HallRuleError
from hall.tickets import ASSIST_MODES, PRIORITY_REASONS


@dataclass(frozen=True)
class ItemChoice:
    """One item a citizen may come for, with the category (queue) it belongs to."""

    series: str
    code: str
    name_zh: str
    name_en: str
    category_zh: str
    category_en: str

    def label(self, language: str) -> str:
        if language == "en":
            return f"{self.series} · {self.name_en or self.name_zh} ({self.category_en or self.category_zh})"
        return f"{self.series} · {self.name_zh}（{self.category_zh}）"


@dataclass(frozen=True)
class WaitRow:
    series: str
    name_zh: str
    name_en: str
    waiting: int
    longest_wait_minutes: float
    estimated_wait_minutes: float | None
    windows_serving: float
    over_target: bool  # the longest wait is past the category's target


def item_choices(categories: list[dict[str, Any]]) -> list[ItemChoice]:
    """Every item of every category, in the snapshot's order; a category without items is one
    choice of its own (the citizen is unsure of the item)."""
    choices: list[ItemChoice] = []
    for category in categories:
        items = category.get("items") or []
        series, czh, cen = str(category["series"]), str(category.get("name_zh", "")), str(category.get("name_en", ""))
        if not items:
            choices.append(ItemChoice(series, "", czh, cen, czh, cen))
        for item in items:
            choices.append(ItemChoice(series, str(item["code"]), str(item.get("name_zh", "")), str(item.get("name_en", "")), czh, cen))
    return choices


def search_items(choices: list[ItemChoice], text: str) -> list[ItemChoice]:
    """Choices whose item, category, code or series contains every word of ``text`` (any case)."""
    words = text.casefold().split()
    if not words:
        return list(choices)

    def haystack(choice: ItemChoice) -> str:
        return " ".join((choice.series, choice.code, choice.name_zh, choice.name_en, choice.category_zh, choice.category_en)).casefold()

    return [choice for choice in choices if all(word in haystack(choice) for word in words)]


def issue_request(choice: ItemChoice | None, priority_reason: str | None, assist: str) -> dict[str, Any]:
    """The body of the guide desk's issue call; bad input is refused here with a bilingual message."""
    if choice is None:
        raise HallRuleError("no_item", "请先选择办理事项", "choose the item first", 422)
    if priority_reason is not None and priority_reason not in PRIORITY_REASONS:
        raise HallRuleError("bad_priority_reason", "未知的绿色通道类别", "unknown priority reason", 422)
    if assist and assist not in ASSIST_MODES:
        raise HallRuleError("bad_assist", "应为代办或帮办", "choose 代办 (proxy) or 帮办 (help)", 422)
    return {"series": choice.series, "items": [choice.code] if choice.code else [], "priority_reason": priority_reason, "assist": assist}


def wait_rows(categories: list[dict[str, Any]]) -> list[WaitRow]:
    """The hall's waits per category, longest wait first (where the guide sends help first)."""
    rows = [
        WaitRow(
            series=str(c["series"]),
            name_zh=str(c.get("name_zh", "")),
            name_en=str(c.get("name_en", "")),
            waiting=int(c.get("waiting") or 0),
            longest_wait_minutes=float(c.get("longest_wait_minutes") or 0.0),
            estimated_wait_minutes=None if c.get("estimated_wait_minutes") is None else float(c["estimated_wait_minutes"]),
            windows_serving=float(c.get("windows_serving") or 0.0),
            over_target=bool(c.get("target_wait_minutes"))
            and float(c.get("longest_wait_minutes") or 0.0) > float(c["target_wait_minutes"]),
        )
        for c in categories
    ]
    return sorted(rows, key=lambda row: (-row.longest_wait_minutes, -row.waiting, row.series))


def may_requeue(found: dict[str, Any]) -> bool:
    """A looked-up ticket may go back in its queue when the hall's late-return rule allows it."""
    return "requeue" in (found.get("actions") or [])
