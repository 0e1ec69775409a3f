"""Regenerate the pad's 差评 screenshots in docs/ (a developer tool, not part of the pad).

Starts a hall server in-process on a fixed Tuesday morning, serves one ticket at window 1 and
drives the pad as a citizen would: 不满意, two reasons, a comment typed with phrases and pinyin,
then an 11-digit number with the consent box ticked::

    QT_QPA_PLATFORM=offscreen python -m pad.screenshots [docs]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from hall.tickets import RatingLevel
from pad.app import create_window
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until
from ui.theme import apply_theme

START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 Asia/Shanghai


def main(argv: list[str] | None = None) -> int:
    out = Path((argv if argv is not None else sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(START)
        hall = prepare_hall(f"sqlite:///{tmp}/hall.db", clock=clock, synchronous="NORMAL")
        server = ServerThread(hall.store, poll_seconds=0.2).start()
        try:
            enroll = hall.store.enroll_device
            pad = create_window(server.url, enroll(None, hall.hall_id, "pad", "pad1", 1)["token"], 1)
            pad.resize(1024, 640)
            pad.show()
            wait_until(app, lambda: bool(pad.events.connected and pad.flow.window_info))
            HallClient(server.url, enroll(None, hall.hall_id, "kiosk", "kiosk")["token"]).issue("A", items=["A01"])
            counter = HallClient(server.url, enroll(None, hall.hall_id, "counter", "c1", 1)["token"])
            clerk = HallClient(server.url, counter.login("1001", "1001")["token"])
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
        finally:
            server.stop()
            hall.engines.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
