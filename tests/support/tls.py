"""A hall served over HTTPS on 127.0.0.1 with a throwaway hall CA, for the TLS tests."""

from __future__ import annotations

from pathlib import Path

from server.runner import ServerThread, prepare_hall
from server.tls import ensure_server_tls
from tests.support.halls import RunningClock, sample_hall_hashed

NAMES = ["localhost", "127.0.0.1", "::1", "hall.example"]


class TlsHall:
    def __init__(self, tmp: Path, public: bool = False) -> None:
        self.hall = prepare_hall(f"sqlite:///{tmp / 'hall.db'}", sample_hall_hashed(), RunningClock(), synchronous="NORMAL")
        self.tls, _ = ensure_server_tls(tmp / "tls", NAMES, "TEST")
        self.server = ServerThread(self.hall.store, tls=self.tls, public_port=0 if public else None).start()
        self.url = self.server.url
        self.fingerprint = "SHA256:" + self.tls.fingerprint

    def token(self, role: str, window: int | None = None) -> str:
        return str(self.hall.store.enroll_device(None, self.hall.hall_id, role, f"{role} {window or ''}", window)["token"])

    def close(self) -> None:
        self.server.stop()
        self.hall.engines.dispose()
