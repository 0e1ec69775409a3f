"""The booking pages as HTML: small, server-rendered, no script. Chinese first, English by the
toggle (``?lang=en``, or the ``lang`` field of a form). Sizes are in rem, so a phone set to large
text gets large pages; one column, buttons a thumb can hit.

Every value from the store or the citizen goes through :func:`e` (HTML escaping).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg

from hall.booking import format_booking_code

STYLE = """
html { font-size: 100%; -webkit-text-size-adjust: 100%; }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; background: #f3f6fa;
       color: #1b2733; font-size: 1.125rem; line-height: 1.5; }
header { background: #1557a0; color: #fff; padding: .75rem 1rem; display: flex; justify-content: space-between; align-items: center;
         gap: .5rem; flex-wrap: wrap; }
header .hall { font-size: 1.1rem; font-weight: 700; }
header a { color: #fff; border: 1px solid #fff; border-radius: .4rem; padding: .2rem .6rem; text-decoration: none; white-space: nowrap; }
main { padding: 1rem; max-width: 40rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.card { background: #fff; border-radius: .75rem; padding: 1rem; margin-bottom: .9rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.steps { color: #6b7785; font-size: .95rem; margin-bottom: .5rem; }
.choice { display: flex; justify-content: space-between; align-items: center; gap: .5rem; width: 100%;
        box-sizing: border-box; padding: .8rem 1rem; margin: .45rem 0; border: 1px solid #c9d6e4; border-radius: .6rem;
        background: #fff; color: #1557a0; font-size: 1.1rem; text-decoration: none; text-align: left; font-family: inherit; }
.choice .left { color: #1b7f3b; font-weight: 700; white-space: nowrap; }
.choice.full { color: #8a96a3; background: #f1f3f6; }
.choice.full .left { color: #8a96a3; }
label { display: block; font-weight: 700; margin: .8rem 0 .3rem; }
input[type=text], input[type=tel] { width: 100%; box-sizing: border-box; font-size: 1.25rem; padding: .6rem .7rem;
        border: 1px solid #9bb3cc; border-radius: .5rem; font-family: inherit; }
button.go { width: 100%; margin-top: 1rem; padding: .85rem; font-size: 1.2rem; border: 0; border-radius: .6rem; background: #1557a0;
        color: #fff; font-family: inherit; }
button.danger { background: #c0392b; }
button.plain { background: #fff; color: #1557a0; border: 1px solid #1557a0; }
.error { background: #fdecea; border: 1px solid #e3a39c; color: #a12a1e; border-radius: .6rem; padding: .75rem 1rem; margin-bottom: .9rem; }
.error .other { color: #7d3b33; font-size: .95rem; }
.note { color: #4d5a67; font-size: 1rem; }
.code { font-size: 2.2rem; font-weight: 700; letter-spacing: .12em; color: #1557a0; text-align: center; font-family: monospace; }
.qr { display: block; width: 12rem; height: 12rem; margin: .5rem auto; }
.ok { color: #1b7f3b; font-weight: 700; font-size: 1.25rem; text-align: center; }
.cancelled { color: #a12a1e; font-weight: 700; font-size: 1.25rem; text-align: center; }
dl { margin: 0; } dt { color: #6b7785; font-size: .95rem; margin-top: .5rem; } dd { margin: 0; font-size: 1.1rem; }
ol { margin: .3rem 0 0; padding-left: 1.5rem; }
footer { text-align: center; color: #6b7785; font-size: .9rem; padding: 1rem; }
"""


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def t(lang: str, zh: str, en: str) -> str:
    """The text in the page's language (already-safe literals only)."""
    return en if lang == "en" else zh


def pick(data: dict[str, Any] | None, lang: str, key: str = "name") -> str:
    if not data:
        return ""
    zh, en = str(data.get(f"{key}_zh", "")), str(data.get(f"{key}_en", ""))
    return en if lang == "en" and en else zh


def page(lang: str, nonce: str, title_zh: str, title_en: str, body: str, hall: dict[str, Any] | None, toggle: str | None) -> str:
    """The frame: header with the hall's name and the language toggle (``toggle``: the same page
    in the other language, or None on a page that answers a form)."""
    other = "zh" if lang == "en" else "en"
    switch = f'<a href="{e(toggle)}" hreflang="{other}">{"中文" if lang == "en" else "English"}</a>' if toggle else ""
    title = t(lang, title_zh, title_en)
    hall_name = pick(hall, lang) if hall else t(lang, "政务服务中心", "Government Service Centre")
    return (
        f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)} · {e(hall_name)}</title><style nonce="{nonce}">{STYLE}</style></head><body>'
        f'<header><span class="hall">{e(hall_name)}</span>{switch}</header><main><h1>{e(title)}</h1>{body}</main>'
        f'<footer><a href="/b/find?lang={lang}">{t(lang, "查询、取消或改约", "View, cancel or move a booking")}</a> · '
        f'<a href="/b?lang={lang}">{t(lang, "预约首页", "Bookings home")}</a></footer></body></html>'
    )


def error_box(lang: str, zh: str, en: str) -> str:
    """A bilingual error: the page's language first, the other below."""
    first, second = (en, zh) if lang == "en" else (zh, en)
    return f'<div class="error" role="alert"><div>{e(first)}</div><div class="other">{e(second)}</div></div>'


def hidden(**fields: str) -> str:
    return "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items())


def steps(lang: str, current: int) -> str:
    names = (("选择事项", "Item"), ("选择日期", "Day"), ("选择时段", "Time"), ("填写信息", "Details"), ("验证", "Verify"))
    parts = [f"<b>{e(t(lang, *n))}</b>" if i == current else e(t(lang, *n)) for i, n in enumerate(names)]
    return f'<div class="steps">{" › ".join(parts)}</div>'


def hall_card(lang: str, hall: dict[str, Any]) -> str:
    address = pick(hall, lang, "address")
    lines = "".join(f"<dd>{e(line['en'] if lang == 'en' else line['zh'])}</dd>" for line in hall.get("hours", []))
    return (
        f'<div class="card"><h2>{t(lang, "办事地点与时间", "Where and when")}</h2><dl>'
        + (f"<dt>{t(lang, '地址', 'Address')}</dt><dd>{e(address)}</dd>" if address else "")
        + f"<dt>{t(lang, '办公时间', 'Hours')}</dt>{lines}"
        + f"<dt>{t(lang, '咨询投诉', 'Enquiries and complaints')}</dt><dd>{e(hall.get('complaint_phone', '12345'))}</dd></dl></div>"
    )


def materials_card(lang: str, item: dict[str, Any] | None) -> str:
    if not item:
        return ""
    materials = "".join(f"<li>{e(m)}</li>" for m in item.get("materials", []))
    promised = int(item.get("promised_days") or 0)
    promise = (
        t(lang, f"承诺时限：{promised} 个工作日", f"Done within {promised} working days")
        if promised
        else t(lang, "即办件", "Done on the spot")
    )
    return (
        f'<div class="card"><h2>{t(lang, "请带齐以下材料（一次性告知）", "Please bring (everything you need)")}</h2>'
        f'<ol>{materials}</ol><p class="note">{e(promise)} · {t(lang, "收费", "Fee")}：{e(item.get("fee", ""))}</p></div>'
    )


def catalogue_page(lang: str, nonce: str, data: dict[str, Any]) -> str:
    parts = [steps(lang, 0)]
    for category in data["categories"]:
        if not category["items"]:
            continue
        links = "".join(
            f'<a class="choice" href="/b/i/{quote(item["code"])}?lang={lang}"><span>{e(pick(item, lang))}</span><span>›</span></a>'
            for item in category["items"]
        )
        parts.append(f'<div class="card"><h2>{e(pick(category, lang))}</h2>{links}</div>')
    parts.append(hall_card(lang, data["hall"]))
    other = "zh" if lang == "en" else "en"
    return page(lang, nonce, "网上预约", "Book a visit", "".join(parts), data["hall"], f"/b?lang={other}")


def days_page(lang: str, nonce: str, data: dict[str, Any]) -> str:
    item = data["item"]
    rows = []
    for day in data["days"]:
        label = f"{day['date'][5:]} {day['weekday_en'] if lang == 'en' else day['weekday_zh']}"
        if day["left"] > 0:
            left = t(lang, f"余 {day['left']} 个号", f"{day['left']} left")
            rows.append(
                f'<a class="choice" href="/b/i/{quote(item["code"])}/{day["date"]}?lang={lang}"><span>{e(label)}</span>'
                f'<span class="left">{e(left)}</span></a>'
            )
        else:
            rows.append(f'<div class="choice full"><span>{e(label)}</span><span class="left">{t(lang, "已约满", "Full")}</span></div>')
    if not rows:
        rows.append(f'<p class="note">{t(lang, "近期没有可预约的日期", "No days open for booking soon")}</p>')
    body = steps(lang, 1) + f'<div class="card"><h2>{e(pick(item, lang))}</h2>{"".join(rows)}</div>' + materials_card(lang, item)
    other = "zh" if lang == "en" else "en"
    return page(lang, nonce, "选择日期", "Choose a day", body, data["hall"], f"/b/i/{quote(item['code'])}?lang={other}")


def slot_rows(lang: str, slots: Iterable[dict[str, Any]], href: Any) -> str:
    """One row per slot: a link (or a submit button) while places are left, greyed when full."""
    rows = []
    for slot in slots:
        if slot.get("passed"):
            continue  # started already: not offered, not shown as "full" either
        if slot["left"] > 0:
            left = t(lang, f"余 {slot['left']} 个", f"{slot['left']} left")
            rows.append(href(slot, f'<span>{e(slot["label"])}</span><span class="left">{e(left)}</span>'))
        else:
            rows.append(
                f'<div class="choice full"><span>{e(slot["label"])}</span><span class="left">{t(lang, "已满", "Full")}</span></div>'
            )
    return "".join(rows) or f'<p class="note">{t(lang, "当天没有可预约的时段", "No slots this day")}</p>'


def slots_page(lang: str, nonce: str, data: dict[str, Any]) -> str:
    item = data["item"]
    base = f"/b/i/{quote(item['code'])}/{data['date']}"

    def link(slot: dict[str, Any], inner: str) -> str:
        return f'<a class="choice" href="{base}/{slot["start"].replace(":", "")}?lang={lang}">{inner}</a>'

    weekday = data["weekday_en"] if lang == "en" else data["weekday_zh"]
    body = (
        steps(lang, 2)
        + f'<div class="card"><h2>{e(pick(item, lang))} · {e(data["date"])} {e(weekday)}</h2>{slot_rows(lang, data["slots"], link)}</div>'
    )
    other = "zh" if lang == "en" else "en"
    return page(lang, nonce, "选择时段", "Choose a time", body, data["hall"], f"{base}?lang={other}")


def details_page(
    lang: str, nonce: str, data: dict[str, Any], slot: dict[str, Any], error: tuple[str, str] | None = None, name: str = ""
) -> str:
    item = data["item"]
    weekday = data["weekday_en"] if lang == "en" else data["weekday_zh"]
    body = (
        steps(lang, 3)
        + (error_box(lang, *error) if error else "")
        + f'<div class="card"><h2>{e(pick(item, lang))}</h2><p>{e(data["date"])} {e(weekday)} {e(slot["label"])} · '
        + f"{t(lang, '余', '')} {slot['left']} {t(lang, '个号', 'left')}</p>"
        + '<form method="post" action="/b/request">'
        + hidden(item=item["code"], day=data["date"], start=slot["start"].replace(":", ""), lang=lang)
        + f'<label for="name">{t(lang, "姓名", "Name")}</label>'
        + f'<input id="name" name="name" type="text" maxlength="20" autocomplete="name" required value="{e(name)}">'
        + f'<label for="phone">{t(lang, "手机号码", "Mobile number")}</label>'
        + '<input id="phone" name="phone" type="tel" inputmode="numeric" maxlength="20" autocomplete="tel" required>'
        + f'<p class="note">{t(lang, "我们将向该号码发送 6 位验证码，验证后预约才生效。", "We send a 6-digit code to this number; the booking counts once you enter it.")}</p>'
        + f'<button class="go" type="submit">{t(lang, "获取验证码", "Send me the code")}</button></form></div>'
        + materials_card(lang, item)
    )
    return page(lang, nonce, "填写预约信息", "Your details", body, data["hall"], None)


def verify_page(
    lang: str, nonce: str, request: str, phone_masked: str, minutes: int, hall: dict[str, Any], error: tuple[str, str] | None = None
) -> str:
    body = (
        steps(lang, 4)
        + (error_box(lang, *error) if error else "")
        + '<div class="card"><form method="post" action="/b/verify">'
        + hidden(request=request, lang=lang)
        + (
            f"<p>{t(lang, f'验证码已发送至 {e(phone_masked)}，{minutes} 分钟内有效。', f'We sent a code to {e(phone_masked)}; it is valid for {minutes} minutes.')}</p>"
            if phone_masked  # a second try after a wrong code: the message above says what to do
            else ""
        )
        + f'<label for="code">{t(lang, "短信验证码", "Code from the text message")}</label>'
        + '<input id="code" name="code" type="text" inputmode="numeric" maxlength="6" autocomplete="one-time-code" required>'
        + f'<button class="go" type="submit">{t(lang, "确认预约", "Confirm the booking")}</button></form></div>'
    )
    return page(lang, nonce, "验证手机号码", "Verify your number", body, hall, None)


def qr_svg(data: str) -> str:
    """The booking code as an inline SVG QR code (the kiosk's scanner reads it)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(data)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", '<svg class="qr" role="img" aria-label="QR" ', 1)


STATUS_TEXT = {
    "booked": ("预约成功", "Booked"),
    "cancelled": ("已取消", "Cancelled"),
    "checked_in": ("已签到取号", "Checked in"),
}


def booking_page(lang: str, nonce: str, booking: dict[str, Any], phone: str | None = None, title: tuple[str, str] | None = None) -> str:
    """Confirmation, and the view of a booking (``phone``: found by code and number, so it may be
    cancelled or moved from here)."""
    status = booking["status"]
    weekday = booking["weekday_en"] if lang == "en" else booking["weekday_zh"]
    css = "cancelled" if status == "cancelled" else "ok"
    parts = [f'<div class="card"><div class="{css}">{e(t(lang, *STATUS_TEXT.get(status, (status, status))))}</div>']
    if status == "booked":
        parts.append(
            f'<p class="note">{t(lang, "预约码（到大厅取号机扫码或输入）", "Booking code (scan or type it at the hall kiosk)")}</p>'
        )
        parts.append(f'<div class="code">{e(format_booking_code(booking["code"]))}</div>{qr_svg(booking["code"])}')
    parts.append(
        "<dl>"
        f"<dt>{t(lang, '事项', 'Item')}</dt><dd>{e(pick(booking.get('item'), lang) or pick(booking.get('category'), lang))}</dd>"
        f"<dt>{t(lang, '时间', 'Time')}</dt><dd>{e(booking['date'])} {e(weekday)} {e(booking['slot'])}</dd>"
        f"<dt>{t(lang, '预约人', 'Name')}</dt><dd>{e(booking['name'])} · {e(booking['phone'])}</dd></dl>"
    )
    if status == "booked":
        parts.append(
            f'<p class="note">{t(lang, "请在预约时段前 15 分钟内到达取号；迟到请重新取号。", "Please arrive within 15 minutes before your time and take your number at the kiosk.")}</p>'
        )
    parts.append("</div>")
    if status == "booked" and phone is not None:
        keys = hidden(code=booking["code"], phone=phone, lang=lang)
        parts.append(
            f'<div class="card"><form method="post" action="/b/move">{keys}'
            f'<button class="go plain" type="submit">{t(lang, "改约到其他时间", "Move to another time")}</button></form>'
            f'<form method="post" action="/b/cancel">{keys}{hidden(confirm="yes")}'
            f'<button class="go danger" type="submit">{t(lang, "取消预约", "Cancel the booking")}</button></form></div>'
        )
    parts.append(materials_card(lang, booking.get("item")) if status == "booked" else "")
    parts.append(hall_card(lang, booking["hall"]))
    heading = title or (("预约详情", "Your booking"))
    return page(lang, nonce, *heading, "".join(parts), booking["hall"], None)


def find_page(lang: str, nonce: str, hall: dict[str, Any] | None, error: tuple[str, str] | None = None, code: str = "") -> str:
    body = (
        (error_box(lang, *error) if error else "")
        + '<div class="card"><form method="post" action="/b/find">'
        + hidden(lang=lang)
        + f'<label for="code">{t(lang, "预约码", "Booking code")}</label>'
        + f'<input id="code" name="code" type="text" maxlength="16" autocapitalize="characters" required value="{e(code)}">'
        + f'<label for="phone">{t(lang, "预约时填写的手机号码", "Mobile number used to book")}</label>'
        + '<input id="phone" name="phone" type="tel" inputmode="numeric" maxlength="20" required>'
        + f'<button class="go" type="submit">{t(lang, "查询", "Find my booking")}</button></form></div>'
    )
    other = "zh" if lang == "en" else "en"
    return page(lang, nonce, "查询、取消或改约", "View, cancel or move", body, hall, f"/b/find?lang={other}")


def move_days_page(lang: str, nonce: str, booking: dict[str, Any], phone: str, days: list[dict[str, Any]]) -> str:
    keys = hidden(code=booking["code"], phone=phone, lang=lang)
    rows = []
    for day in days:
        label = f"{day['date'][5:]} {day['weekday_en'] if lang == 'en' else day['weekday_zh']}"
        left = day["left"]
        if left > 0:
            rows.append(
                f'<button class="choice" type="submit" name="day" value="{e(day["date"])}"><span>{e(label)}</span>'
                f'<span class="left">{e(t(lang, f"余 {left} 个号", f"{left} left"))}</span></button>'
            )
        else:
            rows.append(f'<div class="choice full"><span>{e(label)}</span><span class="left">{t(lang, "已约满", "Full")}</span></div>')
    body = (
        f'<div class="card"><p>{t(lang, "当前预约", "Now booked")}：{e(booking["date"])} {e(booking["slot"])}</p>'
        f'<form method="post" action="/b/move">{keys}{"".join(rows)}</form></div>'
    )
    return page(lang, nonce, "改约：选择日期", "Move: choose a day", body, booking["hall"], None)


def move_slots_page(lang: str, nonce: str, booking: dict[str, Any], phone: str, data: dict[str, Any]) -> str:
    keys = hidden(code=booking["code"], phone=phone, lang=lang, day=data["date"])

    def button(slot: dict[str, Any], inner: str) -> str:
        return f'<button class="choice" type="submit" name="start" value="{e(slot["start"].replace(":", ""))}">{inner}</button>'

    body = (
        f'<div class="card"><p>{t(lang, "当前预约", "Now booked")}：{e(booking["date"])} {e(booking["slot"])}</p>'
        f"<h2>{e(data['date'])} {e(data['weekday_en'] if lang == 'en' else data['weekday_zh'])}</h2>"
        f'<form method="post" action="/b/move">{keys}{slot_rows(lang, data["slots"], button)}</form></div>'
    )
    return page(lang, nonce, "改约：选择时段", "Move: choose a time", body, booking["hall"], None)


def error_page(lang: str, nonce: str, zh: str, en: str, hall: dict[str, Any] | None = None) -> str:
    body = error_box(lang, zh, en) + f'<a class="choice" href="/b?lang={lang}">{t(lang, "返回预约首页", "Back to bookings")}</a>'
    return page(lang, nonce, "无法完成", "Could not do that", body, hall, None)
