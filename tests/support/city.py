"""A city for the tests: its CA directory, hall and console certificates, and clients using them."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from city.pki import CONSOLE_UNIT, HALL_UNIT, ClientFiles, issue_client_certificate
from tests.support.halls import REPO


class CityPki:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ca_directory = root / "city-tls"

    def hall(self, code: str) -> ClientFiles:
        return issue_client_certificate(self.ca_directory, code, HALL_UNIT, self.root / "halls" / code)

    def console(self, name: str = "console") -> ClientFiles:
        return issue_client_certificate(self.ca_directory, name, CONSOLE_UNIT, self.root / "consoles" / name)


def client(url: str, files: ClientFiles | None, ca: Path, timeout: float = 10.0) -> httpx.Client:
    """An HTTPS client verifying the city by its CA, presenting ``files`` (or no certificate)."""
    context = ssl.create_default_context(cafile=str(ca))
    if files is not None:
        context.load_cert_chain(str(files.cert), str(files.key))
    return httpx.Client(base_url=url, verify=context, timeout=timeout)


def event(seq: int, kind: str = "ticket_issued", **data: Any) -> dict[str, Any]:
    """A wire event; a ticket_issued event carries a ticket brief with id ``seq``."""
    if kind == "ticket_issued" and "ticket" not in data:
        data["ticket"] = {
            "id": seq,
            "number": f"A{seq:03d}",
            "series": "A",
            "status": "waiting",
            "priority": False,
            "source": "kiosk",
            "issued_at": "2026-11-17T02:00:00+00:00",
            "business_day": "2026-11-17",
            "called_at": None,
        }
    return {"seq": seq, "kind": kind, "data": data, "created_at": "2026-11-17T02:00:00+00:00"}


class CityProcess:
    """``python -m hallq city serve`` as a child process (killable with SIGKILL)."""

    def __init__(self, database_url: str, tls_directory: Path, port: int, log_path: Path) -> None:
        self.database_url, self.tls_directory, self.port, self.log_path = database_url, tls_directory, port, log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, console: ClientFiles, timeout: float = 60.0) -> CityProcess:
        command = [
            sys.executable,
            "-m",
            "hallq",
            "city",
            "serve",
            "--database",
            self.database_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--tls-dir",
            str(self.tls_directory),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hallq city exited with {self.process.returncode}: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                with client(self.url, console, self.tls_directory / "ca.pem", timeout=2.0) as http:
                    if http.get("/city/api/halls").status_code == 200:
                        return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("hallq city did not answer")

    def kill(self) -> None:
        """SIGKILL: a crash, batches in flight."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
