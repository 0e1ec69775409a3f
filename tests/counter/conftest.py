from tests.counter.live import live, live_template  # noqa: F401 - fixtures
