"""Device health: what each kiosk, counter, pad and display says about its own devices, and the
alerts the manager gets from it.

Every program sends a heartbeat with the state of its devices (the kiosk's printer, a counter's
call keypad, a pad's rater, the display's voice and LED line) every :data:`HEARTBEAT_SECONDS`, and
at once when a state changes. The server keeps the last report and when it came; a device that
has not been heard from for :data:`SILENT_SECONDS` is offline, whatever it said last. An alert is
active while a fault lasts and clears by itself when the device reports it fixed — the manager
never has to dismiss a paper roll that was already changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hall.text import Bilingual

HEARTBEAT_SECONDS = 3.0     # how often a program reports while nothing changes
SILENT_SECONDS = 9.0        # no report for this long: the program (or its PC, or the network) is down
SEEN_WRITE_SECONDS = 2.5    # an unchanged report refreshes the stored "last seen" at most this often


class Component(StrEnum):
    PRINTER = "printer"     # kiosk ticket printer, counter 承诺件 printer
    KEYPAD = "keypad"       # serial call keypad at a counter
    RATER = "rater"         # serial rating keypad (pad)
    VOICE = "voice"         # the display's speech
    LED = "led"             # the display's LED strip line
    IDCARD = "idcard"       # the kiosk's 二代身份证 reader (hardware.idcard)


class Condition(StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"       # the device itself (printer offline, keypad bus silent)
    LOST = "lost"             # unplugged / port gone
    FAILING = "failing"       # it answers but does not work (voice engine errors)


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"     # still works, act soon (paper low)
    FAULT = "fault"         # does not work


COMPONENT_NAMES: dict[Component, Bilingual] = {
    Component.PRINTER: Bilingual("打印机", "printer"),
    Component.KEYPAD: Bilingual("呼叫器", "call keypad"),
    Component.RATER: Bilingual("评价器", "rating keypad"),
    Component.VOICE: Bilingual("语音播报", "voice"),
    Component.LED: Bilingual("窗口条屏", "LED strips"),
    Component.IDCARD: Bilingual("身份证阅读器", "ID card reader"),
}

CONDITION_TEXT: dict[Condition, Bilingual] = {
    Condition.OK: Bilingual("正常", "working"),
    Condition.PAPER_LOW: Bilingual("纸将用尽", "paper low"),
    Condition.PAPER_OUT: Bilingual("缺纸", "out of paper"),
    Condition.COVER_OPEN: Bilingual("上盖未关", "cover open"),
    Condition.OFFLINE: Bilingual("脱机", "offline"),
    Condition.LOST: Bilingual("连接断开", "disconnected"),
    Condition.FAILING: Bilingual("工作异常", "failing"),
}

ROLE_NAMES: dict[str, Bilingual] = {
    "kiosk": Bilingual("取号机", "kiosk"),
    "counter": Bilingual("窗口终端", "counter"),
    "pad": Bilingual("评价器", "rating pad"),
    "display": Bilingual("显示屏", "display"),
    "manager": Bilingual("管理端", "manager console"),
}


def severity(condition: Condition) -> Severity:
    if condition is Condition.OK:
        return Severity.OK
    if condition is Condition.PAPER_LOW:
        return Severity.WARNING
    return Severity.FAULT


def parse_report(components: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """A heartbeat's device states, normalised; a ValueError (bilingual) for unknown names."""
    report: dict[str, dict[str, str]] = {}
    for name, value in components.items():
        try:
            component = Component(name)
            state = value.get("state") if isinstance(value, Mapping) else value
            condition = Condition(str(state))
        except ValueError as error:
            raise ValueError(f"未知的设备或状态：{name}={value!r} / unknown device or state: {name}={value!r}") from error
        detail = str(value.get("detail", "")) if isinstance(value, Mapping) else ""
        report[component.value] = {"state": condition.value, "detail": detail[:200]}
    return report


def conditions_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> bool:
    """Whether the stored health must be rewritten: a state appeared, went or changed."""
    before = before or {}
    if set(before) != set(after):
        return True
    return any(before[name].get("state") != after[name].get("state") for name in after)


@dataclass(frozen=True)
class DeviceAlert:
    key: str
    device_id: int
    severity: Severity
    message: Bilingual


def device_label(device: Mapping[str, Any]) -> Bilingual:
    """"3号窗口评价器「pad3」" / "rating pad pad3 at window 3"."""
    role = ROLE_NAMES.get(str(device.get("role", "")), Bilingual(str(device.get("role", "")), str(device.get("role", ""))))
    name = str(device.get("name", ""))
    window = device.get("window")
    where_zh = f"{window}号窗口" if window and f"{window}号" not in name else ""
    where_en = f" at window {window}" if window else ""
    return Bilingual(f"{where_zh}{role.zh}「{name}」", f"{role.en} {name}{where_en}")


def _conditions(device: Mapping[str, Any]) -> Iterator[tuple[Component, Condition]]:
    """The device's reported states in a stable order, skipping names a newer program may send."""
    for name, state in sorted((device.get("health") or {}).items()):
        try:
            yield Component(name), Condition(state.get("state", "ok"))
        except ValueError:
            continue


def is_silent(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is not None and (now - last_seen).total_seconds() > SILENT_SECONDS


def device_alerts(devices: Iterable[Mapping[str, Any]], now: datetime) -> list[DeviceAlert]:
    """Alerts for the manager from the devices list: faults and warnings reported, and programs that
    went silent. A device that never sent a heartbeat (not started yet, or an old program) is not
    alerted: it was never known to be up."""
    alerts: list[DeviceAlert] = []
    for device in devices:
        if device.get("revoked"):
            continue
        device_id = int(device["id"])
        label = device_label(device)
        last_seen = device.get("last_seen_at")
        if isinstance(last_seen, str):
            last_seen = datetime.fromisoformat(last_seen)
        if is_silent(last_seen, now):
            alerts.append(
                DeviceAlert(
                    f"device:{device_id}:silent",
                    device_id,
                    Severity.FAULT,
                    Bilingual(f"{label.zh}已离线（超过 {SILENT_SECONDS:.0f} 秒无心跳）", f"{label.en} is offline (no heartbeat for {SILENT_SECONDS:.0f} s)"),
                )
            )
            continue
        for component, condition in _conditions(device):
            level = severity(condition)
            if level is Severity.OK:
                continue
            part, what = COMPONENT_NAMES[component], CONDITION_TEXT[condition]
            alerts.append(
                DeviceAlert(
                    f"device:{device_id}:{component.value}",
                    device_id,
                    level,
                    Bilingual(f"{label.zh}{part.zh}{what.zh}", f"{label.en}: {part.en} {what.en}"),
                )
            )
    return alerts


def health_summary(device: Mapping[str, Any], now: datetime) -> tuple[Severity, Bilingual]:
    """One cell of the Devices tab: the worst state and a short text."""
    last_seen = device.get("last_seen_at")
    if isinstance(last_seen, str):
        last_seen = datetime.fromisoformat(last_seen)
    if device.get("revoked"):
        return Severity.OK, Bilingual("已吊销", "revoked")
    if last_seen is None:
        return Severity.WARNING, Bilingual("未上线", "never connected")
    if is_silent(last_seen, now):
        return Severity.FAULT, Bilingual("离线", "offline")
    worst, parts_zh, parts_en = Severity.OK, [], []
    for component, condition in _conditions(device):
        level = severity(condition)
        if level is not Severity.OK:
            worst = Severity.FAULT if Severity.FAULT in (worst, level) else Severity.WARNING
        parts_zh.append(f"{COMPONENT_NAMES[component].zh}{CONDITION_TEXT[condition].zh}")
        parts_en.append(f"{COMPONENT_NAMES[component].en} {CONDITION_TEXT[condition].en}")
    if not parts_zh:
        return Severity.OK, Bilingual("在线", "online")
    return worst, Bilingual("在线，" + "，".join(parts_zh), "online; " + "; ".join(parts_en))
