"""Who is at the other end of a connection: the verified client certificate's name and unit.

uvicorn does not put the TLS peer certificate into the ASGI scope, so the city's HTTP protocol
records it when the connection is made (after the handshake, so the certificate is verified
against the city CA), keyed by the client's address, which the scope does carry.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


@dataclass(frozen=True)
class Peer:
    name: str  # the common name: a hall code, or a console's name
    unit: str  # "hall" or "console"


_peers: dict[tuple[str, int], Peer] = {}
_lock = threading.Lock()


def peer_of(client: tuple[str, int] | None) -> Peer | None:
    if client is None:
        return None
    with _lock:
        return _peers.get((client[0], client[1]))


def _subject_field(cert: dict[str, Any], field: str) -> str:
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == field:
                return str(value)
    return ""


class PeerCertificateProtocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cert = transport.get_extra_info("peercert")
        if cert and self.client is not None:
            with _lock:
                _peers[(self.client[0], self.client[1])] = Peer(
                    _subject_field(cert, "commonName"), _subject_field(cert, "organizationalUnitName")
                )

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client is not None:
            with _lock:
                _peers.pop((self.client[0], self.client[1]), None)
        super().connection_lost(exc)
