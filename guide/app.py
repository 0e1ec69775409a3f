"""The guide desk's composition root (导办台): the server connection with the desk's own guide
token, the desk printer from its URL, and the window. ``create_window`` is what the demo calls."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from guide.window import GuideWindow
from ui import theme
from ui.connection import ServerConnection, add_trust_argument, trust_server


def create_window(server_url: str, token: str, printer_url: str | None = "dummy://") -> GuideWindow:
    """A guide desk on ``token`` (a device enrolled with the "guide" role: it may issue, book,
    look up and requeue, never call or manage). Without ``printer_url`` numbers are handed over
    from the screen. Does not run the event loop."""
    from ui.pyside_guard import hold_singletons

    hold_singletons()  # PySide6 6.12.0 refcount bug: see ui/pyside_guard.py
    from hardware.printer import open_printer

    connection = ServerConnection(server_url, token)
    printer = open_printer(printer_url) if printer_url else None
    window = GuideWindow(connection, printer)
    window.resize(1100, 760)  # room for the form and the waits table's five figures side by side
    connection.setParent(window)
    window.start()
    return window


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-guide", description="导办台 / guide desk")
    parser.add_argument("--server", default="http://127.0.0.1:8760")
    parser.add_argument("--token", required=True, help="guide desk token (hallq enroll guide NAME)")
    add_trust_argument(parser)
    parser.add_argument("--printer", default="dummy://", help="desk ticket printer URL; empty: hand numbers over")
    args = parser.parse_args(list(argv) if argv is not None else None)
    trust_server(parser, args.server, args.ca_fingerprint)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args.server, args.token, args.printer or None)
    window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
