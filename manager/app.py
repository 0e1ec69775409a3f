"""The manager console's composition root: one server connection, the event stream, the window.
``create_window`` is what the demo calls in-process; ``main`` is ``hallq-manager``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QWidget

from manager.window import ManagerWindow
from ui import theme
from ui.connection import ServerConnection, add_trust_argument, trust_server
from ui.events import EventStream
from ui.heartbeat import Heartbeat


def create_window(server_url: str, token: str) -> QWidget:
    """A manager console for ``token`` (a manager device token). Starts the event stream, the
    heartbeat (no devices: "this console is up", so another console sees it on the devices tab)
    and the first loads; does not run the event loop."""
    conn = ServerConnection(server_url, token)
    events = EventStream(server_url, token)
    heartbeat = Heartbeat(lambda: conn.client, dict)
    window = ManagerWindow(conn, events, heartbeat)
    conn.setParent(window)
    events.setParent(window)
    heartbeat.setParent(window)
    window.resize(1600, 1000)
    window.start()
    return window


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-manager", description="大厅管理 / manager console")
    parser.add_argument("--server", default="http://127.0.0.1:8760")
    parser.add_argument("--token", required=True, help="manager device token")
    add_trust_argument(parser)
    args = parser.parse_args(list(argv) if argv is not None else None)
    trust_server(parser, args.server, args.ca_fingerprint)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args.server, args.token)
    window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
