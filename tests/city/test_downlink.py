"""The catalogue and notices flow down from the city (issue 20, point 4): a real city server on
PostgreSQL and real hall servers on 127.0.0.1, each hall's city link fetching with its own
certificate. Published to chosen halls, applied atomically and audited there, acknowledged to
the city; a hall offline during a publication catches up; a broken version is refused and changes
nothing; a hall reads its own downlink only."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import db.city_downlink as downlink_db
from city.catalogue import CityPublication, publish, versions_by_hall
from city.runner import CityServerThread, revoke_hall
from db.city_downlink import applied_versions, apply_version, downlink_status
from db.models import AuditEntry, Item
from hall.config import SAMPLE_HALL_PATH
from hall.text import HallRuleError
from server.city_link import CityLinkConfig, CityShipper, parse_city_link, start_city_shipper
from server.client import HallClient
from server.runner import Hall, ServerThread, prepare_hall
from tests.city.test_shipper import wait_for
from tests.support.city import CityPki, client
from tests.support.halls import RunningClock, always_open
from tests.support.pg import PgCluster
from tests.support.relay import Relay

CODES = ("hall-1", "hall-2", "hall-3")


def sample_catalogue() -> dict[str, Any]:
    return {"categories": tomllib.loads(SAMPLE_HALL_PATH.read_text(encoding="utf-8"))["categories"]}


def new_catalogue() -> dict[str, Any]:
    """The sample catalogue with A03 retired, A02's fee changed and a new item A09."""
    catalogue = copy.deepcopy(sample_catalogue())
    first = catalogue["categories"][0]
    first["items"] = [item for item in first["items"] if item["code"] != "A03"]
    first["items"][1]["fee"] = "工本费 10 元"
    first["items"].append(
        {"code": "A09", "name_zh": "联合验收备案", "name_en": "Joint acceptance filing", "materials": ["竣工验收报告"], "promised_days": 5}
    )
    return catalogue


def broken_catalogue() -> dict[str, Any]:
    catalogue = new_catalogue()
    catalogue["categories"][0]["items"][0]["promised_days"] = 999
    return catalogue


class RunningHall:
    """One hall: its database, its server on 127.0.0.1, a kiosk, and (when linked) its city link."""

    def __init__(self, root: Path, code: str) -> None:
        config = dataclasses.replace(always_open(), code=code)
        self.hall: Hall = prepare_hall(f"sqlite:///{root / f'{code}.db'}", config, RunningClock(), synchronous="NORMAL")
        self.code = code
        self.server = ServerThread(self.hall.store).start()
        token = self.hall.store.enroll_device(None, self.hall.hall_id, "kiosk", "kiosk")["token"]
        self.kiosk = HallClient(self.server.url, token)
        self.shipper: CityShipper | None = None

    def link(self, url: str, pki: CityPki) -> CityShipper:
        files = pki.hall(self.code)
        config = CityLinkConfig(
            url, files.cert, files.key, files.ca, batch_events=50, heartbeat_seconds=0.3, backoff_max_seconds=0.3, downlink_seconds=0.3
        )
        self.shipper = start_city_shipper(self.hall.store, self.hall.hall_id, config)
        return self.shipper

    def unlink(self) -> None:
        if self.shipper is not None:
            self.shipper.stop()
            self.shipper = None

    def versions(self) -> dict[str, int]:
        return applied_versions(self.hall.store, self.hall.hall_id)

    def kiosk_items(self) -> set[str]:
        snapshot = self.kiosk.snapshot()
        return {item["code"] for category in snapshot["categories"] for item in category.get("items", [])}

    def polls(self) -> int:
        assert self.shipper is not None and self.shipper.downlink is not None
        return self.shipper.downlink.state.polls

    def items(self) -> dict[str, tuple[bool, str]]:
        with self.hall.store.read() as session:
            return {row.code: (row.active, row.fee) for row in session.scalars(select(Item).where(Item.hall_id == self.hall.hall_id))}

    def audit(self, action: str) -> list[dict[str, Any]]:
        with self.hall.store.read() as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()
            return [{"actor": row.actor, **row.detail} for row in rows]

    def close(self) -> None:
        self.unlink()
        self.kiosk.close()
        self.server.stop()
        self.hall.engines.dispose()


@pytest.fixture
def halls(tmp_path: Path) -> Iterator[dict[str, RunningHall]]:
    running = {code: RunningHall(tmp_path, code) for code in CODES}
    yield running
    for hall in running.values():
        hall.close()


def now() -> datetime:
    return datetime.now(UTC)


def settled(hall: RunningHall, polls: int = 2) -> Callable[[], bool]:
    """True once the hall's link has polled ``polls`` more times than now."""
    start = hall.polls()
    return lambda: hall.polls() >= start + polls


def test_a_catalogue_published_to_two_halls_reaches_those_two(halls: dict[str, RunningHall], city: CityServerThread, pki: CityPki) -> None:
    for hall in halls.values():
        hall.link(city.url, pki)
    before = halls["hall-1"].kiosk_items()
    assert {"A03"} <= before and "A09" not in before

    version = publish(city.engine, "catalogue", new_catalogue(), ["hall-1", "hall-2"], now(), by="市局 test")
    assert version == 1
    for code in ("hall-1", "hall-2"):
        wait_for(lambda code=code: halls[code].versions().get("catalogue") == 1)
    wait_for(settled(halls["hall-3"]))
    assert halls["hall-3"].versions().get("catalogue", 0) == 0

    # the kiosk offers the new item and no longer the retired one; hall-3's kiosk is as it was
    assert halls["hall-1"].kiosk_items() == (before - {"A03"}) | {"A09"}
    assert halls["hall-3"].kiosk_items() == before
    items = halls["hall-1"].items()
    assert items["A03"] == (False, "免费")  # kept (tickets name it), offered no more
    assert items["A02"][1] == "工本费 10 元" and items["A09"][0]
    # audited once, by the city, with what changed
    (entry,) = halls["hall-1"].audit("city_catalogue")
    assert entry["actor"] == downlink_db.CITY_ACTOR and entry["version"] == 1 and entry["from_version"] == 0
    assert entry["added"] == ["A09"] and entry["updated"] == ["A02"] and entry["deactivated"] == ["A03"]
    assert halls["hall-3"].audit("city_catalogue") == []
    # the city knows who runs what
    wait_for(lambda: {(r["hall"], r["version"]) for r in versions_by_hall(city.engine) if r["kind"] == "catalogue"} >= {("hall-1", 1), ("hall-2", 1)})
    runs = {r["hall"]: r for r in versions_by_hall(city.engine) if r["kind"] == "catalogue"}
    assert runs["hall-3"]["version"] == 0 and runs["hall-3"]["newest"] == 0

    # notices to every hall: the display's ticker (the snapshot's notices) shows them, the hall's own stay
    own = halls["hall-3"].kiosk.snapshot()["hall"]["notices"]
    publish(city.engine, "notices", {"notices": ["本周六正常办公", "Open this Saturday"]}, None, now())
    for hall in halls.values():
        wait_for(lambda hall=hall: hall.versions().get("notices") == 1)
    assert halls["hall-3"].kiosk.snapshot()["hall"]["notices"] == ["本周六正常办公", "Open this Saturday", *own]
    publish(city.engine, "notices", {"notices": ["五一假期安排见公告栏"]}, None, now())
    wait_for(lambda: halls["hall-3"].versions().get("notices") == 2)
    assert halls["hall-3"].kiosk.snapshot()["hall"]["notices"] == ["五一假期安排见公告栏", *own]  # the city's earlier ones replaced


def test_a_hall_offline_during_publication_catches_up(halls: dict[str, RunningHall], city: CityServerThread, pki: CityPki) -> None:
    hall = halls["hall-1"]
    relay = Relay(city.port)
    try:
        hall.link(f"https://127.0.0.1:{relay.port}", pki)
        wait_for(lambda: hall.shipper is not None and hall.shipper.state.up)
        relay.cut()
        wait_for(lambda: hall.shipper is not None and not hall.shipper.state.up)
        first = new_catalogue()
        publish(city.engine, "catalogue", first, ["hall-1"], now())
        second = new_catalogue()
        second["categories"][0]["items"][0]["name_zh"] = "企业投资项目备案（新）"
        publish(city.engine, "catalogue", second, ["hall-1"], now())
        issued = hall.kiosk.issue("A")  # the hall serves while the city is out of reach
        assert issued["number"]
        status = downlink_status(hall.hall.store, hall.hall.hall_id)
        wait_for(lambda: (downlink_status(hall.hall.store, hall.hall.hall_id)["poll"] or {}).get("last_error", "") != "")
        assert status["kinds"].get("catalogue", {}).get("version", 0) == 0

        relay.restore()
        wait_for(lambda: hall.versions().get("catalogue") == 2)
        (entry,) = hall.audit("city_catalogue")  # version 1 skipped: each version is whole
        assert entry["version"] == 2 and entry["from_version"] == 0
        with hall.hall.store.read() as session:
            assert session.scalar(select(Item.name_zh).where(Item.code == "A01")) == "企业投资项目备案（新）"
        wait_for(lambda: downlink_status(hall.hall.store, hall.hall.hall_id)["poll"]["last_error"] == "")
        wait_for(lambda: any(r["hall"] == "hall-1" and r["kind"] == "catalogue" and r["version"] == 2 for r in versions_by_hall(city.engine)))
    finally:
        hall.unlink()
        relay.close()


def test_a_broken_version_is_refused_and_changes_nothing(halls: dict[str, RunningHall], city: CityServerThread, pki: CityPki) -> None:
    hall = halls["hall-2"]
    hall.link(city.url, pki)
    items = hall.items()
    # the city checks before it stores ...
    with pytest.raises(HallRuleError) as caught:
        publish(city.engine, "catalogue", broken_catalogue(), ["hall-2"], now())
    assert "承诺时限" in caught.value.message.zh and "promised time" in caught.value.message.en
    # ... and the hall checks again before it applies (a version stored unchecked, as by an older city)
    publish(city.engine, "catalogue", broken_catalogue(), ["hall-2"], now(), check=False)
    wait_for(lambda: hall.shipper is not None and hall.shipper.downlink is not None and "catalogue" in hall.shipper.downlink.state.refused)
    wait_for(settled(hall))
    assert hall.items() == items and hall.versions().get("catalogue", 0) == 0 and hall.audit("city_catalogue") == []
    reason = downlink_status(hall.hall.store, hall.hall.hall_id)["kinds"]["catalogue"]["last_error"]
    assert "承诺时限" in reason and "promised time" in reason
    wait_for(lambda: any(r["hall"] == "hall-2" and r["refused_version"] == 1 for r in versions_by_hall(city.engine)))
    (row,) = [r for r in versions_by_hall(city.engine) if r["hall"] == "hall-2" and r["kind"] == "catalogue"]
    assert row["version"] == 0 and "承诺时限" in row["refused_message"]
    # a good version after it is applied
    publish(city.engine, "catalogue", new_catalogue(), ["hall-2"], now())
    wait_for(lambda: hall.versions().get("catalogue") == 2)
    assert downlink_status(hall.hall.store, hall.hall.hall_id)["kinds"]["catalogue"]["last_error"] == ""


def test_a_failure_mid_apply_leaves_the_hall_as_it_was(
    halls: dict[str, RunningHall], city: CityServerThread, pki: CityPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = halls["hall-1"]
    items = hall.items()

    def fail(*_args: Any) -> list[str]:
        raise RuntimeError("disk pulled mid-apply")

    monkeypatch.setattr(downlink_db, "_deactivate_missing", fail)  # after the items were added and updated
    publish(city.engine, "catalogue", new_catalogue(), ["hall-1"], now())
    hall.link(city.url, pki)
    wait_for(lambda: "disk pulled" in (downlink_status(hall.hall.store, hall.hall.hall_id)["poll"] or {}).get("last_error", ""))
    assert hall.items() == items and hall.versions().get("catalogue", 0) == 0 and hall.audit("city_catalogue") == []
    assert hall.shipper is not None and hall.shipper.state.up  # the link lives on
    monkeypatch.undo()
    wait_for(lambda: hall.versions().get("catalogue") == 1)
    assert "A09" in hall.items()


def test_a_hall_reads_its_own_downlink_only(city: CityServerThread, pki: CityPki) -> None:
    publish(city.engine, "catalogue", new_catalogue(), ["hall-2"], now())
    ca = pki.ca_directory / "ca.pem"
    with client(city.url, pki.hall("hall-1"), ca) as hall_1:
        own = hall_1.get("/city/api/downlink")
        assert own.status_code == 200 and own.json()["hall"] == "hall-1" and own.json()["catalogue"] is None
        other = hall_1.get("/city/api/downlink", params={"hall": "hall-2"})
        assert other.status_code == 403 and other.json()["error"] == "not_your_hall"
        assert "hall-2" in other.json()["message"]["zh"] and "hall-2" in other.json()["message"]["en"]
        assert hall_1.get("/city/api/downlink/halls").status_code == 403  # the city's list is for the console
    with client(city.url, pki.hall("hall-2"), ca) as hall_2:
        assert hall_2.get("/city/api/downlink").json()["catalogue"]["version"] == 1
        assert hall_2.post("/city/api/downlink/ack", json={"kind": "catalogue", "version": 1, "applied": True}).status_code == 200
        unknown = hall_2.post("/city/api/downlink/ack", json={"kind": "catalogue", "version": 7, "applied": True})
        assert unknown.status_code == 409 and unknown.json()["error"] == "unknown_version"
        assert hall_2.post("/city/api/downlink/ack", json={"kind": "notices", "version": 1, "applied": True}).status_code == 409
    with client(city.url, pki.console(), ca) as console:
        assert console.get("/city/api/downlink").status_code == 403  # a console certificate is no hall
        rows = console.get("/city/api/downlink/halls").json()["halls"]
        assert {(r["hall"], r["kind"], r["version"], r["newest"]) for r in rows} >= {("hall-2", "catalogue", 1, 1)}
    revoke_hall(city.engine, "hall-2", "test")
    with client(city.url, pki.hall("hall-2"), ca) as hall_2:
        refused = hall_2.get("/city/api/downlink")
        assert refused.status_code == 403 and refused.json()["error"] == "hall_revoked"


def test_hallq_city_publish_and_versions(city: CityServerThread, city_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hallq.cli import main

    notices = tmp_path / "notices.toml"
    notices.write_text('notices = ["系统升级：周日 20:00 起暂停网上预约"]\n', encoding="utf-8")
    assert main(["city", "publish", "catalogue", str(SAMPLE_HALL_PATH), "--halls", "hall-1,hall-2", "--database", city_url]) == 0
    assert "第 1 版" in capsys.readouterr().out
    assert main(["city", "publish", "notices", str(notices), "--all", "--database", city_url, "--by", "市政务办"]) == 0
    broken = tmp_path / "broken.toml"
    broken.write_text('[[categories]]\nseries = "A"\nname_zh = "甲"\n  [[categories.items]]\n  code = "A01"\n  name_zh = ""\n', encoding="utf-8")
    assert main(["city", "publish", "catalogue", str(broken), "--all", "--database", city_url]) == 2
    refused = capsys.readouterr().err
    assert "中文名称" in refused and "Chinese name" in refused
    assert main(["city", "versions", "--database", city_url]) == 0
    table = capsys.readouterr().out
    lines = [line.split() for line in table.splitlines()[1:]]
    assert ["hall-1", "catalogue", "0", "1", "待更新", "behind"] in lines and ["hall-2", "notices", "0", "1", "待更新", "behind"] in lines
    with city.engine.connect() as connection:
        assert connection.execute(select(func.max(CityPublication.version)).where(CityPublication.kind == "catalogue")).scalar_one() == 1


def test_a_restarted_hall_keeps_the_citys_catalogue(tmp_path: Path) -> None:
    """The hall's configuration file seeds a new database only: a restart does not undo the city."""
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = prepare_hall(url, always_open(), RunningClock(), synchronous="NORMAL")
    assert apply_version(hall.store, hall.hall_id, "catalogue", 4, new_catalogue()) is not None
    assert apply_version(hall.store, hall.hall_id, "catalogue", 3, sample_catalogue()) is None  # an older version: nothing
    hall.engines.dispose()
    again = prepare_hall(url, always_open(), RunningClock(), synchronous="NORMAL")
    try:
        assert applied_versions(again.store, again.hall_id) == {"catalogue": 4}
        with again.store.read() as session:
            assert session.scalar(select(Item.active).where(Item.code == "A03")) is False
            assert session.scalar(select(Item.active).where(Item.code == "A09")) is True
        with pytest.raises(HallRuleError) as caught:  # a retired item can no longer be booked
            again.store.booking_days(again.hall_id, "A03")
        assert caught.value.code == "bad_item"
        assert again.store.booking_days(again.hall_id, "A09")["item"]["code"] == "A09"
    finally:
        again.engines.dispose()


def test_the_city_table_takes_a_downlink_interval(tmp_path: Path, pki: CityPki) -> None:
    files = pki.hall("hall-1")
    table = {"url": "https://city.example:8770", "cert": str(files.cert), "key": str(files.key), "ca": str(files.ca)}
    assert parse_city_link(table, tmp_path).downlink_seconds == 30.0
    assert parse_city_link({**table, "downlink_seconds": 5}, tmp_path).downlink_seconds == 5.0
    with pytest.raises(HallRuleError) as caught:
        parse_city_link({**table, "downlink_seconds": 0}, tmp_path)
    assert "city.downlink_seconds" in caught.value.message.zh and "seconds" in caught.value.message.en


def test_apply_is_atomic_on_a_postgresql_hall_too(pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_cluster.create_database("downlink_hall")
    hall = prepare_hall(url, always_open(), RunningClock())
    try:
        def items() -> dict[str, tuple[bool, str, str]]:
            with hall.store.read() as session:
                return {row.code: (row.active, row.fee, row.name_zh) for row in session.scalars(select(Item))}

        before = items()

        def fail(*_args: Any) -> list[str]:
            raise RuntimeError("connection lost mid-apply")

        monkeypatch.setattr(downlink_db, "_deactivate_missing", fail)
        with pytest.raises(RuntimeError):
            apply_version(hall.store, hall.hall_id, "catalogue", 1, new_catalogue())
        assert items() == before and applied_versions(hall.store, hall.hall_id) == {}
        with hall.store.read() as session:
            assert session.scalars(select(AuditEntry).where(AuditEntry.action == "city_catalogue")).all() == []
        monkeypatch.undo()
        detail = apply_version(hall.store, hall.hall_id, "catalogue", 1, new_catalogue())
        assert detail is not None and detail["deactivated"] == ["A03"]
        assert items()["A03"][0] is False and applied_versions(hall.store, hall.hall_id) == {"catalogue": 1}
    finally:
        hall.engines.dispose()
        pg_cluster.drop_database("downlink_hall")


def test_hallq_server_with_a_city_table_applies_what_hallq_city_publish_sends(
    city: CityServerThread, city_url: str, pki: CityPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The wiring as deployed: ``hallq server --config`` with ``[city]`` and ``hallq city publish``."""
    import re

    from hall.config import load_config
    from hallq.cli import main
    from tests.support.halls import ServerProcess, write_always_open_sample

    files = pki.hall("hall-1")
    path = write_always_open_sample(tmp_path / "hall-1.toml")
    source = re.sub(r'(?m)^code = "sample-county"$', 'code = "hall-1"', path.read_text(encoding="utf-8"), count=1)
    source += f'\n[city]\nurl = "{city.url}"\ncert = "{files.cert}"\nkey = "{files.key}"\nca = "{files.ca}"\ndownlink_seconds = 0.5\n'
    path.write_text(source, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'hall-1.db'}"
    hall = prepare_hall(url, load_config(path))
    token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "kiosk")["token"]
    hall.engines.dispose()
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(
        SAMPLE_HALL_PATH.read_text(encoding="utf-8")
        + '\n[[categories]]\nseries = "K"\nname_zh = "社会救助"\ndepartment = "民政局"\n  [[categories.items]]\n  code = "K01"\n  name_zh = "临时救助申请"\n',
        encoding="utf-8",
    )
    server = ServerProcess(url, path, log_path=tmp_path / "hall-1.log").start()
    try:
        kiosk = HallClient(server.url, token)
        assert main(["city", "publish", "catalogue", str(catalogue), "--halls", "hall-1", "--database", city_url]) == 0
        wait_for(lambda: any(c["series"] == "K" for c in kiosk.snapshot()["categories"]), 30)
        (social,) = [c for c in kiosk.snapshot()["categories"] if c["series"] == "K"]
        assert [item["code"] for item in social["items"]] == ["K01"] and social["department"] == "民政局"
        kiosk.close()
        capsys.readouterr()
        wait_for(lambda: any(r["hall"] == "hall-1" and r["kind"] == "catalogue" and r["version"] == 1 for r in versions_by_hall(city.engine)))
        assert main(["city", "versions", "--database", city_url]) == 0
        assert ["hall-1", "catalogue", "1", "1", "最新", "current"] in [line.split() for line in capsys.readouterr().out.splitlines()]
    finally:
        server.stop()
