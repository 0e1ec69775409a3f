"""The kiosk's words: bilingual :class:`Text`, the fixed messages, and the lines computed from the
hall's snapshot (queue and estimate wording, closed-hours notice). Pure, no Qt; the flow and the
pages share them (split out of flow.py so each module reads in one sitting)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Text:
    """A message in both languages; the window picks one."""

    zh: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.zh


NO_WINDOW_TEXT = Text("暂无窗口办理，请咨询导办台", "No window serves this now — please ask at the guide desk")
NO_WINDOW_CONFIRM_TEXT = Text(
    "目前没有窗口在办理此业务：仍可取号，号码有效，但暂时无法预计等候时间，请先咨询导办台。",
    "No window serves this now: you can still take a number and it stays valid, but no wait can be estimated. Please ask at the guide desk.",
)
BROWSE_TILE_TEXT = Text("查看办理事项和所需材料", "See the items and what to bring")
BROWSE_NOW_TEXT = Text(
    "现在可以查看各类业务的办理事项和所需材料（一次性告知），提前准备",
    "You can look up each service's items and what to bring, to prepare",
)
CHECK_IN_NOW_TEXT = Text(
    "已预约的群众：请点击下方“预约签到”，输入或扫描预约码取号", "Booked? Tap “Appointment check-in” below and enter or scan your code"
)
CHECK_IN_CLOSED_TEXT = Text("当前不办理预约签到，请在开放时间前来", "Check-in is not available now; please come during opening hours")
PAUSED_TEXT = Text("暂停取号，请稍候", "Ticket issuing paused, please wait")
RECONNECTING_TEXT = Text("正在重新连接服务器，恢复后将自动继续", "Reconnecting to the hall server; the kiosk resumes by itself")


@dataclass(frozen=True)
class ClosedNotice:
    """What the home screen says outside walk-in hours: the hall's notice, when it opens next and
    when walk-ins are taken (if that opening is bookings-only), its hours and what can be done now."""

    notice: Text
    opening: Text | None
    walk_ins: Text | None
    hours: tuple[Text, ...]
    can_do: tuple[Text, ...]


def text_from(data: Any) -> Text | None:
    if not isinstance(data, dict) or not data.get("zh"):
        return None
    return Text(str(data.get("zh", "")), str(data.get("en", "")))


def walk_ins_from(opening_text: Text | None) -> Text | None:
    """ "现场取号时间：11月23日（周一）08:30 起" from the snapshot's "下次开放：11月23日（周一）08:30"."""
    if opening_text is None:
        return None
    zh, en = opening_text.zh, opening_text.en
    if zh.startswith("下次开放：") and en.startswith("opens "):
        when_zh, when_en = zh.removeprefix("下次开放："), en.removeprefix("opens ")
        return Text(f"现场取号时间：{when_zh} 起", f"Walk-in tickets from {when_en}")
    return Text(f"现场取号：{zh}", f"Walk-in tickets: {en}")


def serves_now(category: dict[str, Any] | None) -> bool:
    """Whether a staffed, open, unpaused window serves the category now (hall.serving, via the snapshot)."""
    return bool(category) and float(category.get("windows_serving") or 0) > 0  # type: ignore[union-attr]


def wait_text(category: dict[str, Any]) -> Text:
    """The queue line on a category's home tile."""
    waiting = int(category.get("waiting") or 0)
    minutes = category.get("estimated_wait_minutes")
    if not serves_now(category) or minutes is None:
        if waiting:
            return Text(f"等候 {waiting} 人 · {NO_WINDOW_TEXT.zh}", f"{waiting} waiting · {NO_WINDOW_TEXT.en}")
        return NO_WINDOW_TEXT
    if waiting == 0:
        return Text("目前无人等候", "No one waiting")
    shown = max(1, round(minutes))  # someone is waiting: never "约 0 分钟"
    return Text(f"等候 {waiting} 人 · 约 {shown} 分钟", f"{waiting} waiting · about {shown} min")


def confirm_wait_rows(category: dict[str, Any]) -> list[tuple[Text, Text]]:
    """The confirm page's queue rows: people waiting and, only when a window serves it, the estimate."""
    waiting = int(category.get("waiting") or 0)
    rows = [(Text("当前等候", "Waiting now"), Text(f"{waiting} 人", f"{waiting} people"))]
    minutes = category.get("estimated_wait_minutes")
    if not serves_now(category) or minutes is None:
        rows.append((Text("预计等候", "Estimated wait"), NO_WINDOW_TEXT))
    elif waiting:
        shown = max(1, round(minutes))
        rows.append((Text("预计等候", "Estimated wait"), Text(f"约 {shown} 分钟", f"about {shown} min")))
    else:
        rows.append((Text("预计等候", "Estimated wait"), Text("无需等候", "no wait")))
    return rows
