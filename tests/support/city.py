"""A city for the tests: its CA directory, hall and console certificates, and clients using them."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from city.pki import CONSOLE_UNIT, HALL_UNIT, ClientFiles, issue_client_certificate


class CityPki:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ca_directory = root / "city-tls"

    def hall(self, code: str) -> ClientFiles:
        return issue_client_certificate(self.ca_directory, code, HALL_UNIT, self.root / "halls" / code)

    def console(self, name: str = "console") -> ClientFiles:
        return issue_client_certificate(self.ca_directory, name, CONSOLE_UNIT, self.root / "consoles" / name)


def client(url: str, files: ClientFiles | None, ca: Path, **options: Any) -> httpx.Client:
    """An HTTPS client verifying the city by its CA, presenting ``files`` (or no certificate)."""
    context = ssl.create_default_context(cafile=str(ca))
    if files is not None:
        context.load_cert_chain(str(files.cert), str(files.key))
    return httpx.Client(base_url=url, verify=context, timeout=10.0, **options)


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
