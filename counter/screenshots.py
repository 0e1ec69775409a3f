"""Regenerate the counter screenshots in docs/ (a developer tool, not part of the counter).

Starts a hall server in-process on a fixed Tuesday morning, puts citizens in the queues and
clerks at some windows (one paused, one closed), drives counters at window 1 through their
states and prompts and saves ``widget.grab()`` of each; the 承诺件告知单 is printed on the
preview printer and its PNG copied::

    QT_QPA_PLATFORM=offscreen python -m counter.screenshots [docs]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from hall.clock import FakeClock
from server.client import HallClient
from server.runner import ServerThread, prepare_hall
from ui.screenshots import wait_until


def main(argv: list[str] | None = None) -> int:
    from counter.app import create_window
    from counter.flow import CounterAction, CounterState
    from hall.tickets import Outcome

    out = Path((argv or sys.argv[1:] or ["docs"])[0])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    work = Path(tempfile.mkdtemp(prefix="hallq-counter-shots-"))
    clock = FakeClock(datetime(2026, 11, 17, 2, 0, tzinfo=UTC))
    hall = prepare_hall(f"sqlite:///{work / 'hall.db'}", clock=clock)
    server = ServerThread(hall.store).start()

    def token(role: str, window: int | None = None) -> str:
        return hall.store.enroll_device(None, hall.hall_id, role, f"{role}{window or ''}", window)["token"]

    kiosk = HallClient(server.url, token("kiosk"))
    kiosk.issue("A", items=["A02"], priority_reason="elderly")
    clock.advance(16 * 60)
    for series, count in (("A", 3), ("B", 5), ("C", 2)):
        for _ in range(count):
            kiosk.issue(series)
            clock.advance(30)
    missed = kiosk.issue("A")
    for window, staff in ((2, "1002"), (3, "1003"), (4, "1004")):
        counter = HallClient(server.url, token("counter", window))
        clerk = counter.with_token(counter.login(staff, staff)["token"])
        if window == 4:
            clerk.pause(4, "AB岗临时离开")
    HallClient(server.url, token("manager")).close_window(6, "设备检修")
    counter_token = token("counter", 1)

    def step(condition: Callable[[], bool]) -> None:
        wait_until(app, condition)

    def open_counter(language: str = "zh", compact: bool = True, printer: str = "dummy://") -> Any:
        window = create_window(server.url, counter_token, printer, compact=compact, clock=clock, language=language)
        window.show()
        step(lambda: window.window_number == 1 and bool(window.snapshot))
        return window

    def logged_in(window: Any) -> None:
        seen = window.snapshots_applied
        window.login("1001", "1001", handover=True)
        step(lambda: window.flow.state is not CounterState.LOGGED_OUT and window.snapshots_applied > seen)

    def save(window: Any, name: str) -> None:
        for _ in range(20):
            app.processEvents()
        if window.compact:
            window._fit()
            for _ in range(5):
                app.processEvents()
        window.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    def close(window: Any) -> None:
        window.close()
        window.deleteLater()
        app.processEvents()

    try:
        # Login page.
        window = open_counter()
        save(window, "counter-login-zh")
        close(window)

        # Serving the priority ticket, compact and large, both languages; then the prompts.
        window = open_counter("zh", True)
        logged_in(window)
        window.do(CounterAction.CALL_NEXT)
        step(lambda: window.flow.state is CounterState.CALLED)
        window.do(CounterAction.START)
        step(lambda: window.flow.state is CounterState.SERVING)
        window.show_message("")
        save(window, "counter-compact-zh")
        close(window)
        window = open_counter("en", True)
        logged_in(window)
        step(lambda: window.flow.state is CounterState.SERVING)
        window.show_message("")
        save(window, "counter-compact-en")
        close(window)

        window = open_counter("zh", True)
        logged_in(window)
        step(lambda: window.flow.state is CounterState.SERVING)
        window.do(CounterAction.TRANSFER)
        step(lambda: "（1、2号）" in window.prompts.transfer.target.item(0).text())  # redrawn from a fresh snapshot
        window.prompts.transfer.select("window:5")
        save(window, "counter-transfer-zh")
        window.submit_transfer()
        step(lambda: window.prompt == "confirm")
        save(window, "counter-transfer-warning-zh")
        window.back_to_transfer()
        window.close_prompt()
        close(window)

        window = open_counter("zh", False)
        logged_in(window)
        step(lambda: window.flow.state is CounterState.SERVING)
        save(window, "counter-large-zh")
        close(window)
        window = open_counter("en", False)
        logged_in(window)
        step(lambda: window.flow.state is CounterState.SERVING)
        save(window, "counter-large-en")
        close(window)

        # The 承诺件 form and its notice on the preview printer.
        previews = work / "notices"
        window = open_counter("zh", False, f"preview://{previews}")
        logged_in(window)
        step(lambda: window.flow.state is CounterState.SERVING)
        clock.advance(6 * 60)
        window.do(CounterAction.FINISH)
        window.choose_outcome(list(Outcome).index(Outcome.PROMISED) + 1)
        form = window.prompts.promise
        form.applicant_edit.setText("张三丰")
        form.phone_edit.setText("13812345678")
        form.material_boxes[0].setChecked(True)
        form.material_boxes[2].setChecked(True)
        form.days_spin.setFocus()
        save(window, "counter-large-promise-zh")
        printed: list[Any] = []
        window.notice_printed.connect(printed.append)
        window.submit_promise()
        step(lambda: bool(printed) and window.flow.state is CounterState.IDLE)
        shutil.copyfile(window.printer.output.printed[-1], out / "promise-notice-preview.png")
        print(out / "promise-notice-preview.png")
        window.show_message(window.message[0])
        save(window, "counter-large-finished-zh")

        # 查号: a citizen back after missing the call.
        window.do(CounterAction.CALL_NUMBER)
        window.line_edit.setText(missed["number"])
        window.submit_line()
        step(lambda: window.flow.state is CounterState.CALLED)
        window.do(CounterAction.NO_SHOW)
        step(lambda: window.flow.state is CounterState.IDLE)
        close(window)
        window = open_counter("zh", True)
        logged_in(window)
        window.do(CounterAction.FIND_TICKET)
        window.line_edit.setText(missed["number"])
        window.submit_line()
        step(lambda: window.prompt == "choices")
        window.show_message("")
        save(window, "counter-find-zh")
        window.close_prompt()

        window.pause("AB岗临时离开")
        step(lambda: window.flow.state is CounterState.PAUSED)
        clock.advance(95)
        window._on_tick()
        window.show_message("")
        save(window, "counter-compact-paused-zh")
        close(window)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
