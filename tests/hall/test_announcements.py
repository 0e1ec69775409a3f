"""What the voice says and when: phrase tables and the announcement queue under simulated time."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from hall.announcements import (
    AnnouncementQueue,
    AnnouncementStyle,
    Call,
    DropReason,
    DurationEstimator,
    Enqueued,
    Lang,
    Phrase,
    Utterance,
    Zone,
    chinese_number,
    phrase_en,
    phrase_zh,
    phrases_for,
    ticket_en,
    ticket_zh,
)

# -- phrases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        (0, "零"), (1, "一"), (2, "二"), (5, "五"), (9, "九"),
        (10, "十"), (11, "十一"), (12, "十二"), (19, "十九"), (20, "二十"), (21, "二十一"), (99, "九十九"),
        (100, "一百"), (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (120, "一百二十"),
        (128, "一百二十八"), (200, "二百"), (305, "三百零五"), (999, "九百九十九"),
        (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"), (9999, "九千九百九十九"),
        (10001, "一零零零一"),
    ],
)
def test_window_numbers_are_read_as_numbers(number: int, spoken: str) -> None:
    assert chinese_number(number) == spoken


def test_negative_window_number_is_refused() -> None:
    with pytest.raises(ValueError):
        chinese_number(-1)


@pytest.mark.parametrize(
    ("ticket", "zh", "en"),
    [
        ("A023", "A零二三", "A, zero two three"),
        ("A001", "A零零一", "A, zero zero one"),          # leading zeros are read, digit by digit
        ("A100", "A一零零", "A, one zero zero"),
        ("B999", "B九九九", "B, nine nine nine"),
        ("A1000", "A一零零零", "A, one zero zero zero"),   # tickets are never capped: a fourth digit
        ("a023", "A零二三", "A, zero two three"),          # letters are spoken in capitals
        ("AB012", "A B零一二", "A, B, zero one two"),      # a run of letters would be read as a word
        (" C5 ", "C五", "C, five"),
        ("42", "四二", "four two"),
        ("VIP?", "VIP?", "VIP?"),                          # not a ticket: spoken as is
    ],
)
def test_ticket_digits_are_read_one_by_one_and_letters_stay_letters(ticket: str, zh: str, en: str) -> None:
    assert ticket_zh(ticket) == zh
    assert ticket_en(ticket) == en


@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (Call("A023", 5), "请A零二三号到五号窗口办理", "Number A, zero two three, please go to window 5."),
        (Call("B007", 12), "请B零零七号到十二号窗口办理", "Number B, zero zero seven, please go to window 12."),
        (Call("C120", 20), "请C一二零号到二十号窗口办理", "Number C, one two zero, please go to window 20."),
        (Call("D001", 101), "请D零零一号到一百零一号窗口办理", "Number D, zero zero one, please go to window 101."),
        (Call("A023", 5, recall=True), "再次呼叫，请A零二三号到五号窗口办理",
         "Calling again. Number A, zero two three, please go to window 5."),
        (Call("V003", 3, recall=True), "再次呼叫，请V零零三号到三号窗口办理",
         "Calling again. Number V, zero zero three, please go to window 3."),
    ],
)
def test_call_phrases(call: Call, zh: str, en: str) -> None:
    assert phrase_zh(call) == Phrase(zh, Lang.ZH)
    assert phrase_en(call) == Phrase(en, Lang.EN)


def test_english_repeat_only_when_the_hall_wants_it() -> None:
    call = Call("A023", 5)
    assert [p.lang for p in phrases_for(call)] == [Lang.ZH]
    assert [p.lang for p in phrases_for(call, AnnouncementStyle(english=True))] == [Lang.ZH, Lang.EN]


def test_custom_template() -> None:
    style = AnnouncementStyle(template_zh="{number}号，请到{window}号窗口", recall_zh="请注意，")
    assert phrase_zh(Call("A023", 12, recall=True), style).text == "请注意，A零二三号，请到十二号窗口"


@pytest.mark.parametrize("template", ["请{ticket}号到{window}号窗口", "请到{window}号窗口"])
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(ValueError):
        AnnouncementStyle(template_zh=template)


# -- zones ------------------------------------------------------------------------------------


def test_zone_parse_and_cover() -> None:
    zone = Zone.parse("1-3, 7; v")
    assert zone.windows == frozenset({1, 2, 3, 7}) and zone.series == frozenset({"V"})
    assert zone.covers(Call("A001", 2))
    assert zone.covers(Call("V001", 30))          # by series
    assert not zone.covers(Call("A001", 30))
    assert Zone.parse("").covers(Call("A001", 99))   # empty zone: the whole hall
    with pytest.raises(ValueError):
        Zone.parse("5-1")
    with pytest.raises(ValueError):
        Zone.parse("window5")


# -- the queue --------------------------------------------------------------------------------


def test_calls_are_spoken_in_order_repeated_without_overlap() -> None:
    queue = AnnouncementQueue(repetitions=2)
    assert queue.enqueue(Call("A001", 1), 0.0) is Enqueued.QUEUED
    assert queue.enqueue(Call("B001", 2), 0.1) is Enqueued.QUEUED
    first = queue.next_to_speak(0.2)
    assert first is not None and first.call.ticket == "A001" and first.repetition == 1 and first.chime
    assert queue.next_to_speak(1.0) is None             # still speaking: never overlap
    queue.finished(5.0)
    second = queue.next_to_speak(5.0)
    assert second is not None and second.call.ticket == "A001" and second.repetition == 2 and not second.chime
    queue.finished(9.0)
    third = queue.next_to_speak(9.0)
    assert third is not None and third.call.ticket == "B001" and third.repetition == 1
    queue.finished(13.0)
    fourth = queue.next_to_speak(13.0)
    assert fourth is not None and (fourth.call.ticket, fourth.repetition) == ("B001", 2)
    queue.finished(17.0)
    assert queue.next_to_speak(17.0) is None
    assert queue.take_dropped() == []


def test_a_call_arriving_mid_announcement_waits_for_all_repetitions() -> None:
    queue = AnnouncementQueue(repetitions=3)
    queue.enqueue(Call("A001", 1), 0.0)
    spoken = [queue.next_to_speak(0.0)]
    queue.enqueue(Call("B001", 2), 1.0)      # arrives while A001 is on the speaker
    for t in (5.0, 10.0, 15.0, 20.0, 25.0):
        queue.finished(t)
        spoken.append(queue.next_to_speak(t))
    assert [(u.call.ticket, u.repetition) for u in spoken if u] == [
        ("A001", 1), ("A001", 2), ("A001", 3), ("B001", 1), ("B001", 2), ("B001", 3)]


def test_a_new_call_for_a_waiting_ticket_is_merged_latest_wins() -> None:
    queue = AnnouncementQueue(repetitions=1)
    queue.enqueue(Call("X001", 9), 0.0)
    first = queue.next_to_speak(0.0)                  # X001 occupies the speaker
    assert first is not None
    queue.enqueue(Call("A001", 5), 1.0)
    queue.enqueue(Call("B001", 6), 2.0)
    assert queue.enqueue(Call("A001", 7), 3.0) is Enqueued.MERGED
    assert queue.waiting_calls() == [Call("A001", 7), Call("B001", 6)]   # keeps its place, new window
    dropped = queue.take_dropped()
    assert [(d.call, d.reason) for d in dropped] == [(Call("A001", 5), DropReason.SUPERSEDED)]
    assert dropped[0].message.zh and dropped[0].message.en


def test_recall_merged_into_an_unvoiced_call_is_said_as_a_first_call() -> None:
    queue = AnnouncementQueue(repetitions=1)
    queue.enqueue(Call("X001", 9), 0.0)
    queue.next_to_speak(0.0)
    queue.enqueue(Call("A001", 5), 1.0)
    queue.enqueue(Call("A001", 5, recall=True), 2.0)
    queue.finished(4.0)
    utterance = queue.next_to_speak(4.0)
    assert utterance is not None and not utterance.call.recall
    assert utterance.phrases[0].text.startswith("请A零零一号")


def test_a_recall_after_the_call_was_voiced_says_calling_again() -> None:
    queue = AnnouncementQueue(repetitions=1, style=AnnouncementStyle(english=True))
    queue.enqueue(Call("A001", 5), 0.0)
    queue.next_to_speak(0.0)
    queue.finished(4.0)
    assert queue.next_to_speak(4.0) is None
    assert queue.enqueue(Call("A001", 5, recall=True), 30.0) is Enqueued.QUEUED
    utterance = queue.next_to_speak(30.0)
    assert utterance is not None and utterance.chime
    assert [p.text for p in utterance.phrases] == [
        "再次呼叫，请A零零一号到五号窗口办理", "Calling again. Number A, zero zero one, please go to window 5."]


def test_a_new_call_for_the_ticket_on_the_speaker_replaces_its_remaining_repetitions() -> None:
    queue = AnnouncementQueue(repetitions=2)
    queue.enqueue(Call("A001", 5), 0.0)
    queue.enqueue(Call("B001", 6), 0.5)
    queue.next_to_speak(0.0)                                   # A001 -> 5, repetition 1
    assert queue.enqueue(Call("A001", 8), 1.0) is Enqueued.REPLACED_CURRENT   # moved to window 8
    queue.finished(4.0)
    nxt = queue.next_to_speak(4.0)
    assert nxt is not None and nxt.call == Call("A001", 8) and nxt.repetition == 1
    assert "八号窗口" in nxt.phrases[0].text


def test_out_of_zone_calls_are_not_spoken() -> None:
    queue = AnnouncementQueue(zone=Zone.of(windows=range(1, 11), series=["V"]))
    assert queue.enqueue(Call("A001", 12), 0.0) is Enqueued.OUT_OF_ZONE
    assert queue.enqueue(Call("A002", 3), 0.0) is Enqueued.QUEUED
    assert queue.enqueue(Call("V001", 40), 0.0) is Enqueued.QUEUED
    assert queue.waiting_calls() == [Call("A002", 3), Call("V001", 40)]


def test_withdrawn_call_is_reported_and_not_spoken() -> None:
    queue = AnnouncementQueue(repetitions=1)
    queue.enqueue(Call("A001", 1), 0.0)
    queue.enqueue(Call("A002", 2), 0.0)
    queue.next_to_speak(0.0)
    assert queue.withdraw("A002", 1.0)
    assert not queue.withdraw("A999", 1.0)
    queue.finished(3.0)
    assert queue.next_to_speak(3.0) is None
    assert [(d.call.ticket, d.reason) for d in queue.take_dropped()] == [("A002", DropReason.WITHDRAWN)]


def test_a_player_that_never_reports_the_end_does_not_block_the_queue_forever() -> None:
    queue = AnnouncementQueue(repetitions=1, playback_timeout_factor=2.0)
    queue.enqueue(Call("A001", 1), 0.0)
    queue.enqueue(Call("A002", 2), 0.0)
    first = queue.next_to_speak(0.0)
    assert first is not None
    assert queue.next_to_speak(first.estimated_seconds) is None
    later = queue.next_to_speak(first.estimated_seconds + 6.0)
    assert later is not None and later.call.ticket == "A002"


def test_learned_durations_replace_the_estimate() -> None:
    estimator = DurationEstimator()
    phrase = phrase_zh(Call("A023", 5))
    assert estimator.phrase_seconds(phrase) == pytest.approx(13 * estimator.seconds_per_char_zh)
    estimator.learn(phrase, 4.56)
    assert estimator.phrase_seconds(phrase) == 4.56
    assert estimator.utterance_seconds([phrase], chime=True) == pytest.approx(4.56 + estimator.chime_seconds)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        AnnouncementQueue(repetitions=0)
    with pytest.raises(ValueError):
        AnnouncementQueue(max_lag_seconds=0)


# -- a burst under simulated time ------------------------------------------------------------


@dataclass
class BurstResult:
    calls: list[Call]
    outcomes: dict[str, Enqueued]
    spoken: list[Utterance]
    ends: list[float]
    dropped: dict[str, DropReason]


def simulate_burst(queue: AnnouncementQueue, calls: list[Call], interval: float, seed: int = 7) -> BurstResult:
    """Calls arrive every ``interval`` seconds; a player plays each utterance for its estimated
    length ±25 % and reports the end; the display asks for the next one whenever it is idle and
    also on a 0.5 s timer. Event-driven, so 'now' only ever moves forward."""
    rng = random.Random(seed)
    arrivals = [(i * interval, call) for i, call in enumerate(calls)]
    outcomes: dict[str, Enqueued] = {}
    spoken: list[Utterance] = []
    ends: list[float] = []
    dropped: dict[str, DropReason] = {}
    now = 0.0
    playing_until: float | None = None
    next_tick = 0.0
    while arrivals or playing_until is not None or queue.backlog or queue.speaking:
        candidates = [next_tick]
        if arrivals:
            candidates.append(arrivals[0][0])
        if playing_until is not None:
            candidates.append(playing_until)
        now = max(now, min(candidates))
        while arrivals and arrivals[0][0] <= now:
            _, call = arrivals.pop(0)
            outcomes[call.ticket] = queue.enqueue(call, now)
        if playing_until is not None and playing_until <= now:
            queue.finished(now)
            ends.append(now)
            playing_until = None
        if now >= next_tick:
            next_tick = now + 0.5
        if playing_until is None:
            utterance = queue.next_to_speak(now)
            if utterance is not None:
                spoken.append(utterance)
                playing_until = now + utterance.estimated_seconds * rng.uniform(0.75, 1.25)
        for item in queue.take_dropped():
            assert item.call.ticket not in dropped, "a call is reported dropped once"
            dropped[item.call.ticket] = item.reason
        if now > 3600:
            raise AssertionError("the simulation did not settle")
    return BurstResult(calls, outcomes, spoken, ends, dropped)


def test_burst_of_100_calls_in_10_seconds_is_coalesced() -> None:
    max_lag = 30.0
    queue = AnnouncementQueue(repetitions=2, max_lag_seconds=max_lag, style=AnnouncementStyle(english=True))
    calls = [Call(f"{'ABCD'[i % 4]}{i + 1:03d}", window=i % 100 + 1) for i in range(100)]
    result = simulate_burst(queue, calls, interval=0.1)

    spoken_tickets = {u.call.ticket for u in result.spoken}
    # every call is either spoken or reported as dropped, never both
    assert spoken_tickets | set(result.dropped) == {c.ticket for c in calls}
    assert not spoken_tickets & set(result.dropped)
    assert set(result.dropped.values()) == {DropReason.STALE}
    assert result.spoken and result.dropped           # the burst is more than one speaker can say
    # order kept: first utterances follow arrival order
    firsts = [u.call.ticket for u in result.spoken if u.repetition == 1]
    order = [c.ticket for c in calls]
    assert firsts == sorted(firsts, key=order.index)
    # the voice is never more than max_lag behind a call
    assert max(u.lag for u in result.spoken) <= max_lag
    # no overlap: each utterance starts after the previous one ended
    for utterance, previous_end in zip(result.spoken[1:], result.ends, strict=False):
        assert utterance.started_at >= previous_end
    # repetitions are never interleaved with another call
    blocks = [u.call.ticket for u in result.spoken]
    seen: set[str] = set()
    for i, ticket in enumerate(blocks):
        if i and blocks[i - 1] != ticket:
            assert ticket not in seen, f"{ticket} was interleaved with another call"
        seen.add(ticket)
    # under the burst, repeats give way to waiting calls: some calls are said only once
    times_said = {t: blocks.count(t) for t in spoken_tickets}
    assert max(times_said.values()) <= 2 and 1 in times_said.values()


def test_light_traffic_is_all_spoken_twice() -> None:
    queue = AnnouncementQueue(repetitions=2, max_lag_seconds=30.0)
    calls = [Call(f"A{i + 1:03d}", window=i % 20 + 1) for i in range(20)]
    result = simulate_burst(queue, calls, interval=15.0)
    assert result.dropped == {}
    assert [(u.call.ticket, u.repetition) for u in result.spoken] == [
        (c.ticket, r) for c in calls for r in (1, 2)]


def test_burst_with_zone_speaks_only_its_windows() -> None:
    queue = AnnouncementQueue(repetitions=2, max_lag_seconds=20.0, zone=Zone.parse("1-10"))
    calls = [Call(f"A{i + 1:03d}", window=i % 100 + 1) for i in range(100)]
    result = simulate_burst(queue, calls, interval=0.1)
    in_zone = {c.ticket for c in calls if c.window <= 10}
    assert {t for t, o in result.outcomes.items() if o is not Enqueued.OUT_OF_ZONE} == in_zone
    assert {u.call.ticket for u in result.spoken} | set(result.dropped) == in_zone
    assert all(u.call.window <= 10 for u in result.spoken)
    assert max(u.lag for u in result.spoken) <= 20.0
