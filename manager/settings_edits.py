"""The settings tab's edits, without Qt: which hall rules a duty manager may change from the console,
and what a save sends — only the values that differ from what the server publishes, so an
unchanged field never writes an audit entry. The server validates and audits every change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from manager.advice import ApiCall

# The hall rules a duty manager adjusts during the day (the rest are in the hall's config file):
# (key, label, unit, lowest, highest, decimals).
RULE_FIELDS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("promised_working_days", "承诺件默认时限  Default promise", " 个工作日 working days", 1, 365, 0),
    ("recall_limit", "过号前重呼次数  Recalls before no-show", " 次 times", 0, 20, 0),
    ("pause_warn_minutes", "离岗提醒  Pause warning after", " 分钟 min", 1, 120, 0),
    ("long_wait_alert_minutes", "久候告警  Long-wait alert after", " 分钟 min", 1, 480, 0),
)
SAME = 1e-6  # spin boxes hold floats; closer than this is the published value
# The hall's call rule (hall.config.CallRule), as the console offers it: (value, label).
CALL_RULE_CHOICES: tuple[tuple[str, str], ...] = (
    ("primary_first", "主办业务优先  Primary categories first"),
    ("longest_wait", "等候最久优先  Longest wait first"),
    ("target_weighted", "按目标等候加权  Longest wait for its target"),
    ("longest_queue", "排队最多优先  Longest queue first"),
)


def rules_being_edited(values: Mapping[str, float], shown: Mapping[str, float]) -> bool:
    """True while a rule differs from what the tab last showed: the manager is typing, so a new
    snapshot must not overwrite it."""
    return any(abs(value - shown.get(key, value)) > SAME for key, value in values.items())


def rule_changes(published: Mapping[str, Any], values: Mapping[str, float], call_rule: str | None = None) -> dict[str, Any]:
    """The rules to send: those that differ from the published ones, whole numbers kept whole,
    and the call rule when one is chosen that is not the published one."""
    changes: dict[str, Any] = {}
    if call_rule is not None and "call_rule" in published and call_rule != published["call_rule"]:
        changes["call_rule"] = call_rule
    for key, _label, _unit, _lowest, _highest, decimals in RULE_FIELDS:
        value = values[key]
        if key in published and abs(value - float(published[key])) > SAME:
            changes[key] = round(value) if decimals == 0 and isinstance(published[key], int) else value
    return changes


def target_calls(categories: list[dict[str, Any]], values: Mapping[str, tuple[float, float]]) -> list[ApiCall]:
    """One call per category whose target wait or expected service time (minutes) changed."""
    calls = []
    by_series = {c["series"]: c for c in categories}
    for series, (target, service) in values.items():
        c = by_series.get(series, {})
        body: dict[str, Any] = {}
        if abs(target - float(c.get("target_wait_minutes") or 0)) > SAME:
            body["target_wait_minutes"] = target
        if abs(service - float(c.get("expected_service_minutes") or 0)) > SAME:
            body["expected_service_minutes"] = service
        if body:
            calls.append(ApiCall("request", ("PUT", f"/api/config/categories/{series}", body)))
    return calls


def notice_lines(text: str) -> list[str]:
    """The hall display's scrolling notices: one per non-empty line."""
    return [line.strip() for line in text.splitlines() if line.strip()]
