"""Which test modules `make test` runs alone, and which it starts first.

`make test` runs the suite on pytest-xdist workers, then the serial modules by themselves (the
Makefile reads this list, so that pass collects only them): they time what they check or load the
whole machine, and a neighbour's load would fail them for the wrong reason. No imports here: the
Makefile reads it with the virtualenv's Python before anything else is set up.
"""

SERIAL_MODULES = {
    "tests/kiosk/test_shared_speaker.py": "plays each WAV for its real length and checks no two overlap",
    "tests/kiosk/test_card_window.py": "a scanner is told from a person by the time between keys",
    "tests/server/test_limits.py": "rate limits and timeouts measured in wall time",
    "tests/server/test_attack.py": "floods the real server and times the kiosk meanwhile",
    "tests/acceptance/test_hall_day.py": "every program of a hall at once",
    "tests/acceptance/test_city.py": "three hall servers, a city and PostgreSQL under load",
    # It copes with load (its clock waits for the hall), but took 238 s beside the others instead of
    # 100 s alone, and its nine processes slowed every worker meanwhile.
    "tests/workbench/soak/test_quick_soak.py": "nine processes on an accelerated clock",
}

# Over 20 s each on a loaded worker (`--durations` of the parallel pass): started first, longest first.
LONG_MODULES = (
    "tests/server/test_booking_two_processes.py",
    "tests/workbench/bench/test_reports.py",
    "tests/server/test_concurrency.py",
    "tests/server/test_tls.py",
    "tests/server/test_workers.py",
    "tests/server/test_multiprocess.py",
    "tests/server/test_crash.py",
    "tests/manager/test_staffing_tab.py",
    "tests/server/test_bad_input.py",
    "tests/db/test_booking.py",
)
