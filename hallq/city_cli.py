"""``hallq city``: the city ingest server and its certificates (argument wiring only; the work is
in city/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cityconsole.options import add_console_arguments


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


def cmd_city_console(args: argparse.Namespace) -> int:
    from cityconsole.app import run

    return run(args)


def cmd_city_hall(args: argparse.Namespace) -> int:
    from city.profiles import list_hall_profiles, set_hall_profile
    from city.runner import prepare_city

    engine = prepare_city(args.database)
    try:
        if args.hall_command == "list":
            for row in list_hall_profiles(engine):
                print(f"{row['hall']}\t{row['district'] or '-'}\t{row['name'] or '-'}\t{row['address'] or '-'}")
            return 0
        fields = {"name": args.name, "district": args.district, "address": args.address}
        row = set_hall_profile(engine, args.hall, create=args.hall_command == "add", **fields)
        print(f"大厅 / hall {row['hall']}: {row['name']} · {row['district']} · {row['address']}")
        return 0
    finally:
        engine.dispose()


def cmd_city_publish(args: argparse.Namespace) -> int:
    """Publish a catalogue or notices file to chosen halls or all (city/catalogue.py)."""
    import getpass
    import sys
    from datetime import UTC, datetime

    from city.catalogue import load_publication, publish
    from city.runner import prepare_city
    from hall.text import HallRuleError

    halls = None if args.all else [code for code in args.halls.split(",") if code.strip()]
    try:
        payload = load_publication(args.kind, Path(args.file))
        engine = prepare_city(args.database)
        try:
            version = publish(engine, args.kind, payload, halls, datetime.now(UTC), by=args.by or getpass.getuser())
        finally:
            engine.dispose()
    except HallRuleError as error:
        print(f"未发布 / not published: {error.message.zh}\n{error.message.en}", file=sys.stderr)
        return 2
    where = "全部大厅 all halls" if halls is None else ", ".join(sorted({code.strip() for code in halls}))
    what = "事项目录 catalogue" if args.kind == "catalogue" else "公告 notices"
    print(f"已发布{what}第 {version} 版 → {where}\npublished {args.kind} version {version} to {where}")
    return 0


def cmd_city_versions(args: argparse.Namespace) -> int:
    """Which hall runs which version of the catalogue and notices."""
    from city.catalogue import versions_by_hall
    from city.runner import prepare_city

    engine = prepare_city(args.database)
    try:
        rows = versions_by_hall(engine)
    finally:
        engine.dispose()
    print(f"{'大厅 hall':<20} {'类型 kind':<12} {'运行 runs':>10} {'最新 newest':>12}  状态 state")
    for row in rows:
        if row["refused_version"] and row["refused_version"] >= row["version"]:
            state = f"拒绝第 {row['refused_version']} 版 refused v{row['refused_version']}: {row['refused_message']}"
        elif row["version"] == row["newest"]:
            state = "最新 current"
        else:
            state = "待更新 behind"
        print(f"{row['hall']:<20} {row['kind']:<12} {row['version']:>10} {row['newest']:>12}  {state}")
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
    console = city_sub.add_parser("console", help="the city console (PySide6) / 市级控制台")
    add_console_arguments(console)
    console.set_defaults(func=cmd_city_console)
    hall = city_sub.add_parser("hall", help="a hall's name, district and address / 大厅登记信息")
    hall_sub = hall.add_subparsers(dest="hall_command", required=True)
    for name, text in (("add", "set up a hall / 登记大厅"), ("set", "change a hall's profile / 修改大厅信息")):
        command = hall_sub.add_parser(name, help=text)
        command.add_argument("hall", help="the hall code (the CN of its certificate)")
        command.add_argument("--database", required=True)
        command.add_argument("--name", help="e.g. 城东区政务服务中心")
        command.add_argument("--district", help="e.g. 城东区")
        command.add_argument("--address")
        command.set_defaults(func=cmd_city_hall)
    listing = hall_sub.add_parser("list", help="every hall's profile / 列出大厅")
    listing.add_argument("--database", required=True)
    listing.set_defaults(func=cmd_city_hall)
    publish = city_sub.add_parser("publish", help="send a catalogue or notices to halls / 下发事项目录或公告")
    publish.add_argument("kind", choices=["catalogue", "notices"])
    publish.add_argument("file", help="TOML: [[categories]] with their items (a hall file will do), or notices = [...]")
    target = publish.add_mutually_exclusive_group(required=True)
    target.add_argument("--halls", help="hall codes, comma-separated / 大厅编码，逗号分隔")
    target.add_argument("--all", action="store_true", help="every hall, present and future / 全部大厅")
    publish.add_argument("--database", required=True)
    publish.add_argument("--by", default="", help="who publishes (default: the login name)")
    publish.set_defaults(func=cmd_city_publish)
    versions = city_sub.add_parser("versions", help="which hall runs which catalogue and notices version / 各大厅版本")
    versions.add_argument("--database", required=True)
    versions.set_defaults(func=cmd_city_versions)
