"""The in-package fakes behave like printers; the benchmark reports figures (no timing asserts)."""

from __future__ import annotations

import socket

import pytest

from hardware.printer.bench import main, measure_render, sample_slip
from hardware.printer.fakes import FakeCondition, FakeNetworkPrinter, FaultyPrinter, _RealtimeRequests, status_answer
from hardware.printer.status import ASK_PAPER, ASK_PRINTER, FaultKind, parse_status


@pytest.mark.parametrize(
    ("condition", "fault"),
    [
        (FakeCondition.READY, None),
        (FakeCondition.PAPER_NEAR_END, None),
        (FakeCondition.PAPER_OUT, FaultKind.PAPER_OUT),
        (FakeCondition.COVER_OPEN, FaultKind.COVER_OPEN),
        (FakeCondition.OFFLINE, FaultKind.OFFLINE),
    ],
)
def test_fake_answers_parse_to_their_condition(condition: FakeCondition, fault: FaultKind | None) -> None:
    answers = [status_answer(condition, n)[0] for n in (1, 2, 4)]
    assert parse_status(*answers).fault == fault


def test_realtime_requests_found_across_reads() -> None:
    scanner = _RealtimeRequests()
    assert scanner.feed(b"abc\x10") == []
    assert scanner.feed(b"\x04") == []
    assert scanner.feed(b"\x01xyz\x10\x04\x04") == [1, 4]
    assert scanner.feed(b"\x10\x04\x02\x10\x04\x01") == [2, 1]


def test_faulty_printer_answers_only_whole_requests() -> None:
    fake = FaultyPrinter(FakeCondition.PAPER_OUT)
    fake._raw(b"text" + ASK_PRINTER)  # inside print data: recorded, not answered
    assert fake.read_status_answer(0) == b""
    fake._raw(ASK_PAPER)
    assert fake.read_status_answer(0) == b"\x72"
    assert fake.printed == b"text" + ASK_PRINTER


def test_fake_network_printer_answers_status_requests_in_the_stream() -> None:
    with FakeNetworkPrinter(FakeCondition.COVER_OPEN) as fake, socket.create_connection((fake.host, fake.port), timeout=2) as client:
        client.sendall(b"hello" + ASK_PRINTER)
        assert client.recv(1) == b"\x1a"
        fake.wait_for(lambda received: received == b"hello" + ASK_PRINTER)


@pytest.mark.parametrize("mode", ["text", "raster"])
def test_measure_render_reports_percentiles(mode: str) -> None:
    result = measure_render(mode, 5)
    assert result["mode"] == mode and result["n"] == 5
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["bytes"] > (50_000 if mode == "raster" else 500)


def test_bench_main_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["3"]) == 0
    out = capsys.readouterr().out
    assert "text" in out and "raster" in out and "p99" in out


def test_sample_slips_vary() -> None:
    assert sample_slip(1).status_url != sample_slip(2).status_url
