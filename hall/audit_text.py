"""Audit entries as sentences a duty manager reads, not JSON.

The audit log keeps each entry's structured detail (exports and inspections want the fields);
the console shows this sentence instead. An action this module does not know still reads as a
sentence with its fields, so a new kind of entry is never hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hall.devices import COMPONENT_NAMES, CONDITION_TEXT, ROLE_NAMES, Component, Condition
from hall.text import Bilingual

Detail = Mapping[str, Any]


def _series(value: Any) -> str:
    return "、".join(str(s) for s in value) if isinstance(value, list | tuple) and value else "无"


def _series_en(value: Any) -> str:
    return ", ".join(str(s) for s in value) if isinstance(value, list | tuple) and value else "none"


def _reallocate(d: Detail) -> Bilingual:
    before, after = d.get("before") or {}, d.get("after") or {}
    w = d.get("window")
    return Bilingual(
        f"{w}号窗口改为主办 {_series(after.get('primary'))}、兼办 {_series(after.get('secondary'))}"
        f"（原主办 {_series(before.get('primary'))}、兼办 {_series(before.get('secondary'))}）",
        f"window {w} now serves {_series_en(after.get('primary'))} first, also {_series_en(after.get('secondary'))} "
        f"(was {_series_en(before.get('primary'))}, also {_series_en(before.get('secondary'))})",
    )


def _changes(d: Detail, key: str) -> tuple[str, str]:
    changed = d.get(key) or {}
    zh = "，".join(f"{name} 由 {pair[0]} 改为 {pair[1]}" for name, pair in changed.items() if isinstance(pair, list | tuple) and len(pair) == 2)
    en = "; ".join(f"{name} {pair[0]} → {pair[1]}" for name, pair in changed.items() if isinstance(pair, list | tuple) and len(pair) == 2)
    return zh, en


def _hall_settings(d: Detail) -> Bilingual:
    parts_zh, parts_en = [], []
    for key, zh_name, en_name in (("rules", "规则", "rules"), ("hours", "办公时间", "hours")):
        zh, en = _changes(d, key)
        if zh:
            parts_zh.append(f"{zh_name}：{zh}")
            parts_en.append(f"{en_name}: {en}")
    other = [k for k in d.get("keys", []) if k not in ("rules", "hours")]
    if other:
        parts_zh.append("修改了 " + "、".join(other))
        parts_en.append("changed " + ", ".join(other))
    return Bilingual("大厅设置 " + ("；".join(parts_zh) or "未变"), "hall settings: " + ("; ".join(parts_en) or "unchanged"))


def _device(d: Detail) -> tuple[str, str]:
    role = ROLE_NAMES.get(str(d.get("role", "")), Bilingual(str(d.get("role", "")), str(d.get("role", ""))))
    name = d.get("name", "")
    # A device named after its window ("20号窗口") is not placed at it twice.
    where_zh = f"{d['window']}号窗口" if d.get("window") and f"{d['window']}号" not in str(name) else ""
    where_en = f" at window {d['window']}" if d.get("window") else ""
    return f"{where_zh}{role.zh}「{name}」" if name else f"{where_zh}{role.zh}（编号 {d.get('device', '')}）", (
        f"{role.en} {name}{where_en}" if name else f"{role.en} #{d.get('device', '')}{where_en}"
    )


def _device_health(d: Detail) -> Bilingual:
    who_zh, who_en = _device(d)
    parts_zh, parts_en = [], []
    for name, state in sorted((d.get("changes") or {}).items()):
        try:
            component, before, after = Component(name), Condition(state[0]), Condition(state[1])
        except (ValueError, TypeError, IndexError):
            continue
        part = COMPONENT_NAMES[component]
        parts_zh.append(f"{part.zh}由{CONDITION_TEXT[before].zh}变为{CONDITION_TEXT[after].zh}")
        parts_en.append(f"{part.en} {CONDITION_TEXT[before].en} → {CONDITION_TEXT[after].en}")
    return Bilingual(f"{who_zh}：" + "，".join(parts_zh), f"{who_en}: " + "; ".join(parts_en))


def _device_alert(d: Detail) -> Bilingual:
    who_zh, who_en = _device(d)
    return Bilingual(f"{who_zh}报告故障（{d.get('kind', '')}）", f"{who_en} reported a fault ({d.get('kind', '')})")


def _enroll(d: Detail) -> Bilingual:
    who_zh, who_en = _device(d)
    return Bilingual(f"登记终端 {who_zh}", f"enrolled {who_en}")


def _where_login(d: Detail) -> tuple[str, str]:
    window = d.get("window")
    return (f"在{window}号窗口" if window else f"在终端（编号 {d.get('device')}）"), (f"at window {window}" if window else f"at device #{d.get('device')}")


def _login_failed(d: Detail) -> Bilingual:
    where_zh, where_en = _where_login(d)
    unknown_zh, unknown_en = ("", "") if d.get("known", True) else ("（无此工号）", " (no such staff number)")
    return Bilingual(
        f"工号 {d.get('staff_no')}{unknown_zh}{where_zh}登录失败（连续第 {d.get('failures')} 次）",
        f"failed login for staff number {d.get('staff_no')}{unknown_en} {where_en} ({d.get('failures')} in a row)",
    )


def _login_locked(d: Detail) -> Bilingual:
    where_zh, where_en = _where_login(d)
    minutes = max(1, round(float(d.get("seconds", 0)) / 60))
    if d.get("by") == "device":
        return Bilingual(
            f"{where_zh}连续 {d.get('failures')} 次登录失败，该终端锁定 {minutes} 分钟",
            f"{d.get('failures')} failed logins in a row {where_en}: the device is locked for {minutes} min",
        )
    return Bilingual(
        f"工号 {d.get('staff_no')} 连续 {d.get('failures')} 次登录失败（最近一次{where_zh}），锁定 {minutes} 分钟",
        f"staff number {d.get('staff_no')} failed {d.get('failures')} logins in a row (last {where_en}): locked for {minutes} min",
    )


SENTENCES: dict[str, Callable[[Detail], Bilingual]] = {
    "login_failed": _login_failed,
    "login_locked": _login_locked,
    "reallocate": _reallocate,
    "hall_settings": _hall_settings,
    "device_health": _device_health,
    "device_alert": _device_alert,
    "enroll": _enroll,
    "revoke": lambda d: Bilingual(f"吊销终端（编号 {d.get('device')}）", f"revoked device #{d.get('device')}"),
    "requeue": lambda d: Bilingual(f"过号 {d.get('ticket')} 重新排队", f"missed ticket {d.get('ticket')} back in the queue"),
    "reprint": lambda d: Bilingual(f"补打号票 {d.get('ticket')}", f"reprinted ticket {d.get('ticket')}"),
    "window_open": lambda d: Bilingual(f"开启 {d.get('window')}号窗口", f"opened window {d.get('window')}"),
    "window_close": lambda d: Bilingual(f"关闭 {d.get('window')}号窗口", f"closed window {d.get('window')}"),
    "followup": lambda d: Bilingual(f"差评回访单 {d.get('followup')} 状态改为 {d.get('status')}", f"follow-up {d.get('followup')} set to {d.get('status')}"),
    "category": lambda d: Bilingual(f"修改业务类别 {d.get('series')}", f"changed category {d.get('series')}"),
    "item": lambda d: Bilingual(f"修改事项 {d.get('code')}", f"changed item {d.get('code')}"),
    "window": lambda d: Bilingual(f"修改 {d.get('number')}号窗口设置", f"changed the settings of window {d.get('number')}"),
    "clerk": lambda d: Bilingual(
        f"修改工作人员 {d.get('staff_no')}" + ("（重设密码）" if d.get("pin_changed") else ""),
        f"changed clerk {d.get('staff_no')}" + (" (PIN reset)" if d.get("pin_changed") else ""),
    ),
}


def audit_sentence(action: str, detail: Detail | None) -> Bilingual:
    """The entry's detail as one sentence in both languages."""
    detail = detail or {}
    render = SENTENCES.get(action)
    if render is not None:
        try:
            return render(detail)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a malformed old entry: fall through to the plain listing
    fields = "，".join(f"{k}：{v}" for k, v in detail.items())
    fields_en = ", ".join(f"{k}: {v}" for k, v in detail.items())
    return Bilingual(f"{action}（{fields}）" if fields else action, f"{action} ({fields_en})" if fields_en else action)
