"""What the counter says, in plain Python (no Qt): the lines its panels show, in both languages.

Each function returns a :class:`~hall.text.Bilingual`; the panel picks the clerk's language.
Kept apart from the widgets so the wording can be read and tested without a screen.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from counter.flow import CounterFlow
from hall.text import Bilingual, HallRuleError
from hall.tickets import RATING_NAMES, STATUS_NAMES, RatingLevel, TicketStatus
from server.client import ApiError


def error_text(error: Exception) -> str:
    """A refusal or failure as the clerk sees it (both languages when the server gave both)."""
    if isinstance(error, ApiError):
        return f"{error.zh} / {error.en}" if error.en else error.zh
    if isinstance(error, HallRuleError):
        return str(error.message)
    return f"出错了 / error: {error}"


def holder_text(holder: dict[str, Any] | None, post: str | None) -> Bilingual:
    """Who is logged in at this window, shown on the login panel before a handover."""
    if not holder:
        return Bilingual("本窗口当前无人登录", "nobody is logged in at this window")
    return Bilingual(
        f"当前在岗：{holder['name']}（{holder['staff_no']}，{post}岗）", f"Logged in here: {holder['name']} ({holder['staff_no']}, post {post})"
    )


def waiting_text(waiting: dict[str, int]) -> Bilingual:
    counts = "  ".join(f"{series} {count}" for series, count in waiting.items())
    return Bilingual(f"等候：{counts}", f"waiting: {counts}") if counts else Bilingual("等候：—", "waiting: –")


def pause_text(flow: CounterFlow, now: datetime) -> tuple[Bilingual, bool]:
    """The pause timer's line and whether it is past the AB-post limit (then it warns)."""
    elapsed = int(flow.pause_elapsed(now).total_seconds())
    clock_text = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
    zh, en = f"暂停服务 {clock_text}（{flow.pause_reason}）", f"paused {clock_text} ({flow.pause_reason})"
    overdue = flow.pause_overdue(now)
    if overdue:
        limit = f"{flow.pause_warn_minutes:g}"
        zh += f"  ⚠ 已超过 {limit} 分钟（AB岗离岗限时），请尽快恢复"
        en += f"  ⚠ over {limit} min (A/B post limit) – please resume"
    return Bilingual(zh, en), overdue


# U+2060 WORD JOINER: Qt breaks Chinese between any two characters, so a wrapped line could
# split 基本满意 as 基 / 本满意; joined characters wrap only between the pieces.
WORD_JOINER = "\u2060"


def keep_together(piece: str) -> str:
    """``piece`` with no line break allowed inside it (spaces become non-breaking too)."""
    return WORD_JOINER.join(piece.replace(" ", "\u00a0"))


def figures_parts(today: dict[str, Any]) -> list[Bilingual]:
    """The clerk's own day as pieces a wrapped line may break between, never inside."""
    served = today.get("served", 0)
    average = today.get("average_service_minutes")
    ratings = today.get("ratings", {}) or {}
    avg_text = f"{average:g}" if average is not None else "—"
    parts = [
        Bilingual(f"今日：办结 {served} 件", f"Today: {served} served"),
        Bilingual(f"平均办理 {avg_text} 分钟", f"average {avg_text} min"),
        Bilingual("评价：", "ratings:"),
    ]
    parts += [
        Bilingual(f"{RATING_NAMES[level].zh} {ratings.get(level.value, 0)}", f"{RATING_NAMES[level].en} {ratings.get(level.value, 0)}")
        for level in RatingLevel
    ]
    return parts


def figures_text(today: dict[str, Any]) -> Bilingual:
    """The clerk's own day: services finished, average length and ratings received; wraps only between pieces."""
    served, average, heading, *ratings = figures_parts(today)

    def line(pick: str) -> str:
        day = " · ".join(keep_together(getattr(part, pick)) for part in (served, average, heading))
        return day + " " + " ".join(keep_together(getattr(part, pick)) for part in ratings)

    return Bilingual(line("zh"), line("en"))


def found_ticket_text(ticket: dict[str, Any], tz: tzinfo | None = None) -> Bilingual:
    """A ticket found by its number (查号): where it stands now."""
    number = ticket.get("number", "")
    try:
        status = TicketStatus(ticket.get("status", ""))
    except ValueError:
        return Bilingual(f"{number}：{ticket.get('status', '')}", f"{number}: {ticket.get('status', '')}")
    name = STATUS_NAMES[status]
    if status is TicketStatus.WAITING:
        ahead = ticket.get("people_ahead", 0)
        return Bilingual(f"{number} {name.zh}，前面 {ahead} 人", f"{number} {name.en}, {ahead} ahead")
    window = (ticket.get("window") or {}).get("number")
    called = ticket.get("called_at")
    if status is TicketStatus.NO_SHOW and called:
        at = datetime.fromisoformat(called).astimezone(tz).strftime("%H:%M")
        where_zh = f"{window}号窗口" if window else ""
        where_en = f" at window {window}" if window else ""
        return Bilingual(f"{number} {name.zh}（{at} {where_zh}呼叫未到）", f"{number} {name.en} (called {at}{where_en}, did not come)")
    return Bilingual(f"{number} {name.zh}", f"{number}: {name.en}")


def found_ticket_actions(ticket: dict[str, Any], can_call: bool) -> tuple[list[tuple[str, Bilingual]], Bilingual | None]:
    """What the clerk may do with a found ticket, as numbered choices, and a note when the
    server allows a call this window cannot make now (it is busy or paused)."""
    choices: list[tuple[str, Bilingual]] = []
    note = None
    actions = ticket.get("actions") or []
    if "requeue" in actions:
        places = ticket.get("late_requeue_places", 0)
        choices.append(("requeue", Bilingual(f"重新排队（回到队首后第 {places} 位）", f"Back in the queue ({places} places from the head)")))
    if "call" in actions:
        if can_call:
            choices.append(("call", Bilingual("立即呼叫到本窗口", "Call to this window now")))
        else:
            note = Bilingual("本窗口空闲时才能立即呼叫", "calling needs this window to be idle")
    return choices, note
