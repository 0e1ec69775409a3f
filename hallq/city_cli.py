"""``hallq city``: the city ingest server and its certificates (argument wiring only; the work is
in city/)."""

from __future__ import annotations

import argparse
from pathlib import Path


def default_city_tls_directory() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("hallq")) / "city-tls"


def cmd_city_serve(args: argparse.Namespace) -> int:
    from city.runner import serve_city
    from server.tls import server_names

    names = server_names(args.host, args.tls_name or [])
    serve_city(args.database, args.host, args.port, Path(args.tls_dir or default_city_tls_directory()), names)
    return 0


def cmd_city_issue(args: argparse.Namespace) -> int:
    from city.pki import CONSOLE_UNIT, HALL_UNIT, issue_client_certificate

    unit = CONSOLE_UNIT if args.console else HALL_UNIT
    files = issue_client_certificate(Path(args.tls_dir or default_city_tls_directory()), args.name, unit, Path(args.out))
    print(f"证书 / certificate: {files.cert}\n私钥 / key: {files.key}\n市级 CA / city CA: {files.ca}")
    if not args.console:
        print(
            "在大厅配置中加入 / add to the hall's configuration:\n"
            f'[city]\nurl = "https://<city host>:8770"\ncert = "{files.cert}"\nkey = "{files.key}"\nca = "{files.ca}"'
        )
    return 0


def cmd_city_revoke(args: argparse.Namespace) -> int:
    from city.runner import prepare_city, reinstate_hall, revoke_hall

    engine = prepare_city(args.database)
    if args.undo:
        reinstate_hall(engine, args.hall)
        print(f"大厅 {args.hall} 已恢复 / hall {args.hall} reinstated")
    else:
        revoke_hall(engine, args.hall, args.reason)
        print(f"大厅 {args.hall} 已注销，其数据不再被接收 / hall {args.hall} revoked: its data is refused from now on")
    engine.dispose()
    return 0


def add_city_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    city = sub.add_parser("city", help="the city server every hall ships its events to / 市级汇聚服务")
    city_sub = city.add_subparsers(dest="city_command", required=True)
    serve = city_sub.add_parser("serve", help="run the city ingest server (PostgreSQL) / 运行市级服务器")
    serve.add_argument("--database", required=True, help="postgresql+psycopg://... (PostgreSQL only)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8770)
    serve.add_argument("--tls-dir", help="the city CA and server certificate (default: <user data>/hallq/city-tls)")
    serve.add_argument("--tls-name", action="append", help="a name or address halls use to reach the city (repeatable)")
    serve.set_defaults(func=cmd_city_serve)
    issue = city_sub.add_parser("issue", help="a client certificate for a hall (or a city console) / 签发大厅证书")
    issue.add_argument("name", help="the hall code (as in the hall's configuration) or a console's name")
    issue.add_argument("--out", required=True, help="directory for the certificate, key and city CA (0700)")
    issue.add_argument("--console", action="store_true", help="a city console's certificate instead of a hall's")
    issue.add_argument("--tls-dir", help="the city CA directory (as for hallq city serve)")
    issue.set_defaults(func=cmd_city_issue)
    revoke = city_sub.add_parser("revoke", help="refuse a hall's data from now on / 注销大厅")
    revoke.add_argument("hall")
    revoke.add_argument("--database", required=True)
    revoke.add_argument("--reason", default="")
    revoke.add_argument("--undo", action="store_true", help="accept the hall again / 恢复")
    revoke.set_defaults(func=cmd_city_revoke)
