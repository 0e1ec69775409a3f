"""TLS on the hall LAN (DESIGN.md §5): the hall CA and server certificate on disk, a real server
on loopback serving HTTPS/WSS, programs that pin the CA's fingerprint, the public listener that
serves phones nothing but the status pages, and ``hallq server``/``hallq enroll`` as an installer
runs them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from hallq.cli import main as hallq_main
from server.client import HallClient, Offline, Untrusted
from server.runner import prepare_hall
from server.tls import (
    CERT_FILE,
    RENEW_BEFORE,
    ca_fingerprint,
    ensure_server_tls,
    forget_pins,
    loopback_public_url_warning,
    normalize_fingerprint,
    server_names,
    tls_by_default,
)
from tests.support.tls import NAMES, TlsHall

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_pins_between_tests() -> Iterator[None]:
    forget_pins()
    yield
    forget_pins()


# --------------------------------------------------------------------------- files on disk


def test_ca_and_server_certificate_are_made_once_and_kept_private(tmp_path: Path) -> None:
    directory = tmp_path / "tls"
    tls, made = ensure_server_tls(directory, NAMES, "TEST")
    assert made
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "ca-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(tls.key.stat().st_mode) == 0o600
    assert stat.S_IMODE(tls.cert.stat().st_mode) == stat.S_IMODE(tls.ca_cert.stat().st_mode) == 0o600

    chain = x509.load_pem_x509_certificates(tls.cert.read_bytes())
    leaf, ca = chain
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.issuer == ca.subject
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "hall.example" in sans.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert dt.timedelta(days=390) < lifetime < dt.timedelta(days=400)

    again, made_again = ensure_server_tls(directory, NAMES, "TEST")
    assert not made_again
    assert again.fingerprint == tls.fingerprint == ca_fingerprint(directory)
    assert normalize_fingerprint("SHA256:" + tls.fingerprint) == normalize_fingerprint(tls.fingerprint.replace(":", "").lower())


def test_server_certificate_is_renewed_before_it_ends_and_for_new_names(tmp_path: Path) -> None:
    tls, _ = ensure_server_tls(tmp_path, NAMES, "TEST")
    first = tls.cert.read_bytes()
    _, made = ensure_server_tls(tmp_path, NAMES, "TEST", now=tls.not_after - RENEW_BEFORE - dt.timedelta(days=1))
    assert not made and tls.cert.read_bytes() == first
    renewed, made = ensure_server_tls(tmp_path, NAMES, "TEST", now=tls.not_after - RENEW_BEFORE + dt.timedelta(hours=1))
    assert made and renewed.cert.read_bytes() != first
    assert renewed.fingerprint == tls.fingerprint  # same CA: enrolled devices keep working
    more, made = ensure_server_tls(tmp_path, [*NAMES, "10.1.2.3"], "TEST")
    assert made
    leaf = x509.load_pem_x509_certificates(more.cert.read_bytes())[0]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.1.2.3") in sans.get_values_for_type(x509.IPAddress)


def test_names_and_the_rules_of_the_road() -> None:
    names = server_names("0.0.0.0", ["hall.lan", "192.168.5.10"], "https://queue.example.gov.cn/")
    assert {"localhost", "127.0.0.1", "hall.lan", "192.168.5.10", "queue.example.gov.cn", socket.gethostname()} <= set(names)
    assert "0.0.0.0" not in names
    assert not tls_by_default("127.0.0.1") and not tls_by_default("localhost") and not tls_by_default("::1")
    assert tls_by_default("127.0.0.2") and tls_by_default("0.0.0.0") and tls_by_default("192.168.5.10")
    warning = loopback_public_url_warning("http://127.0.0.1:8760", "0.0.0.0")
    assert warning is not None and "public_url" in warning[0] and "loopback" in warning[1]
    assert loopback_public_url_warning("http://127.0.0.1:8760", "127.0.0.1") is None
    assert loopback_public_url_warning("https://hall.lan/", "0.0.0.0") is None


# --------------------------------------------------------------------------- a real server


@pytest.fixture
def tls_hall(tmp_path: Path) -> Iterator[TlsHall]:
    hall = TlsHall(tmp_path, public=True)
    try:
        yield hall
    finally:
        hall.close()


def test_a_pinned_client_talks_https_and_reads_events_over_wss(tls_hall: TlsHall) -> None:
    assert tls_hall.url.startswith("https://127.0.0.1:")
    kiosk = HallClient(tls_hall.url, tls_hall.token("kiosk"), ca_fingerprint=tls_hall.fingerprint)
    display = HallClient(tls_hall.url, tls_hall.token("display"))  # the pin holds for the whole process
    try:
        assert kiosk.health()
        seq = display.snapshot()["seq"]
        ticket = kiosk.issue("C")
        events = list(display.events_after(seq, timeout=3, until=seq + 1))
        assert events and all(e["type"] == "event" for e in events) and events[-1]["seq"] >= seq + 1
        assert ticket["number"] in str(events)
        assert kiosk.with_token(tls_hall.token("kiosk", None)).snapshot()["hall"]
    finally:
        kiosk.close()
        display.close()


def test_a_wrong_fingerprint_is_refused_before_anything_is_sent(tls_hall: TlsHall) -> None:
    wrong = "SHA256:" + ":".join(["AB"] * 32)
    client = HallClient(tls_hall.url, tls_hall.token("kiosk"), ca_fingerprint=wrong)
    with pytest.raises(Untrusted) as refused:
        client.health()
    assert refused.value.code == "ca_fingerprint_mismatch"
    assert "指纹" in refused.value.zh and "fingerprint" in refused.value.en
    with pytest.raises(Untrusted):
        list(client.events_after(0, timeout=1))
    client.close()


def test_https_without_the_pin_is_not_trusted(tls_hall: TlsHall) -> None:
    client = HallClient(tls_hall.url, tls_hall.token("kiosk"))
    with pytest.raises(Untrusted) as refused:
        client.health()
    assert refused.value.code == "tls_untrusted" and "--ca-fingerprint" in refused.value.en
    client.close()


def test_another_hall_with_its_own_ca_is_refused(tmp_path: Path, tls_hall: TlsHall) -> None:
    """A second hall (an impostor) on the same machine: its CA is not the pinned one."""
    other = TlsHall(tmp_path / "other")
    try:
        client = HallClient(other.url, other.token("kiosk"), ca_fingerprint=tls_hall.fingerprint)
        with pytest.raises(Untrusted) as refused:
            client.snapshot()
        assert refused.value.code == "ca_fingerprint_mismatch"
        client.close()
    finally:
        other.close()


def test_plain_http_to_the_tls_port_fails_clearly(tls_hall: TlsHall) -> None:
    client = HallClient(tls_hall.url.replace("https://", "http://"), tls_hall.token("kiosk"), timeout=5)
    with pytest.raises(Offline) as failed:
        client.health()
    assert "https://" in failed.value.en and "HTTPS" in failed.value.zh
    client.close()


def test_plain_http_off_this_machine_is_refused_by_the_client() -> None:
    with pytest.raises(Untrusted) as refused:
        HallClient("http://192.0.2.10:8760", "token")
    assert refused.value.code == "insecure_url" and "明文" in refused.value.zh and "in clear" in refused.value.en


def test_the_public_listener_serves_phones_only_the_status_pages(tls_hall: TlsHall) -> None:
    kiosk = HallClient(tls_hall.url, tls_hall.token("kiosk"), ca_fingerprint=tls_hall.fingerprint)
    ticket = kiosk.issue("C")
    kiosk.close()
    public = tls_hall.server.public_url
    assert public.startswith("http://127.0.0.1:")
    page = httpx.get(f"{public}/t/{ticket['public_id']}")
    assert page.status_code == 200 and ticket["public_id"] in page.text
    status = httpx.get(f"{public}/api/public/tickets/{ticket['public_id']}")
    assert status.status_code == 200 and status.json()["number"] == ticket["number"]
    for path in ("/api/snapshot", "/api/health", "/api/tls/ca.pem", "/docs", "/openapi.json", "/api/devices"):
        response = httpx.get(public + path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    assert httpx.post(f"{public}/api/login", json={"staff_no": "1001", "pin": "1001"}).status_code == 404
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus):
        connect(public.replace("http", "ws") + "/ws/events?token=x").close()


# --------------------------------------------------------------------------- the commands


def test_plain_http_off_loopback_is_refused_before_anything_binds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = hallq_main(["server", "--host", "192.0.2.10", "--plain-http", "--database", f"sqlite:///{tmp_path / 'h.db'}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "拒绝" in err and "refusing plain HTTP" in err and "--behind-tls-proxy" in err
    assert not (tmp_path / "h.db").exists()


def test_enroll_prints_token_server_and_ca_fingerprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = f"sqlite:///{tmp_path / 'h.db'}"
    code = hallq_main(
        ["enroll", "kiosk", "kiosk 1", "--database", database, "--tls-dir", str(tmp_path / "tls"), "--server-url", "https://hall.lan:8760"]
    )
    assert code == 0
    out = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert out["server"] == "https://hall.lan:8760"
    assert out["ca_fingerprint"] == "SHA256:" + ca_fingerprint(tmp_path / "tls")
    assert len(out["token"]) > 20


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def test_hallq_server_on_a_lan_address_serves_https_and_a_public_listener(tmp_path: Path) -> None:
    """``hallq server`` as the README's deployment runs it, on 127.0.0.2 (loopback, but not
    127.0.0.1, so TLS is on by default): HTTPS with the hall CA, the staff API refused on the
    public listener, and the loopback public_url warned about at start."""
    host, port, public_port = "127.0.0.2", _free_port("127.0.0.2"), _free_port("127.0.0.2")
    database, tls_dir = f"sqlite:///{tmp_path / 'hall.db'}", tmp_path / "tls"
    command = [sys.executable, "-m", "hallq.cli", "server", "--host", host, "--port", str(port), "--public-port", str(public_port)]
    command += ["--database", database, "--tls-dir", str(tls_dir)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"https://{host}:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((host, port), timeout=0.5).close()
                socket.create_connection((host, public_port), timeout=0.5).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        fingerprint = ca_fingerprint(tls_dir)
        hall = prepare_hall(database, None)
        token = hall.store.enroll_device(None, hall.hall_id, "kiosk", "kiosk")["token"]
        hall.engines.dispose()
        client = HallClient(url, token, ca_fingerprint=fingerprint)
        assert client.snapshot()["hall"]["name_zh"]
        client.close()
        assert httpx.get(f"http://{host}:{public_port}/api/snapshot").status_code == 404
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://{host}:{port}/api/health", timeout=5)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert f"https://{host}:{port}" in out and fingerprint in out
    assert "public_url" in err and "loopback" in err
    assert (tls_dir / CERT_FILE).exists()


@pytest.mark.postgres
def test_several_server_processes_serve_https_and_the_hall_ca(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from tests.support.pg import PgCluster

    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    database = cluster.create_database("tls_workers")
    host, port, tls_dir = "127.0.0.2", _free_port("127.0.0.2"), tmp_path / "tls"
    command = [sys.executable, "-m", "hallq.cli", "server", "--host", host, "--port", str(port), "--workers", "2"]
    command += ["--database", database, "--tls-dir", str(tls_dir)]
    process = subprocess.Popen(
        command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline
            try:
                socket.create_connection((host, port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        hall = prepare_hall(database, None)
        token = hall.store.enroll_device(None, hall.hall_id, "display", "display")["token"]
        hall.engines.dispose()
        deadline = time.monotonic() + 30
        while True:  # each worker must serve the CA and the API over TLS
            client = HallClient(f"https://{host}:{port}", token, ca_fingerprint=ca_fingerprint(tls_dir))
            try:
                assert client.snapshot()["hall"]
                break
            except Offline:
                assert time.monotonic() < deadline
                time.sleep(0.5)
            finally:
                client.close()
                forget_pins()
        for _ in range(6):
            client = HallClient(f"https://{host}:{port}", token, ca_fingerprint=ca_fingerprint(tls_dir))
            assert client.health()
            client.close()
            forget_pins()
    finally:
        process.terminate()
        process.wait(timeout=30)
