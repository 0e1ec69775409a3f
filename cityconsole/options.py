"""The console's command-line options, shared by ``hallq city console`` and ``hallq-city-console``
(no Qt here, so ``hallq`` builds its parser without loading PySide6)."""

from __future__ import annotations

import argparse


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", default="https://127.0.0.1:8770", help="the city server's address / 市级服务器地址")
    parser.add_argument("--cert", required=True, help="the console's certificate (hallq city issue NAME --console)")
    parser.add_argument("--key", required=True, help="the console certificate's private key")
    parser.add_argument("--ca", required=True, help="the city CA's certificate (city-ca.pem)")
