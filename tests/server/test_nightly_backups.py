"""The server's nightly backup: runs once when due (also after the clock steps forward past the
time, and not twice after it steps back), keeps the newest, remembers a failure, and the manager
reads it all at GET /api/maintenance, with the alert the console shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hall.clock import FakeClock
from hall.maintenance import backup_alert, backup_summary
from hall.text import HallRuleError
from server.backups import NightlyBackups, parse_backup_time
from tests.server.conftest import HallServer
from tests.support import small_fs

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)  # Tue 10:00 in the hall


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HallServer]:
    hall_server = HallServer(f"sqlite:///{tmp_path}/hall.db", "sqlite", clock=FakeClock(START))
    yield hall_server
    hall_server.close()


def _nightly(server: HallServer, directory: Path, keep: int = 3) -> NightlyBackups:
    nightly = NightlyBackups(server.db_url, directory, time(2, 30), SHANGHAI, server.clock, keep=keep)
    server.server.app.state.backups = nightly
    return nightly


def test_runs_when_due_keeps_the_newest_and_reports(server: HallServer, tmp_path: Path) -> None:
    nightly = _nightly(server, tmp_path / "backups")
    server.kiosk().issue("A")
    assert not nightly.tick()  # 10:00: the next run is 02:30 tomorrow
    assert server.manager.maintenance()["backup"]["last"] is None
    for day in range(5):
        server.clock.set(datetime(2026, 11, 17 + day, 18, 31, tzinfo=UTC))  # 02:31 hall time the next day
        assert nightly.tick()
        assert not nightly.tick()  # once a night
    status = server.manager.maintenance()["backup"]
    assert status["enabled"] and status["last"]["tickets"] == 1 and status["last_error"] is None
    assert len(list((tmp_path / "backups").glob("hallq-*.db"))) == 3
    now = server.clock.now()
    assert backup_alert(status, now) is None
    assert "最近一次成功备份" in backup_summary(status, SHANGHAI).zh
    # Two days and a bit later with no backup: the console alerts.
    alert = backup_alert(status, now + timedelta(days=2, hours=1))
    assert alert is not None and "2.0 天" in alert.message.zh and "no good database backup" in alert.message.en


def test_clock_steps_forward_and_back(server: HallServer, tmp_path: Path) -> None:
    nightly = _nightly(server, tmp_path / "backups")
    server.clock.advance(timedelta(days=3))  # an NTP step forward past three backup times
    assert nightly.tick() and not nightly.tick()  # runs once, not three times
    server.clock.advance(timedelta(days=-5))  # stepped back far: the schedule follows the clock
    assert not nightly.tick()
    assert nightly.next_run(server.clock.now()) - server.clock.now() < timedelta(days=1)


def test_a_fresh_install_has_two_days_then_alerts(server: HallServer, tmp_path: Path) -> None:
    status = _nightly(server, tmp_path / "backups").status()
    assert backup_alert(status, server.clock.now() + timedelta(days=1)) is None
    alert = backup_alert(status, server.clock.now() + timedelta(days=2, minutes=1))
    assert alert is not None and "服务器启动" in alert.message.zh
    assert "尚无" in backup_summary(status, SHANGHAI).zh


@pytest.mark.skipif(small_fs.unavailable_reason() is not None, reason=str(small_fs.unavailable_reason()))
def test_a_backup_on_a_full_disk_is_an_alert_at_once(server: HallServer) -> None:
    with small_fs.small_filesystem(4096) as disk:  # a real tmpfs; the kernel says ENOSPC
        nightly = _nightly(server, disk.path / "backups")
        disk.fill()
        assert nightly.run_now() is None
        status = server.manager.maintenance()["backup"]
        alert = backup_alert(status, server.clock.now())
        assert alert is not None and alert.message.zh.startswith("数据库备份失败") and "磁盘已满" in alert.message.zh
        assert "the disk is full" in alert.message.en
        assert not list((disk.path / "backups").glob("hallq-*"))  # no half-written copy left taking space
        disk.free()
        assert nightly.run_now() is not None  # space again: the next one clears the alert
        assert backup_alert(server.manager.maintenance()["backup"], server.clock.now()) is None


def test_an_embedded_server_reports_backups_off(server: HallServer) -> None:
    status = server.manager.maintenance()["backup"]
    assert status == {"enabled": False}
    assert backup_alert(status, server.clock.now()) is None
    assert "未启用" in backup_summary(status, SHANGHAI).zh


def test_backup_time_setting() -> None:
    assert parse_backup_time("02:30") == time(2, 30)
    assert parse_backup_time("off") is None
    with pytest.raises(HallRuleError, match="HH:MM"):
        parse_backup_time("half past two")
