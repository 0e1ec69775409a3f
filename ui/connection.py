"""The programs' connection to the hall server: every API call runs in the background and
comes back as a callback on the GUI thread; reachability is a signal the screens show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from server.client import ApiError, HallClient, Offline
from ui.worker import run_in_background


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
