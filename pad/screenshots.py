"""Regenerate the pad's 差评 screenshots in docs/ (a developer tool, not part of the pad).

Starts a hall server in-process on a fixed Tuesday morning, serves one ticket at window 1 and
drives the pad as a citizen would: 不满意, two reasons, a comment typed with phrases and pinyin,
then an 11-digit number with the consent box ticked::

    QT_QPA_PLATFORM=offscreen python -m pad.screenshots [docs]
"""

from __future__ import annotations

from datetime import UTC, datetime

from hall.tickets import RatingLevel
from pad.app import create_window
from ui.screenshots import screenshot_hall, wait_until

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 Asia/Shanghai


def main(argv: list[str] | None = None) -> int:
    with screenshot_hall(argv, START) as shot:
        app, out, clock = shot.app, shot.out, shot.clock
        pad = create_window(shot.server.url, shot.enroll("pad", "pad1", 1).token or "", 1)
        pad.resize(1024, 640)
        pad.show()
        wait_until(app, lambda: bool(pad.events.connected and pad.flow.window_info))
        shot.enroll("kiosk", "kiosk").issue("A", items=["A01"])
        counter = shot.enroll("counter", "c1", 1)
        clerk = counter.with_token(counter.login("1001", "1001")["token"])
        clerk.call_next(1)
        clerk.start(1)
        clock.advance(300)
        clerk.finish(1, "immediate", "A01")
        wait_until(app, lambda: pad.flow.state.value == "rating")
        pad.choose(RatingLevel.DISSATISFIED)
        pad.toggle_reason("wait")
        pad.toggle_reason("attitude")
        pad.open_comment()
        keyboard = pad.comment_page
        keyboard.phrase_buttons["等候时间太长"].click()
        for letter in "ban":
            keyboard.letter_buttons[letter].click()
        wait_until(app, lambda: True)
        pad.grab().save(str(out / "pad-bad-rating-keyboard.png"))
        keyboard.candidate_buttons[0].click()
        keyboard.ok_button.click()
        pad.open_contact()
        for digit in "13812345678":
            pad.contact_page.digit_buttons[digit].click()
        pad.contact_page.consent.click()
        wait_until(app, lambda: pad.contact_page.ok_button.isEnabled())
        pad.grab().save(str(out / "pad-bad-rating-consent.png"))
        pad.contact_page.ok_button.click()
        wait_until(app, lambda: pad.flow.state.value == "reasons")
        pad.grab().save(str(out / "pad-bad-rating-reasons.png"))
        pad.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
