"""The demo works its on-screen counters and pads by itself (issue 14): a newcomer running
``make demo`` sees a clerk log in, call, serve and finish, and a citizen rate at the pad."""

from __future__ import annotations

from counter.flow import CounterState
from pad.flow import PadState
from tests.counter.live import LiveHall, live, live_template  # noqa: F401 - fixtures
from tests.counter.test_counter_live import make_counter, make_pad
from workbench.demo import CounterAutopilot


def test_the_autopilot_serves_and_the_citizen_rates(qtbot, live: LiveHall) -> None:  # noqa: F811
    for _ in range(3):
        live.issue("A")
    counter = make_counter(qtbot, live, window=1)
    pad = make_pad(qtbot, live, window=1)
    pilot = CounterAutopilot({1: counter}, {1: pad}, {1: "1001"})
    pilot.SERVE_SECONDS = (0.5, 1.0)
    pilot.RATE_AFTER_SECONDS = 1.0
    seen: set[str] = set()
    pad_seen: set[str] = set()
    pilot.start()
    qtbot.waitUntil(
        lambda: seen.add(counter.flow.state.value) or pad_seen.add(pad.flow.state.value) or (
            {CounterState.CALLED.value, CounterState.SERVING.value} <= seen and PadState.THANKS.value in pad_seen
        ),
        timeout=30_000,
    )
    assert (counter.flow.clerk or {}).get("staff_no") == "1001"
