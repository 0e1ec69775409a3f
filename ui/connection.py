"""The programs' connection to the hall server: every API call runs in the background and
comes back as a callback on the GUI thread; reachability is a signal the screens show."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QThreadPool, Signal

from server.client import ApiError, HallClient, Offline, insecure_url_error
from server.tls import TrustError, is_loopback, pin_server
from ui.worker import run_in_background

CA_FINGERPRINT_VARIABLE = "HALLQ_CA_FINGERPRINT"


def add_trust_argument(parser: argparse.ArgumentParser) -> None:
    """``--ca-fingerprint``: the hall CA's SHA-256 that ``hallq enroll`` printed (or $HALLQ_CA_FINGERPRINT)."""
    parser.add_argument(
        "--ca-fingerprint",
        default=os.environ.get(CA_FINGERPRINT_VARIABLE),
        help="hall CA fingerprint from `hallq enroll` (SHA256:AB:CD:...), pinned for https:// servers / 大厅 CA 指纹",
    )


def trust_server(parser: argparse.ArgumentParser, server_url: str, ca_fingerprint: str | None) -> None:
    """Pin the server named on the command line, or stop with a bilingual message when the
    address would send the token in clear or the fingerprint is malformed."""
    parts = urlsplit(server_url)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        error = insecure_url_error(server_url)
        parser.error(f"{error.zh} / {error.en}")
    if ca_fingerprint and parts.scheme == "https":
        try:
            pin_server(server_url, ca_fingerprint)
        except TrustError as error:
            parser.error(f"{error.zh} / {error.en}")


class ServerConnection(QObject):
    online_changed = Signal(bool)
    request_failed = Signal(object)  # ApiError

    def __init__(self, base_url: str, token: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_url = base_url
        self.token = token
        self.online = True
        # One worker per connection keeps a terminal's requests in the order they were made.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._client = HallClient(base_url, token)

    def set_token(self, token: str | None) -> None:
        self.token = token
        self._client = HallClient(self.base_url, token)

    @property
    def client(self) -> HallClient:
        return self._client

    def call(
        self,
        method: str,
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """``conn.call("issue", "A", on_done=...)`` runs ``HallClient.issue("A")`` off the GUI thread."""
        client = self._client
        function = getattr(client, method)

        def done(result: Any) -> None:
            self._set_online(True)
            if on_done is not None:
                on_done(result)

        def failed(error: Exception) -> None:
            if isinstance(error, Offline):
                self._set_online(False)
            elif isinstance(error, ApiError):
                self._set_online(True)
            else:
                error = ApiError(0, "client_error", f"程序错误：{type(error).__name__}", f"program error: {error}")
            self.request_failed.emit(error)
            if on_error is not None:
                on_error(error)  # type: ignore[arg-type]

        run_in_background(lambda: function(*args, **kwargs), done, failed, self.pool)

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)
