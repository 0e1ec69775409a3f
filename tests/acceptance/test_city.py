"""Three halls and a city (issue 20): under load, one hall's link to the city is cut and
restored, the city is killed with SIGKILL mid-ingest and restarted. Afterwards the city holds
every ticket of every hall exactly once, in the state the hall has it, and the halls never
stopped serving. A hall writing another hall's data is refused; a revoked hall is refused.

Halls: ``hallq server`` processes on SQLite with a [city] table; the city: ``hallq city serve``
on a throwaway PostgreSQL; hall 1 reaches the city through a relay that can be cut.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from city.models import CityEvent, CityTicket
from db.models import Event, Ticket
from hall.config import load_config
from server.client import ApiError, HallClient
from server.runner import prepare_hall
from tests.support.city import CityPki, CityProcess, client, event
from tests.support.halls import REPO, ServerProcess, write_always_open_sample
from tests.support.pg import PgCluster, free_port
from tests.support.relay import Relay

HALLS = ("hall-1", "hall-2", "hall-3")


@dataclass
class Load:
    """Kiosk and counter traffic on one hall; every failed request is kept."""

    url: str
    kiosk: str
    counters: dict[int, str]
    stop: threading.Event = field(default_factory=threading.Event)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issued: int = 0

    def timed(self, call: Callable[[], object]) -> object:
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.latencies.append(time.perf_counter() - started)

    def run_kiosk(self) -> None:
        kiosk = HallClient(self.url, self.kiosk, timeout=10)
        while not self.stop.is_set():
            try:
                self.timed(lambda: kiosk.issue("ABCDE"[self.issued % 5]))
                self.issued += 1
            except ApiError as error:
                self.errors.append(f"issue: {error}")
            time.sleep(0.03)
        kiosk.close()

    def run_counter(self, window: int) -> None:
        counter = HallClient(self.url, self.counters[window], timeout=10)
        clerk = counter.with_token(counter.login(str(1000 + window), str(1000 + window))["token"])
        while not self.stop.is_set():
            try:
                called = self.timed(lambda: clerk.call_next(window))
                if isinstance(called, dict) and called.get("ticket"):
                    self.timed(lambda: clerk.start(window))
                    self.timed(lambda: clerk.finish(window, "immediate"))
                else:
                    time.sleep(0.05)
            except ApiError as error:
                self.errors.append(f"window {window}: {error}")
        clerk.close()
        counter.close()

    def threads(self) -> list[threading.Thread]:
        return [threading.Thread(target=self.run_kiosk, daemon=True)] + [
            threading.Thread(target=self.run_counter, args=(window,), daemon=True) for window in self.counters
        ]


def hall_config(tmp: Path, code: str, city_url: str, files: object, batch: int) -> Path:
    path = write_always_open_sample(tmp / f"{code}.toml")
    source = re.sub(r'(?m)^code = "sample-county"$', f'code = "{code}"', path.read_text(encoding="utf-8"), count=1)
    source += (
        f'\n[city]\nurl = "{city_url}"\ncert = "{files.cert}"\nkey = "{files.key}"\nca = "{files.ca}"\n'  # type: ignore[attr-defined]
        f"batch_events = {batch}\nheartbeat_seconds = 1\nbackoff_max_seconds = 1\n"
    )
    path.write_text(source, encoding="utf-8")
    return path


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_three_halls_and_a_city_through_a_cut_link_and_a_city_crash(pg_cluster: PgCluster, tmp_path: Path) -> None:
    city_db = pg_cluster.create_database("city_acceptance")
    pki = CityPki(tmp_path / "pki")
    certificates = {code: pki.hall(code) for code in HALLS}
    console = pki.console()
    city = CityProcess(city_db, pki.ca_directory, free_port(), tmp_path / "city-1.log").start(console)
    relay = Relay(city.port)  # hall 1's line to the city
    servers: dict[str, ServerProcess] = {}
    loads: dict[str, Load] = {}
    engines = {}
    try:
        for code in HALLS:
            city_url = f"https://127.0.0.1:{relay.port}" if code == "hall-1" else city.url
            # Hall 1 drains its backlog in small batches, so the city's crash lands in the middle of it.
            config_path = hall_config(tmp_path, code, city_url, certificates[code], 10 if code == "hall-1" else 200)
            url = f"sqlite:///{tmp_path / code}.db"
            hall = prepare_hall(url, load_config(config_path))
            tokens = {
                role: hall.store.enroll_device(None, hall.hall_id, role, f"{role} {window}", window)["token"]
                for role, window in (("kiosk", None), ("counter", 1), ("counter", 2))
            }
            counters = {
                1: hall.store.enroll_device(None, hall.hall_id, "counter", "counter 1", 1)["token"],
                2: hall.store.enroll_device(None, hall.hall_id, "counter", "counter 2", 2)["token"],
            }
            engines[code] = (hall.engines, hall.hall_id)
            servers[code] = ServerProcess(url, config_path, log_path=tmp_path / f"{code}.log").launch()
            loads[code] = Load("", str(tokens["kiosk"]), {w: str(t) for w, t in counters.items()})
        for code, server in servers.items():
            server.wait_ready()
            loads[code].url = server.url
        threads = [thread for load in loads.values() for thread in load.threads()]
        for thread in threads:
            thread.start()

        time.sleep(3)
        relay.cut()  # hall 1 loses the city
        issued_before_cut = loads["hall-1"].issued
        acked_at_cut = city_acked(city_db, "hall-1")
        time.sleep(5)
        issued_during_cut = loads["hall-1"].issued - issued_before_cut
        assert issued_during_cut > 0, "hall 1 stopped serving while its link was cut"
        backlog = hall_head(*engines["hall-1"]) - city_acked(city_db, "hall-1")
        # At least one event per ticket issued meanwhile (how many depends on this machine's load).
        assert backlog >= issued_during_cut, f"hall 1's events should wait for the link: {backlog} waiting, {issued_during_cut} issued"
        relay.restore()
        wait_for(lambda: city_acked(city_db, "hall-1") > acked_at_cut, 10, "hall 1 to start draining")
        city.kill()  # SIGKILL mid-ingest: hall 1 is draining its backlog, halls 2 and 3 shipping live
        left_at_kill = hall_head(*engines["hall-1"]) - city_acked(city_db, "hall-1")
        assert left_at_kill > 0, "the city should be killed while hall 1 still drains"
        print(f"\nhall 1: {backlog} events held back by the cut link; {left_at_kill} still to send when the city was killed")
        time.sleep(2)
        city = CityProcess(city_db, pki.ca_directory, city.port, tmp_path / "city-2.log").start(console)
        time.sleep(3)
        for load in loads.values():
            load.stop.set()
        for thread in threads:
            thread.join(timeout=20)

        for code in HALLS:
            wait_for(lambda code=code: city_acked(city_db, code) == hall_head(*engines[code]), 30, f"{code} to catch up")
        figures = []
        for code in HALLS:
            hall_engines, hall_id = engines[code]
            assert city_tickets(city_db, code) == hall_tickets(hall_engines, hall_id), f"{code}: the city's tickets differ"
            assert city_events(city_db, code) == hall_head(hall_engines, hall_id)  # each event exactly once
            load = loads[code]
            assert load.errors == [], f"{code} failed requests: {load.errors[:5]}"
            figures.append(
                f"{code}: {load.issued} tickets, {len(load.latencies)} requests, "
                f"p50 {statistics.median(load.latencies) * 1000:.1f} ms, max {max(load.latencies) * 1000:.0f} ms"
            )
        print("\n" + "\n".join(figures))

        # Trust: another hall's data, and a revoked hall.
        with client(city.url, certificates["hall-1"], pki.ca_directory / "ca.pem") as http:
            foreign = http.post("/city/api/ingest", json={"hall": "hall-2", "head_seq": 1, "events": [event(10**6)]})
        assert foreign.status_code == 403 and foreign.json()["error"] == "not_your_hall"
        revoke = subprocess.run(
            [sys.executable, "-m", "hallq", "city", "revoke", "hall-3", "--database", city_db, "--reason", "演练"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert revoke.returncode == 0, revoke.stderr
        with client(city.url, certificates["hall-3"], pki.ca_directory / "ca.pem") as http:
            refused = http.post("/city/api/ingest", json={"hall": "hall-3", "head_seq": 1, "events": []})
        assert refused.status_code == 403 and refused.json()["error"] == "hall_revoked"
        hall_3 = HallClient(servers["hall-3"].url, loads["hall-3"].kiosk)
        assert hall_3.issue("A")["number"]  # a revoked hall still serves its citizens
        hall_3.close()
        with client(city.url, console, pki.ca_directory / "ca.pem") as http:
            links = {row["hall"]: row["link"] for row in http.get("/city/api/halls").json()["halls"]}
        assert links == {"hall-1": "up", "hall-2": "up", "hall-3": "revoked"}
    finally:
        for load in loads.values():
            load.stop.set()
        for server in servers.values():
            server.stop()
        relay.close()
        city.stop()
        for hall_engines, _ in engines.values():
            hall_engines.dispose()


def _city_scalar(url: str, query: object) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).scalar()  # type: ignore[call-overload]
    finally:
        engine.dispose()


def city_acked(url: str, code: str) -> int:
    value = _city_scalar(url, text("SELECT acked_seq FROM city_halls WHERE code = :code").bindparams(code=code))
    return int(value or 0)  # type: ignore[call-overload]


def city_events(url: str, code: str) -> int:
    return int(_city_scalar(url, select(func.count()).select_from(CityEvent).where(CityEvent.hall == code)))  # type: ignore[call-overload]


def city_tickets(url: str, code: str) -> dict[int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(CityTicket.ticket_id, CityTicket.status).where(CityTicket.hall == code)).all())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def hall_tickets(engines: object, hall_id: int) -> dict[int, str]:
    with engines.read.connect() as connection:  # type: ignore[attr-defined]
        return dict(connection.execute(select(Ticket.id, Ticket.status).where(Ticket.hall_id == hall_id)).all())  # type: ignore[arg-type]


def hall_head(engines: object, hall_id: int) -> int:
    with engines.read.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.coalesce(func.max(Event.seq), 0)).where(Event.hall_id == hall_id)).scalar_one())


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
