"""The city console's composition root (``hallq city console``): the client with the console's
certificate, the window, the refresh timer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cityconsole.client import CityClient, ConsoleCredentials
from cityconsole.options import add_console_arguments
from cityconsole.window import CityConsoleWindow
from ui import theme


def create_window(args: argparse.Namespace) -> CityConsoleWindow:
    client = CityClient(args.city, ConsoleCredentials(Path(args.cert), Path(args.key), Path(args.ca)))
    window = CityConsoleWindow(client)
    window.resize(1500, 900)
    window.start()
    return window


def run(args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app)  # type: ignore[arg-type]
    window = create_window(args)
    window.show()
    return app.exec()  # type: ignore[union-attr]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq-city-console", description="市级控制台 / city console")
    add_console_arguments(parser)
    return run(parser.parse_args(list(argv) if argv is not None else None))


if __name__ == "__main__":
    sys.exit(main())
