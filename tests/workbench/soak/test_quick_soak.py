"""The soak in short (issue 19 point 6), as CI runs it: the real ``hallq server`` process, the floor
and every terminal program in its own process, two hall days on the accelerated clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from workbench.soak.conductor import SoakOptions
from workbench.soak.plot import HEIGHT, WIDTH
from workbench.soak.run import run_soak

PROCESSES = {"server", "floor", "kiosk", "counter-1", "counter-5", "pad-5", "display", "screen-5", "manager"}


@pytest.mark.timeout(400)
def test_two_hall_days_of_the_whole_hall(tmp_path: Path) -> None:
    options = SoakOptions(days=2, tickets_per_day=300, kiosk_share=0.05, day_seconds=15.0, directory=tmp_path, plot=tmp_path / "rss.png")
    result = run_soak(options, say=lambda _line: None)
    print(result.report())
    assert result.passed, result.failures
    assert [r.day.isoformat() for r in result.records] == ["2027-03-01", "2027-03-02"]
    for record in result.records:
        assert record.business_day == record.day.isoformat()  # the server's day advanced
        assert record.tickets.restarted and record.tickets.issued >= 270  # numbering began at 1 again; the day's volume
        assert set(record.rss_mb) == PROCESSES and all(mb > 20 for mb in record.rss_mb.values())
        assert record.errors == {}
    assert [r.backups.count for r in result.records] == [1, 2]  # one verified backup each night
    assert result.records[1].database_bytes > result.records[0].database_bytes
    assert all(not v.judged for v in result.verdicts)  # two days: no growth verdict, and none claimed
    image = QImage(str(tmp_path / "rss.png"))
    assert (image.width(), image.height()) == (WIDTH, HEIGHT)
    assert "2027-03-02" in (tmp_path / "soak-table.txt").read_text(encoding="utf-8")
