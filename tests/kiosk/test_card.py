"""The kiosk's ID card and scanner logic without Qt: scanner bursts by timing, the booking code in
a QR, the flow from a card read to a check-in or a walk-in under 一人一号, and the card on requests."""

from __future__ import annotations

import pytest

from hall.identity import id_hash, mask_id
from hardware.idcard.fakes import sample_card
from kiosk.card import CardHolder, ScanDetector, booking_code_from_scan, holder_from_card
from kiosk.flow import KioskFlow, Step
from kiosk.texts import Text

CODE = "ABCDE23456"
SNAPSHOT = {
    "hall": {"period": "open", "accepts_walk_ins": True, "appointments_only": False},
    "categories": [{"series": "A", "name": "A", "items": []}, {"series": "C", "name": "C", "items": []}],
}


def flow() -> KioskFlow:
    keys = iter(f"key{i}" for i in range(100))
    made = KioskFlow(new_key=lambda: next(keys))
    made.apply_snapshot(SNAPSHOT)
    return made


HOLDER = CardHolder("a" * 64, "3701**********1234")


def test_a_fast_burst_ending_in_enter_is_a_scan_and_slow_typing_is_not() -> None:
    scanner = ScanDetector(max_gap_s=0.05, min_length=6)
    for i, ch in enumerate(CODE):
        scanner.key(ch, 10.0 + i * 0.008)
    assert scanner.enter(10.0 + 10 * 0.008) == CODE
    for i, ch in enumerate(CODE):                    # a person: 0.2 s a key
        scanner.key(ch, 20.0 + i * 0.2)
    assert scanner.enter(20.0 + 10 * 0.2) is None
    for i, ch in enumerate("123"):                  # too short to be a code
        scanner.key(ch, 30.0 + i * 0.005)
    assert scanner.enter(30.02) is None
    scanner.key("X", 40.0)                           # a stray key, then a burst: the burst alone counts
    for i, ch in enumerate(CODE):
        scanner.key(ch, 41.0 + i * 0.01)
    assert scanner.enter(41.0 + 10 * 0.01) == CODE
    for i, ch in enumerate(CODE):                    # a pause before Enter: a person pressed it
        scanner.key(ch, 50.0 + i * 0.01)
    assert scanner.enter(52.0) is None


@pytest.mark.parametrize(
    ("scanned", "code"),
    [(CODE, CODE), ("abcde23456", CODE), ("ABCDE 23456", CODE), ("ABCDE-23456\n", CODE),
     (f"https://hall.example/b/{CODE}", CODE), (f"https://hall.example/b?code={CODE}&x=1", CODE),
     ("ABCDE2345", None), ("ABCDE23450", None), ("370102198001011237", None), ("<script>", None), ("", None)],
)
def test_the_booking_code_in_a_qr(scanned: str, code: str | None) -> None:
    assert booking_code_from_scan(scanned) == code


def test_a_card_is_hashed_and_masked_with_the_halls_key() -> None:
    card = sample_card(123)
    holder = holder_from_card("k" * 64, card)
    assert holder == CardHolder(id_hash("k" * 64, card.id_number), mask_id(card.id_number))
    assert card.id_number not in repr(holder) and card.id_number not in repr(card)


def test_a_card_checks_in_and_the_request_carries_only_hash_and_mask() -> None:
    kiosk = flow()
    kiosk.choose_category("C")                       # a card read mid-way starts the citizen's turn
    request = kiosk.card_read(HOLDER)
    assert request is not None and kiosk.step is Step.CHECK_IN and kiosk.in_flight
    assert request.call() == ("check_in_by_card", (HOLDER.id_hash, HOLDER.id_masked), {"key": "key1"})
    assert kiosk.card_read(HOLDER) is None            # one request at a time
    kiosk.issue_succeeded({"number": "C001", "booking": {"code": CODE, "slot": "10:00-10:30"}})
    assert kiosk.step is Step.PRINTING and kiosk.message is None and kiosk.holder is None


def test_a_late_booking_says_it_became_a_walk_in() -> None:
    kiosk = flow()
    kiosk.card_read(HOLDER)
    kiosk.issue_succeeded({"number": "C002", "booking": {"code": CODE, "slot": "09:00-09:30", "late": True}})
    assert kiosk.message is not None and "普通号" in kiosk.message.zh and "walk-in" in kiosk.message.en


def test_no_booking_today_takes_a_walk_in_number_with_the_card() -> None:
    kiosk = flow()
    kiosk.card_read(HOLDER)
    kiosk.issue_refused(Text("您今天没有预约", "no booking"), "no_booking_today")
    assert kiosk.step is Step.HOME and not kiosk.in_flight and kiosk.holder == HOLDER
    assert kiosk.message is not None and HOLDER.id_masked in kiosk.message.zh and "一人一号" in kiosk.message.zh
    kiosk.choose_category("A")
    request = kiosk.confirm()
    assert request is not None
    method, args, kwargs = request.call()
    assert (method, args) == ("issue", ("A",)) and kwargs["id_hash"] == HOLDER.id_hash and kwargs["id_masked"] == HOLDER.id_masked
    refusal = Text("一人一号：您已有等候中的 A001 号", "one number per person: you already hold number A001")
    kiosk.issue_refused(refusal, "one_ticket_per_person")
    assert kiosk.step is Step.CONFIRM and kiosk.message == refusal


def test_too_early_goes_home_with_the_servers_words() -> None:
    kiosk = flow()
    kiosk.card_read(HOLDER)
    early = Text("您预约的时段为 12:00，请于 11:00 后签到", "your booking is at 12:00; check in from 11:00")
    kiosk.issue_refused(early, "too_early")
    assert kiosk.step is Step.HOME and kiosk.message == early and kiosk.holder == HOLDER


def test_the_card_is_forgotten_when_the_citizen_walks_away() -> None:
    now = [0.0]
    kiosk = KioskFlow(now=lambda: now[0])
    kiosk.apply_snapshot(SNAPSHOT)
    kiosk.card_read(HOLDER)
    kiosk.issue_refused(Text("", ""), "no_booking_today")
    now[0] += kiosk.IDLE_SECONDS + 1
    assert kiosk.tick() and kiosk.holder is None


def test_a_scan_checks_in_from_any_page() -> None:
    kiosk = flow()
    kiosk.choose_category("C")
    assert kiosk.step is Step.CONFIRM
    request = kiosk.scanned(f"https://hall.example/b/{CODE.lower()}")
    assert request is not None and request.kind == "check_in" and request.code == CODE and kiosk.step is Step.CHECK_IN
    assert request.call() == ("check_in", (CODE,), {"key": request.key})
    other = flow()
    assert other.scanned("not a booking") is None and other.step is Step.HOME and other.message is not None
    offline = flow()
    offline.went_offline()
    assert offline.scanned(CODE) is None
