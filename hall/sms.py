"""Text messages (短信) to citizens: what is sent, when, and how a failed send is retried.

Plain rules, no database and no network (db.notifications keeps the outbox, server.notify sends).

What is sent (each one short, in Chinese, signed with the hall's name; ``KINDS``):

- ``booking_confirmed`` / ``booking_moved`` / ``booking_cancelled``: when a booking is made
  (verified), moved to another slot, or cancelled;
- ``remind_day``: the day before the slot, at ``REMIND_DAY_AT`` (18:00) hall time;
- ``remind_hour``: one hour before the slot;
- ``soon`` (即将到号): when ``SOON_AHEAD`` (3) or fewer people are ahead of a ticket whose holder
  gave a mobile number at the kiosk;
- ``called``: 请到 N 号窗口办理, when that ticket is called.

Each message has a dedupe key: one event never makes two messages (the outbox's unique index).
A failed send is retried after ``backoff_seconds(attempts)`` (exponential, capped) until
``MAX_ATTEMPTS``; then the message is ``given_up`` and a manager may resend it.
A reminder whose time has passed (booked too late for it) is not queued at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hall.text import HallRuleError

PENDING, SENT, FAILED, GIVEN_UP, CANCELLED = "pending", "sent", "failed", "given_up", "cancelled"
OPEN_STATUSES = (PENDING, FAILED)  # still to be sent
STATUS_TEXT = {
    PENDING: ("待发送", "pending"),
    SENT: ("已发送", "sent"),
    FAILED: ("重试中", "retrying"),
    GIVEN_UP: ("已放弃", "given up"),
    CANCELLED: ("已取消", "cancelled"),
}

MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 1800.0
REMIND_DAY_AT = time(18, 0)
SOON_AHEAD = 3

DEFAULT_TEMPLATES: dict[str, str] = {
    "booking_confirmed": "【{hall}】预约成功：{item}，{date} {slot}，预约码{code}。请按时到厅取号。",
    "booking_moved": "【{hall}】预约已改到 {date} {slot}（{item}），预约码{code}。",
    "booking_cancelled": "【{hall}】您 {date} {slot} 的预约（{item}）已取消。",
    "remind_day": "【{hall}】提醒：您明天 {slot} 预约了{item}，预约码{code}，请带齐材料按时到厅。",
    "remind_hour": "【{hall}】提醒：您 {slot} 预约的{item}一小时后开始，请准时到厅取号。",
    "soon": "【{hall}】您的{number}号前面还有{ahead}人，即将到号，请回到大厅等候。",
    "called": "【{hall}】请{number}号到{window}号窗口办理。",
    "verify": "【{hall}】您的预约验证码是{code}，{minutes}分钟内有效，请勿告诉他人。",
}
KINDS = tuple(DEFAULT_TEMPLATES)
REMINDERS = ("remind_day", "remind_hour")
KIND_TEXT = {
    "booking_confirmed": ("预约成功", "booking confirmed"),
    "booking_moved": ("预约改期", "booking moved"),
    "booking_cancelled": ("预约取消", "booking cancelled"),
    "remind_day": ("前一天提醒", "day-before reminder"),
    "remind_hour": ("一小时前提醒", "hour-before reminder"),
    "soon": ("即将到号", "turn coming"),
    "called": ("叫号", "called"),
    "verify": ("预约验证码", "booking code"),  # sent at once, not through the outbox (server.notify.verification)
}
MAX_TEXT = 120  # characters: a long message costs several SMS and reads badly on a phone
_FIELD = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class SmsSettings:
    """The hall's ``[sms]`` settings: the gateway's templates (ids at a provider that needs
    registered templates, text otherwise) and the retry limits."""

    templates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    provider_templates: dict[str, str] = field(default_factory=dict)  # kind -> provider's template id
    sign: str = ""  # 短信签名; the hall's name when empty
    max_attempts: int = MAX_ATTEMPTS
    url: str = ""  # the gateway (server.notify.gateways): log:..., http(s)://...; "" = nothing is sent
    key: str = ""  # the provider's key (Authorization: Bearer); never shown or logged


def parse_sms(table: dict[str, object]) -> SmsSettings:
    """The ``[sms]`` table of the server's SMS file (``HALLQ_SMS_CONFIG``): ``url`` and ``key`` of
    the gateway, ``templates`` (kind -> text), ``template_ids`` (kind -> provider template id),
    ``sign``, ``max_attempts``. Unknown kinds or fields are refused."""
    templates = dict(DEFAULT_TEMPLATES)
    raw = table.get("templates", {})
    if not isinstance(raw, dict):
        raise HallRuleError("bad_sms", "[sms] templates 应为表", "[sms] templates should be a table", 422)
    for kind, text in raw.items():
        if kind not in DEFAULT_TEMPLATES or not isinstance(text, str):
            raise HallRuleError("bad_sms", f"未知短信类型“{kind}”", f"unknown message kind '{kind}'", 422)
        unknown = set(_FIELD.findall(text)) - set(_FIELD.findall(DEFAULT_TEMPLATES[kind]))
        if unknown:
            raise HallRuleError("bad_sms", f"短信模板含未知字段 {sorted(unknown)}", f"template has unknown fields {sorted(unknown)}", 422)
        templates[kind] = text
    ids = table.get("template_ids", {})
    if not isinstance(ids, dict) or not all(isinstance(v, str) for v in ids.values()):
        raise HallRuleError("bad_sms", "[sms] template_ids 应为文字表", "[sms] template_ids should be a table of strings", 422)
    attempts = table.get("max_attempts", MAX_ATTEMPTS)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 50:
        raise HallRuleError("bad_sms", "max_attempts 应为 1-50", "max_attempts should be 1-50", 422)
    unknown_fields = set(table) - {"templates", "template_ids", "sign", "max_attempts", "url", "key"}
    if unknown_fields:
        raise HallRuleError("bad_sms", f"[sms] 未知设置 {sorted(unknown_fields)}", f"[sms] unknown settings {sorted(unknown_fields)}", 422)
    sign, url, key = table.get("sign", ""), table.get("url", ""), table.get("key", "")
    if not all(isinstance(v, str) for v in (sign, url, key)):
        raise HallRuleError("bad_sms", "[sms] sign、url、key 应为文字", "[sms] sign, url and key should be strings", 422)
    return SmsSettings(templates, dict(ids), str(sign)[:20], attempts, str(url), str(key))


def render(settings: SmsSettings, kind: str, hall_name: str, params: dict[str, str]) -> str:
    """The message's text: the template filled in (a missing field stays empty), cut to MAX_TEXT."""
    values = {**params, "hall": settings.sign or hall_name}
    text = _FIELD.sub(lambda m: str(values.get(m.group(1), "")), settings.templates[kind])
    return text[:MAX_TEXT]


def backoff_seconds(attempts: int) -> float:
    """Wait before the next try after ``attempts`` failures: 5 s, 10 s, 20 s ... capped at 30 min."""
    return min(FIRST_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def reminder_times(slot_start: datetime, zone: ZoneInfo, now: datetime) -> dict[str, datetime]:
    """When each reminder of a booking is due; those already past are left out (and the day-before
    one also when it would come less than an hour before the hour-before one)."""
    local = slot_start.astimezone(zone)
    day_before = datetime.combine(local.date() - timedelta(days=1), REMIND_DAY_AT, tzinfo=zone)
    hour_before = slot_start - timedelta(hours=1)
    due: dict[str, datetime] = {}
    if day_before > now and day_before < hour_before - timedelta(hours=1):
        due["remind_day"] = day_before
    if hour_before > now:
        due["remind_hour"] = hour_before
    return due


def status_text(status: str) -> str:
    zh, en = STATUS_TEXT.get(status, (status, status))
    return f"{zh} {en}"


def kind_text(kind: str) -> str:
    zh, en = KIND_TEXT.get(kind, (kind, kind))
    return f"{zh} {en}"
