"""A Python client of the hall server API — what ui/ wraps for Qt, and what benchmarks,
the simulator and tests drive. Errors arrive as :class:`ApiError` with the server's
bilingual message; a server that cannot be reached is an :class:`Offline` error."""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from hall.reports import Dimension, RatingRecord, Report, ReportFilter, rating_record_from_json, report_from_json
from server.tls import CaFetchFailed, CaPin, TrustError, is_loopback, pin_for, pin_server


class ApiError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(f"{status} {code}: {zh} / {en}")
        self.status, self.code, self.zh, self.en = status, code, zh, en


STORAGE_FAULT_CODES = frozenset({"disk_full", "database_read_only"})  # db/storage_faults.py


class Offline(ApiError):
    """The server cannot be reached, or answered 503 (its database is down, or it is busy): the
    programs show "offline, retrying". A 503 keeps its status and the server's error code."""

    def __init__(self, detail: str, zh: str = "无法连接服务器，正在重试", en: str = "", *, status: int = 0, code: str = "offline") -> None:
        super().__init__(status, code, zh, en or f"cannot reach the hall server ({detail})")


class Untrusted(ApiError):
    """The server is not the hall's (wrong CA fingerprint, or a certificate the pin does not
    vouch for), or the address would send tokens in clear: nothing is sent."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(0, code, zh, en)


def insecure_url_error(base_url: str) -> Untrusted:
    return Untrusted(
        "insecure_url",
        f"不能用明文 http 连接本机以外的服务器（{base_url}）：令牌和密码会被窃听；请用 https:// 地址和登记时给出的 CA 指纹",
        f"refusing plain http to a server off this machine ({base_url}): tokens and PINs would cross the network in clear; "
        "use the https:// address and the CA fingerprint given at enrolment",
    )


def _transport_error(base_url: str, error: httpx.TransportError) -> ApiError:
    """What a failed connection means, in words a clerk or an installer can act on."""
    text = str(error)
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    if cause is not None or "CERTIFICATE_VERIFY_FAILED" in text:
        return Untrusted(
            "tls_untrusted",
            "服务器证书不受信任：请核对服务器地址和登记时给出的 CA 指纹（--ca-fingerprint）",
            f"the server's certificate is not trusted: check the server address and the CA fingerprint given at enrolment "
            f"(--ca-fingerprint) [{text[:160]}]",
        )
    if urlsplit(base_url).scheme == "http" and isinstance(error, httpx.RemoteProtocolError):
        return Offline(
            type(error).__name__,
            "服务器断开了连接；若服务器启用了 HTTPS，请改用 https:// 地址",
            "the server closed the connection without answering; if it serves HTTPS, use the https:// address",
        )
    return Offline(type(error).__name__)


def _trust_error(error: TrustError) -> ApiError:
    if isinstance(error, CaFetchFailed):
        return Offline(error.code, error.zh, error.en)
    return Untrusted(error.code, error.zh, error.en)


@dataclass(frozen=True)
class Download:
    """A file the server made (a report export): the name it suggests, its media type and bytes."""

    filename: str
    media_type: str
    content: bytes


def _download_name(disposition: str, fallback: str) -> str:
    """The file name of a Content-Disposition header, preferring the RFC 5987 UTF-8 form."""
    plain = ""
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename*" and value.lower().startswith("utf-8''"):
            return unquote(value[7:])
        if name.lower() == "filename":
            plain = value.strip('"')
    return plain or fallback


class HallClient:
    """``ca_fingerprint`` pins an https server to the hall CA with that SHA-256 fingerprint, for
    this client and every later one in the process (``hallq enroll`` prints it). Plain http is
    refused for any server off this machine."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        ca_fingerprint: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        parts = urlsplit(self.base_url)
        if transport is None and parts.scheme == "http" and not is_loopback(parts.hostname):
            raise insecure_url_error(self.base_url)
        try:
            self._pin: CaPin | None = pin_server(self.base_url, ca_fingerprint) if ca_fingerprint else pin_for(self.base_url)
        except TrustError as error:
            raise _trust_error(error) from None
        if parts.scheme != "https":
            self._pin = None
        verify: ssl.SSLContext | bool = self._pin.context if self._pin is not None else True
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport, verify=verify)

    def close(self) -> None:
        self._http.close()

    def with_token(self, token: str) -> HallClient:
        return HallClient(self.base_url, token)

    # ------------------------------------------------------------------ plumbing

    def _trusted(self) -> None:
        """The pinned CA is loaded before anything (a token above all) is sent."""
        if self._pin is not None and self._pin.pem is None:
            try:
                self._pin.ensure()
            except TrustError as error:
                raise _trust_error(error) from None

    def request(self, method: str, path: str, body: Any = None, idempotency_key: str | None = None) -> Any:
        self._trusted()
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.TransportError as error:
            raise _transport_error(self.base_url, error) from error
        _raise_for_status(response)
        return response.json()

    @staticmethod
    def new_key() -> str:
        return uuid.uuid4().hex

    # ------------------------------------------------------------------ API

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/api/health")

    def snapshot(self) -> dict[str, Any]:
        return self.request("GET", "/api/snapshot")

    def planning(self) -> dict[str, Any]:
        """Manager only: waiting ages, recent arrivals and observed service times per category."""
        return self.request("GET", "/api/planning")

    def forecast(self, day: date | None = None) -> dict[str, Any]:
        """Manager only: the day's forecast arrivals per category and half hour (today when None)."""
        return self._get("/api/forecast", {"date": day.isoformat() if day else None}).json()

    def cross_training(self) -> dict[str, Any]:
        """Manager only: 交叉培训建议 for the hall as it is today (a few seconds the first time)."""
        return self._get("/api/staffing-plan/cross-training", {}, timeout=120.0).json()

    def staffing_plan(self, day: date | None = None) -> dict[str, Any]:
        """Manager only: the day's staffing plan (排班建议): windows needed per category and half hour."""
        return self._get("/api/staffing-plan", {"date": day.isoformat() if day else None}).json()

    def me(self) -> dict[str, Any]:
        return self.request("GET", "/api/me")

    def issue(
        self, series: str, items: list[str] | None = None, priority_reason: str | None = None, source: str = "kiosk", key: str | None = None,
        id_hash: str = "", id_masked: str = "",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"series": series, "items": items or [], "priority_reason": priority_reason, "source": source}
        if id_hash or id_masked:
            body.update(id_hash=id_hash, id_masked=id_masked)
        return self.request("POST", "/api/tickets", body, key or self.new_key())

    def guide_issue(
        self, series: str, items: list[str] | None = None, priority_reason: str | None = None, assist: str = "", key: str | None = None
    ) -> dict[str, Any]:
        """The guide desk takes a number for a citizen (``assist``: "proxy" 代办, "help" 帮办 or "")."""
        body = {"series": series, "items": items or [], "priority_reason": priority_reason, "assist": assist}
        return self.request("POST", "/api/guide/tickets", body, key or self.new_key())

    def guide_book(self, series: str, slot_at: str, name: str = "", phone: str = "", item_code: str = "") -> dict[str, Any]:
        """The guide desk books a slot for the citizen at the desk."""
        body = {"series": series, "slot_at": slot_at, "name": name, "phone": phone, "item_code": item_code}
        return self.request("POST", "/api/guide/appointments", body)

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        return self.request("GET", f"/api/tickets/{ticket_id}")

    def reprint(self, ticket_id: int) -> dict[str, Any]:
        return self.request("POST", f"/api/tickets/{ticket_id}/reprint")

    def find_ticket(self, number: str) -> dict[str, Any]:
        """Today's ticket by number, with what may be done with it (``actions``)."""
        return self.request("GET", f"/api/tickets/find?number={quote(number)}")

    def requeue(self, ticket_id: int) -> dict[str, Any]:
        return self.request("POST", f"/api/tickets/{ticket_id}/requeue")

    def check_in(self, code: str, key: str | None = None, id_hash: str = "", id_masked: str = "") -> dict[str, Any]:
        body = {"code": code, "id_hash": id_hash, "id_masked": id_masked}
        return self.request("POST", "/api/appointments/check-in", body, key or self.new_key())

    def check_in_by_card(self, id_hash: str, id_masked: str, key: str | None = None) -> dict[str, Any]:
        """刷身份证签到; 404 ``no_booking_today`` when the holder has no booking to check in today."""
        body = {"id_hash": id_hash, "id_masked": id_masked}
        return self.request("POST", "/api/appointments/check-in-by-card", body, key or self.new_key())

    def id_key(self) -> str:
        """The hall's key for ID hashes (kiosk): hash a card with hall.identity.id_hash."""
        return str(self.request("GET", "/api/kiosk/id-key")["key"])

    def add_appointment(self, series: str, slot_at: str, name: str = "", phone: str = "", item_code: str = "") -> dict[str, Any]:
        return self.request(
            "POST", "/api/appointments", {"series": series, "slot_at": slot_at, "name": name, "phone": phone, "item_code": item_code}
        )

    def login(self, staff_no: str, pin: str, handover: bool = False) -> dict[str, Any]:
        return self.request("POST", "/api/login", {"staff_no": staff_no, "pin": pin, "handover": handover})

    def logout(self) -> dict[str, Any]:
        return self.request("POST", "/api/logout")

    def sign_off(self) -> dict[str, Any]:
        """签退: log out and go off duty for the rest of the day."""
        return self.request("POST", "/api/sign-off")

    def roster(self) -> dict[str, Any]:
        """Manager only: every active clerk's duty state now."""
        return self.request("GET", "/api/roster")

    def set_roster(self, staff_no: str, absent: bool | None = None, lunch: str | None = None, reason: str = "") -> dict[str, Any]:
        """Manager only: mark a clerk absent today (or back) and/or set their lunch turn."""
        body: dict[str, Any] = {"reason": reason}
        if absent is not None:
            body["absent"] = absent
        if lunch is not None:
            body["lunch"] = lunch
        return self.request("PUT", f"/api/roster/{staff_no}", body)

    def call_next(self, window: int, key: str | None = None) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/call-next", None, key or self.new_key())

    def call_number(self, window: int, number: str) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/call-number", {"number": number})

    def recall(self, window: int) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/recall")

    def start(self, window: int) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/start")

    def finish(
        self,
        window: int,
        outcome: str,
        item_code: str | None = None,
        note: str = "",
        key: str | None = None,
        promised_days: int | None = None,
        materials_received: list[str] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"outcome": outcome, "item_code": item_code, "note": note}
        if promised_days is not None:
            body["promised_days"] = promised_days
        if materials_received is not None:
            body["materials_received"] = materials_received
        return self.request("POST", f"/api/windows/{window}/finish", body, key or self.new_key())

    def no_show(self, window: int) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/no-show")

    def transfer(self, window: int, to_series: str | None = None, to_window: int | None = None, note: str = "") -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/transfer", {"to_series": to_series, "to_window": to_window, "note": note})

    def park(self, window: int, note: str = "") -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/park", {"note": note})

    def call_back(self, window: int, ticket_id: int) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/call-back", {"ticket_id": ticket_id})

    def parked(self, window: int) -> list[dict[str, Any]]:
        return self.request("GET", f"/api/windows/{window}/parked")

    def pause(self, window: int, reason: str) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/pause", {"reason": reason})

    def resume(self, window: int) -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/resume")

    def open_window(self, window: int, reason: str = "") -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/open", {"reason": reason})

    def close_window(self, window: int, reason: str = "") -> dict[str, Any]:
        return self.request("POST", f"/api/windows/{window}/close", {"reason": reason})

    def set_window_categories(
        self, window: int, primary: list[str], secondary: list[str] | None = None, reason: str = ""
    ) -> dict[str, Any]:
        return self.request(
            "PUT", f"/api/windows/{window}/categories", {"primary": primary, "secondary": secondary or [], "reason": reason}
        )

    def rate(
        self,
        service_id: int,
        level: str | None,
        reasons: list[str] | None = None,
        comment: str = "",
        channel: str = "pad",
        key: str | None = None,
        contact_phone: str = "",
    ) -> dict[str, Any]:
        body = {"service_id": service_id, "level": level, "reasons": reasons or [], "comment": comment, "channel": channel}
        if contact_phone:
            body["contact_phone"] = contact_phone
        return self.request("POST", "/api/ratings", body, key or self.new_key())

    def followups(self) -> list[dict[str, Any]]:
        return self.request("GET", "/api/followups")

    def log_followup_call(
        self, followup_id: int, reached: bool, result: str = "", rectification: str = "", satisfaction: str = ""
    ) -> dict[str, Any]:
        body = {"reached": reached, "result": result, "rectification": rectification, "satisfaction": satisfaction}
        return self.request("POST", f"/api/followups/{followup_id}/calls", body)

    def update_followup(self, followup_id: int, status: str, notes: str = "", citizen_view: str = "") -> dict[str, Any]:
        return self.request("PUT", f"/api/followups/{followup_id}", {"status": status, "notes": notes, "citizen_view": citizen_view})

    def enroll(self, role: str, name: str, window: int | None = None) -> dict[str, Any]:
        return self.request("POST", "/api/devices", {"role": role, "name": name, "window": window})

    def devices(self) -> list[dict[str, Any]]:
        return self.request("GET", "/api/devices")

    def maintenance(self) -> dict[str, Any]:
        """The last good backup, the nightly schedule, a storage fault now (manager; hall/maintenance.py reads it)."""
        return self.request("GET", "/api/maintenance")

    def city_downlink(self) -> dict[str, Any]:
        """The catalogue and notices the city sent, and the city link's last poll (manager)."""
        return self.request("GET", "/api/city/downlink")

    def revoke(self, device_id: int) -> dict[str, Any]:
        return self.request("DELETE", f"/api/devices/{device_id}")

    def heartbeat(self, devices: dict[str, dict[str, str]]) -> dict[str, Any]:
        """This program is alive; ``devices`` maps hall.devices components to {"state", "detail"}."""
        return self.request("POST", "/api/devices/heartbeat", {"devices": devices})

    def alert(self, kind: str, zh: str, en: str = "") -> dict[str, Any]:
        """Report a device problem to the manager console (event ``device_alert``)."""
        return self.request("POST", "/api/alerts", {"kind": kind, "zh": zh, "en": en})

    def audit(self, limit: int = 200) -> list[dict[str, Any]]:
        return self.request("GET", f"/api/audit?limit={limit}")

    def notifications(self, day: date | None = None) -> list[dict[str, Any]]:
        """短信 outbox of ``day`` (today when None), masked numbers only; manager only."""
        return self.request("GET", "/api/notifications" + (f"?day={day.isoformat()}" if day else ""))

    def resend_notification(self, message_id: int) -> dict[str, Any]:
        return self.request("POST", f"/api/notifications/{message_id}/resend")

    def notify_phone(self, ticket_id: int, phone: str) -> dict[str, Any]:
        """A kiosk: the number a ticket's holder gave for 即将到号 / 叫号 messages."""
        return self.request("POST", f"/api/tickets/{ticket_id}/notify-phone", {"phone": phone})

    def set_clerk_photo(self, staff_no: str, content: bytes, media_type: str = "image/png") -> dict[str, Any]:
        """岗位公示: the clerk's photo (PNG or JPEG bytes), manager only."""
        self._trusted()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": media_type} if self.token else {"Content-Type": media_type}
        try:
            response = self._http.put(f"/api/config/clerks/{staff_no}/photo", content=content, headers=headers)
        except httpx.TransportError as error:
            raise _transport_error(self.base_url, error) from error
        _raise_for_status(response)
        return dict(response.json())

    def remove_clerk_photo(self, staff_no: str) -> dict[str, Any]:
        return self.request("DELETE", f"/api/config/clerks/{staff_no}/photo")

    def window_clerk_photo(self, window: int) -> bytes | None:
        """The photo of the clerk on duty at ``window``, or None when there is none (404)."""
        try:
            return self._get(f"/api/windows/{window}/clerk-photo", {}).content
        except ApiError as error:
            if error.status == 404 and error.code == "no_photo":
                return None
            raise

    def public_ticket(self, public_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/public/tickets/{public_id}")

    # ------------------------------------------------------------------ reports (manager)

    def _get(self, path: str, params: dict[str, Any], timeout: float | None = None) -> httpx.Response:
        """GET with query parameters (None values left out); errors as in :meth:`request`."""
        self._trusted()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        query = {name: str(value) for name, value in params.items() if value is not None}
        try:
            if timeout is None:
                response = self._http.get(path, params=query, headers=headers)
            else:  # a long computation (cross-training) may take longer than the client's default
                response = self._http.get(path, params=query, headers=headers, timeout=timeout)
        except httpx.TransportError as error:
            raise _transport_error(self.base_url, error) from error
        _raise_for_status(response)
        return response

    def _download(self, path: str, params: dict[str, Any], fallback: str) -> Download:
        response = self._get(path, params)
        name = _download_name(response.headers.get("content-disposition", ""), fallback)
        return Download(name, response.headers.get("content-type", "application/octet-stream"), response.content)

    @staticmethod
    def _report_params(start: date, end: date, by: Dimension | str, wanted: ReportFilter | None) -> dict[str, Any]:
        wanted = wanted or ReportFilter()
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "by": Dimension(by).value,
            "category": wanted.category,
            "window": wanted.window,
            "clerk": wanted.clerk,
            "department": wanted.department,
        }

    def report(self, start: date, end: date, by: Dimension | str = Dimension.HALL, wanted: ReportFilter | None = None) -> Report:
        return report_from_json(self._get("/api/reports", self._report_params(start, end, by, wanted)).json())

    def export_report(
        self, fmt: str, start: date, end: date, by: Dimension | str = Dimension.HALL, wanted: ReportFilter | None = None
    ) -> Download:
        """``fmt`` is csv, xlsx or pdf."""
        params = {**self._report_params(start, end, by, wanted), "format": fmt}
        return self._download("/api/reports/export", params, f"report-{start}-{end}.{fmt}")

    def rating_records(self, start: date, end: date) -> list[RatingRecord]:
        data = self._get("/api/reports/ratings", {"start": start.isoformat(), "end": end.isoformat()}).json()
        return [rating_record_from_json(item) for item in data]

    def export_ratings(self, fmt: str, start: date, end: date) -> Download:
        """好差评 records for the provincial platform; ``fmt`` is csv, xlsx or json."""
        params = {"start": start.isoformat(), "end": end.isoformat(), "format": fmt}
        return self._download("/api/reports/ratings/export", params, f"ratings-{start}-{end}.{fmt}")

    def attendance(self, start: date, end: date) -> dict[str, Any]:
        """考勤: {"columns": [{zh, en}], "rows": [{day, staff_no, cells: [{zh, en}]}]}."""
        return dict(self._get("/api/reports/attendance", {"start": start.isoformat(), "end": end.isoformat()}).json())

    def export_attendance(self, fmt: str, start: date, end: date) -> Download:
        """The 考勤 report; ``fmt`` is csv, xlsx or pdf."""
        params = {"start": start.isoformat(), "end": end.isoformat(), "format": fmt}
        return self._download("/api/reports/attendance/export", params, f"attendance-{start}-{end}.{fmt}")

    def monthly_report(self, year: int, month: int) -> Download:
        """The printable monthly report (PDF)."""
        return self._download("/api/reports/monthly.pdf", {"month": f"{year:04d}-{month:02d}"}, f"monthly-{year:04d}-{month:02d}.pdf")

    # ------------------------------------------------------------------ 预约, the manager's side (server/booking/staff_routes.py)

    def bookings_calendar(self, start: date, days: int) -> dict[str, Any]:
        """Per day, slot and category: booked / capacity, fill rate, checked in, no-shows."""
        return dict(self._get("/api/bookings/calendar", {"start": start.isoformat(), "days": days}).json())

    def bookings_day(self, day: date) -> list[dict[str, Any]]:
        """A day's bookings, names and numbers masked."""
        return list(self._get("/api/bookings/day", {"day": day.isoformat()}).json())

    def export_bookings_day(self, day: date) -> Download:
        return self._download("/api/bookings/day.csv", {"day": day.isoformat()}, f"bookings-{day}.csv")

    def bookings_settings(self) -> dict[str, Any]:
        return dict(self._get("/api/bookings/settings", {}).json())

    def booking_items(self) -> dict[str, Any]:
        return dict(self._get("/api/bookings/items", {}).json())

    def booking_days(self, item: str) -> dict[str, Any]:
        return dict(self._get("/api/bookings/days", {"item": item}).json())

    def booking_slots(self, item: str, day: date) -> dict[str, Any]:
        return dict(self._get("/api/bookings/slots", {"item": item, "day": day.isoformat()}).json())

    def phone_booking(self, item: str, day: date, start: str, name: str, phone: str) -> dict[str, Any]:
        """电话预约: booked at once for the citizen on the line; the answer carries the booking code."""
        body = {"item": item, "day": day.isoformat(), "start": start, "name": name, "phone": phone}
        return dict(self.request("POST", "/api/bookings/phone", body))

    def events_after(self, after: int, timeout: float = 5.0, until: int | None = None) -> Iterator[dict[str, Any]]:
        """Read the event stream (blocking) from ``after``; ends after ``timeout`` s of silence."""
        from websockets.sync.client import connect

        self._trusted()
        ws_url = self.base_url.replace("http", "ws", 1) + f"/ws/events?after={after}"
        secure = {"ssl": self._pin.context} if self._pin is not None else {}
        with connect(ws_url, additional_headers={"Authorization": f"Bearer {self.token}"}, **secure) as ws:
            while True:
                try:
                    message = json.loads(ws.recv(timeout=timeout))
                except TimeoutError:
                    return
                yield message
                if until is not None and message.get("seq", 0) >= until:
                    return


def _raise_for_status(response: httpx.Response) -> None:
    """A 4xx/5xx answer as an :class:`ApiError` carrying the server's bilingual message."""
    if response.status_code < 400:
        return
    if response.status_code == 503:  # the server is up but its database is not (or it is full): offline, retrying
        try:
            data = response.json()
            detail, code = str(data.get("message", {}).get("en", "")) or "503", str(data.get("error", "offline"))
            zh = str(data.get("message", {}).get("zh", ""))
        except (ValueError, AttributeError):
            detail, code, zh = "503", "offline", ""
        if code in STORAGE_FAULT_CODES and zh:  # a full or read-only disk: the screens say so, not just "offline"
            raise Offline(detail, zh, detail, status=503, code=code)
        raise Offline(f"503: {detail}", status=503, code=code)
    try:
        data = response.json()
        message = data.get("message", {})
        raise ApiError(response.status_code, data.get("error", "error"), message.get("zh", ""), message.get("en", ""))
    except (ValueError, AttributeError):
        raise ApiError(response.status_code, "error", "服务器错误", response.text[:200]) from None
