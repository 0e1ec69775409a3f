"""Request bodies. pydantic refuses wrong types, unknown fields and oversized strings before
any operation runs, so bad input changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from hall.tickets import MAX_PROMISED_WORKING_DAYS

Short = Annotated[str, Field(max_length=100)]
Name = Annotated[str, Field(min_length=1, max_length=100)]  # a name shown on screens: never empty (spaces are stripped first)
Code = Annotated[str, Field(min_length=1, max_length=32)]
Series = Annotated[str, Field(min_length=1, max_length=2, pattern=r"^[A-Z]{1,2}$")]
# An ID card read at a kiosk: the hall's keyed hash (64 hex) and the masked number, never the number (hall.identity).
IdHash = Annotated[str, Field(max_length=64, pattern=r"^([0-9a-f]{64})?$")]
IdMasked = Annotated[str, Field(max_length=18, pattern=r"^([0-9]{4}\*{10}[0-9]{3}[0-9X])?$")]
NumberText = Annotated[str, Field(min_length=2, max_length=10)]  # a ticket number as printed, e.g. A023
Note = Annotated[str, Field(max_length=200)]


def _refuse_control_characters(value: Any) -> Any:
    """NUL and other control characters never belong in hall data (PostgreSQL refuses NUL)."""
    if isinstance(value, str):
        if any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in value):
            raise ValueError("contains control characters / 含有控制字符")
    elif isinstance(value, list):
        for item in value:
            _refuse_control_characters(item)
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def no_control_characters(cls, value: Any) -> Any:
        return _refuse_control_characters(value)


class IssueRequest(Strict):
    series: Series
    items: list[Code] = Field(default_factory=list, max_length=20)
    priority_reason: Annotated[str, Field(max_length=20)] | None = None
    source: Annotated[str, Field(max_length=16)] = "kiosk"
    id_hash: IdHash = ""  # 一人一号: the card read at the kiosk (db.identity)
    id_masked: IdMasked = ""


class GuideIssueRequest(Strict):
    """A number the guide desk takes for a citizen: priority reason and 代办/帮办 as marked."""

    series: Series
    items: list[Code] = Field(default_factory=list, max_length=20)
    priority_reason: Annotated[str, Field(max_length=20)] | None = None
    assist: Annotated[str, Field(max_length=8)] = ""


class GuideAppointmentRequest(Strict):
    """A booking the guide desk makes for a citizen at the desk (channel "guide_desk")."""

    series: Series
    slot_at: AwareDatetime
    name: Annotated[str, Field(max_length=60)] = ""
    phone: Annotated[str, Field(max_length=20)] = ""
    item_code: Annotated[str, Field(max_length=32)] = ""


class CheckInRequest(Strict):
    code: Annotated[str, Field(min_length=4, max_length=16, pattern=r"^[0-9A-Za-z]+$")]
    id_hash: IdHash = ""  # 刷身份证 at check-in: the card is kept on the booking and the ticket
    id_masked: IdMasked = ""


class CardCheckInRequest(Strict):
    """Check-in by ID card (db.card_checkin)."""

    id_hash: IdHash
    id_masked: IdMasked


class AppointmentRequest(Strict):
    series: Series
    slot_at: AwareDatetime  # with its zone: a naive time is ambiguous across halls
    name: Annotated[str, Field(max_length=60)] = ""  # the column holds 60
    phone: Annotated[str, Field(max_length=20)] = ""
    item_code: Annotated[str, Field(max_length=32)] = ""
    channel: Annotated[str, Field(max_length=16)] = "online"

    @field_validator("slot_at", mode="before")
    @classmethod
    def date_and_time_text(cls, value: Any) -> Any:
        """A slot is a date and time with its zone as text; a bare number (0, -1, 1.5) is not one."""
        if isinstance(value, (int, float)):
            raise ValueError("slot_at must be a date and time with its zone, e.g. 2026-11-17T10:00:00+08:00 / 预约时间须为带时区的日期时间")
        return value


class CallNumberRequest(Strict):
    number: Annotated[str, Field(min_length=2, max_length=10)]


class FinishRequest(Strict):
    outcome: Annotated[str, Field(max_length=12)]
    item_code: Annotated[str, Field(max_length=32)] | None = None
    note: Note = ""
    promised_days: Annotated[int, Field(ge=1, le=MAX_PROMISED_WORKING_DAYS)] | None = None  # 承诺件: working days the clerk set
    # 承诺件: the materials the clerk ticked as received, printed on the 告知单
    materials_received: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)] | None = None


class TransferRequest(Strict):
    to_series: Series | None = None
    to_window: Annotated[int, Field(ge=1, le=9999)] | None = None
    note: Note = ""


class NoteRequest(Strict):
    note: Note = ""


class CallBackRequest(Strict):
    ticket_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class PauseRequest(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=100)]


class ReasonRequest(Strict):
    reason: Annotated[str, Field(max_length=300)] = ""


class CategoriesRequest(Strict):
    primary: list[Series] = Field(default_factory=list, max_length=30)
    secondary: list[Series] = Field(default_factory=list, max_length=30)
    reason: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def serves_something(self) -> CategoriesRequest:
        if not self.primary and not self.secondary:
            raise ValueError("a window must serve at least one category / 窗口至少要办理一个类别")
        return self


class LoginRequest(Strict):
    staff_no: Annotated[str, Field(min_length=1, max_length=32)]
    pin: Annotated[str, Field(min_length=4, max_length=12)]
    handover: bool = False


class RatingRequest(Strict):
    service_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    level: Annotated[str, Field(max_length=24)] | None
    reasons: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=10)
    comment: Annotated[str, Field(max_length=500)] = ""
    channel: Annotated[str, Field(max_length=16)] = "pad"
    contact_phone: Annotated[str, Field(max_length=11, pattern=r"^(1[0-9]{10})?$")] = ""  # mobile, with consent


class FollowUpCallRequest(Strict):
    reached: bool
    result: Annotated[str, Field(max_length=500)] = ""
    rectification: Annotated[str, Field(max_length=500)] = ""
    satisfaction: Annotated[str, Field(max_length=24)] = ""


class FollowUpRequest(Strict):
    status: Annotated[str, Field(max_length=12)]
    notes: Annotated[str, Field(max_length=2000)] = ""
    citizen_view: Annotated[str, Field(max_length=200)] = ""


class EnrollRequest(Strict):
    role: Annotated[str, Field(max_length=16)]
    name: Name
    window: Annotated[int, Field(ge=1, le=9999)] | None = None


class HallSettingsRequest(Strict):
    name_zh: Name | None = None
    name_en: Short | None = None
    complaint_phone: Annotated[str, Field(max_length=40)] | None = None
    public_url: Annotated[str, Field(max_length=300)] | None = None
    notices: list[Annotated[str, Field(max_length=300)]] | None = Field(default=None, max_length=50)
    hours: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    booking: dict[str, Any] | None = None  # [booking]: capacity share, days ahead, per-week limit, no-show rule
    privacy: dict[str, Any] | None = None  # [privacy]: retention_days


class CategoryEdit(Strict):
    name_zh: Name | None = None
    name_en: Short | None = None
    department: Short | None = None
    expected_service_minutes: Annotated[float, Field(gt=0, le=480)] | None = None
    target_wait_minutes: Annotated[float, Field(gt=0, le=480)] | None = None
    active: bool | None = None


class ItemEdit(Strict):
    series: Series | None = None
    name_zh: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    name_en: Annotated[str, Field(max_length=200)] | None = None
    materials: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=50)
    promised_days: Annotated[int, Field(ge=0, le=365)] | None = None
    fee: Annotated[str, Field(max_length=60)] | None = None


class WindowEdit(Strict):
    name_zh: Name | None = None
    name_en: Short | None = None
    department: Short | None = None
    phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9+\- ()转]*$")] | None = None


class ClerkEdit(Strict):
    name: Annotated[str, Field(min_length=1, max_length=60)] | None = None  # the column holds 60
    department: Short | None = None
    photo: Annotated[str, Field(max_length=300)] | None = None
    skills: list[Series] | None = None
    pin: Annotated[str, Field(min_length=4, max_length=12)] | None = None
    active: bool | None = None


class RosterEdit(Strict):
    """The manager's roster change for one clerk today (hall.roster): absent or back, a lunch turn."""

    absent: bool | None = None
    lunch: Annotated[str, Field(max_length=11)] | None = None  # "11:30-12:30"; "" = the hall's lunch hours
    reason: Annotated[str, Field(max_length=300)] = ""


def changes(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_none=True)


class DeviceState(Strict):
    state: Annotated[str, Field(min_length=1, max_length=20)]
    detail: Annotated[str, Field(max_length=200)] = ""


class HeartbeatRequest(Strict):
    """hall.devices: the state of each device a program drives (names and states checked there)."""

    devices: Annotated[dict[Annotated[str, Field(max_length=20)], DeviceState], Field(max_length=8)] = {}


class AlertRequest(Strict):
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    zh: Annotated[str, Field(max_length=300)]
    en: Annotated[str, Field(max_length=300)] = ""


class NotifyPhoneRequest(Strict):
    """A mobile number given at the kiosk for a ticket's 即将到号 / 叫号 messages (server.notify)."""

    phone: Annotated[str, Field(max_length=40)]
