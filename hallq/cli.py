"""The ``hallq`` command: server, database, device enrolment, reports, demo, simulation, benchmarks.

Only argument wiring lives here: each command calls into the package that does the work (the
server and db for running a hall, hallq/report_cli.py's wiring over db/reports/ and
server/exports for ``report``, workbench/ for the demo, simulation, synthetic history and benches).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hall.text import HallRuleError
from hallq.city_cli import add_city_parser
from hallq.clerk_cli import add_clerk_parser
from hallq.logs import PRINTED, configure_logging
from hallq.report_cli import add_report_parser
from hallq.setup_cli import add_setup_parser

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from hall.clock import Clock
    from server.backups import NightlyBackups


def _config(path: str | None):  # type: ignore[no-untyped-def]
    from hall.config import load_config, load_sample_hall

    return load_config(path) if path else load_sample_hall()


TOKEN_FILE_NAME = "first-manager-token"


def open_terminal():  # type: ignore[no-untyped-def]
    """The controlling terminal, or None (a service manager, a pipe): the first manager token is
    shown there and only there — stdout and stderr end up in service logs."""
    try:
        return open("/dev/tty", "w", encoding="utf-8")
    except OSError:
        return None


def token_file_for(url: str) -> Path:
    """Beside a SQLite database; in hallq's data directory for PostgreSQL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).parent / TOKEN_FILE_NAME
    from platformdirs import user_data_dir

    return Path(user_data_dir("hallq")) / TOKEN_FILE_NAME


def hand_over_first_manager_token(token: str, url: str) -> Path:
    """The first manager token in a 0600 file, shown once on the terminal; stdout names the file."""
    from db.engine import write_private_file

    path = write_private_file(token_file_for(url), token + "\n")
    terminal = open_terminal()
    if terminal is not None:
        with contextlib.suppress(OSError), terminal:
            terminal.write(f"首个管理端令牌（只显示一次）/ first manager token (shown once): {token}\n")
    print(f"首个管理端令牌已写入（仅本用户可读）/ first manager token written to (owner-only): {path}")
    print("登记管理端后请删除该文件 / delete the file once the manager console is enrolled")
    return path


def _say(zh: str, en: str, warning: bool = False) -> None:
    """A start-up line for whoever runs the server: on stdout, or as a warning in the log and on stderr."""
    if warning:
        logging.getLogger("hallq.server").warning("%s / %s", zh, en)
        print(f"警告 / warning: {zh} / {en}", file=sys.stderr, flush=True)
    else:
        print(f"{zh} / {en}", flush=True)


def _transport(args: argparse.Namespace) -> bool:
    """Whether the staff listener serves TLS; refuses plain HTTP off loopback unless a TLS
    reverse proxy is said to be in front."""
    from server.tls import is_loopback, tls_by_default

    if args.tls and (args.plain_http or args.behind_tls_proxy):
        raise HallRuleError(
            "tls_conflict", "--tls 不能与 --plain-http 或 --behind-tls-proxy 同用", "--tls contradicts --plain-http or --behind-tls-proxy"
        )
    if args.behind_tls_proxy:
        return False
    if args.plain_http:
        if not is_loopback(args.host):
            raise HallRuleError(
                "plain_http_off_loopback",
                f"拒绝在 {args.host} 上提供明文 HTTP：令牌和密码会在大厅网络中被窃听。去掉 --plain-http 以使用 HTTPS，"
                "或在前面有 TLS 反向代理时加 --behind-tls-proxy",
                f"refusing plain HTTP on {args.host}: tokens and PINs would cross the hall network in clear. Drop --plain-http "
                "to serve HTTPS, or add --behind-tls-proxy when a TLS reverse proxy is in front",
            )
        return False
    return args.tls or tls_by_default(args.host)


def _uvicorn_level(args: argparse.Namespace) -> str:
    """uvicorn's start-up and shutdown lines only with --verbose; its warnings and errors always."""
    return "info" if args.verbose else "warning"


def _nightly_backups(args: argparse.Namespace, url: str, zone: ZoneInfo, clock: Clock) -> NightlyBackups | None:
    from server.backups import NightlyBackups, parse_backup_time

    at = parse_backup_time(args.backup_at)
    if at is None:
        return None
    # On the soak's accelerated clock a minute of polling would be hours of hall time.
    poll_seconds = 0.2 if args.clock_file else 60.0
    return NightlyBackups(url, _backup_directory(args, url), at, zone, clock, keep=args.backup_keep).start(poll_seconds)


def _server_clock(args: argparse.Namespace) -> Clock:
    """The system clock (held steady through NTP steps back), or the soak's accelerated one."""
    from hall.clock import FileClock, SteadyClock, SystemClock
    from server.runner import _clock_stepped_back

    return SteadyClock(FileClock(Path(args.clock_file)) if args.clock_file else SystemClock(), _clock_stepped_back)


def cmd_server(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.limits import Limits, limit_malloc_arenas, raise_open_file_limit, uvicorn_settings

    limit_malloc_arenas()  # before any thread: see server/limits.py (found by the 30-day soak)
    from server.runner import (
        PublicOnly,
        default_database_url,
        default_tls_directory,
        prepare_hall,
        run_listeners,
        serve_ca,
        tls_options,
    )
    from server.tls import ensure_server_tls, is_loopback, loopback_public_url_warning, server_names

    url = args.database or default_database_url()
    if args.workers > 1 and not url.startswith("postgresql"):
        raise HallRuleError(
            "needs_postgres",
            "多个服务进程需要 PostgreSQL（SQLite 只运行一个进程）",
            "several server processes need PostgreSQL (SQLite runs one)",
        )
    if args.workers > 1 and args.public_port:
        raise HallRuleError(
            "public_port_workers",
            "公共端口只能与单个服务进程同用",
            "--public-port works with one server process (use a reverse proxy with --workers)",
        )
    use_tls = _transport(args)
    if args.behind_tls_proxy and not is_loopback(args.host):
        _say(
            f"明文 HTTP 在 {args.host} 上，假定前面有 TLS 反向代理；务必让终端只能经代理访问",
            f"plain HTTP on {args.host}, trusting that a TLS reverse proxy is in front; make sure devices reach it only through the proxy",
            warning=True,
        )
    clock = _server_clock(args)
    hall = prepare_hall(url, _config(args.config), clock=clock)
    public_url = hall.store.snapshot(hall.hall_id)["hall"].get("public_url", "") or hall.config.public_url
    tls = None
    if use_tls:
        names = server_names(args.host, args.tls_name or [], public_url)
        tls_directory = args.tls_dir or default_tls_directory()
        tls, made = ensure_server_tls(tls_directory, names, hall.config.code)
        if made:
            _say(
                f"已生成服务器证书（有效期至 {tls.not_after.date()}）",
                f"server certificate made (valid until {tls.not_after.date()}): {', '.join(names)}",
            )
        _say(
            f"大厅 CA 指纹（登记终端时给出）: SHA256 {tls.fingerprint}",
            f"hall CA fingerprint (given at enrolment): SHA256 {tls.fingerprint}",
        )
    if not hall.store.devices(hall.hall_id):
        first = hall.store.enroll_device(None, hall.hall_id, "manager", "first manager console")
        hand_over_first_manager_token(first["token"], url)
    warning = loopback_public_url_warning(public_url, args.host)
    if warning is not None and not args.public_port:
        _say(*warning, warning=True)
    scheme = "https" if tls else "http"
    nightly = _nightly_backups(args, url, hall.config.hours.zone, clock)
    backup_line = f"backup={nightly.at:%H:%M}->{nightly.directory}" if nightly else "backup=off"
    started = f"hallq server: {hall.config.name_zh} on {scheme}://{args.host}:{args.port}  database={hall.engines.write.dialect.name}  {backup_line}"
    print(started, flush=True)
    logging.getLogger("hallq.server").info(started, extra={PRINTED: True})  # the one start line in the log file too
    if args.workers > 1:
        from server.runner import run_workers

        hall.engines.dispose()
        shipper = _city_shipper(args, hall)  # in the parent: the workers serve, it ships
        try:
            run_workers(url, args.host, args.port, args.workers, tls=tls)
        finally:
            if shipper is not None:
                shipper.stop()
        return 0
    limits = Limits(header_seconds=args.header_timeout, body_seconds=args.body_timeout)
    raise_open_file_limit()
    app = create_app(hall.store, owns_process=True, limits=limits)
    app.state.backups = nightly
    if tls is not None:
        serve_ca(app, tls.ca_cert.read_bytes())
    main_server = uvicorn.Server(
        uvicorn.Config(
            app, host=args.host, port=args.port, log_level=_uvicorn_level(args), log_config=None, access_log=False, workers=1, **tls_options(tls), **uvicorn_settings(limits)
        )
    )
    public_server = None
    if args.public_port:
        public_host = args.public_host or args.host
        public_server = uvicorn.Server(
            uvicorn.Config(
                PublicOnly(app), host=public_host, port=args.public_port, log_level=_uvicorn_level(args), log_config=None, access_log=False,
                lifespan="off",
                **uvicorn_settings(limits),
            )
        )
        print(
            f"公共端口（只有取号状态页）/ public listener (ticket status pages only): http://{public_host}:{args.public_port}", flush=True
        )
        warning = loopback_public_url_warning(public_url, public_host)
        if warning is not None:
            _say(*warning, warning=True)
    renew = (tls.directory, server_names(args.host, args.tls_name or [], public_url), hall.config.code) if tls else None
    shipper = _city_shipper(args, hall)
    try:
        run_listeners(main_server, None, public_server, None, renew)
    finally:
        if shipper is not None:
            shipper.stop()
    return 0


def _city_shipper(args: argparse.Namespace, hall):  # type: ignore[no-untyped-def]
    """The hall's link to the city when its configuration has a [city] table (server/city_link.py)."""
    from server.city_link import load_city_link, start_city_shipper

    city = load_city_link(args.config) if args.config else None
    if city is None:
        return None
    _say(f"事件将上报市级服务器 {city.url}", f"events are shipped to the city at {city.url}")
    return start_city_shipper(hall.store, hall.hall_id, city)


def _database_url(args: argparse.Namespace) -> str:
    from server.runner import default_database_url

    return str(args.database or default_database_url())


def _backup_directory(args: argparse.Namespace, url: str) -> Path:
    from db.backup import default_directory

    return Path(args.backup_dir) if args.backup_dir else default_directory(url)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from db.engine import make_engines
    from db.upgrades import safe_upgrade
    from hall.clock import SystemClock

    url = _database_url(args)
    engines = make_engines(url)
    try:
        result = safe_upgrade(engines, _backup_directory(args, url), SystemClock().now())
    finally:
        engines.dispose()
    if result.backup is not None:
        print(f"升级前备份 / backup before upgrading: {result.backup.path} ({result.backup.tickets} tickets)")
    print(f"数据库已升级 / database upgraded: {result.before or '空 / empty'} -> {result.after}  {url.split('@')[-1]}")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from db.backup import backup
    from hall.clock import SystemClock

    url = _database_url(args)
    record = backup(url, _backup_directory(args, url), SystemClock().now(), keep=args.keep)
    print(f"备份完成并已校验 / backup made and verified: {record.path}  ({record.tickets} tickets, {record.size_bytes} bytes)")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from db.backup import restore

    url = _database_url(args)
    tickets = restore(url, Path(args.file))
    print(f"已从备份恢复（请重新启动服务器）/ restored from the backup (start the server again): {args.file}  ({tickets} tickets)")
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    import socket

    from server.runner import default_database_url, default_tls_directory, prepare_hall
    from server.tls import ca_fingerprint

    hall = prepare_hall(args.database or default_database_url(), _config(args.config))
    result = hall.store.enroll_device(None, hall.hall_id, args.role, args.name, args.window)
    server_url = args.server_url or f"https://{socket.gethostname()}:8760"
    fingerprint = ca_fingerprint(args.tls_dir or default_tls_directory(), hall.config.code)
    program = {
        "counter": "hallq-counter",
        "kiosk": "hallq-kiosk",
        "display": "hallq-display",
        "pad": "hallq-pad",
        "manager": "hallq-manager",
        "guide": "hallq-guide",
    }
    print(f"token={result['token']}")
    print(f"server={server_url}")
    print(f"ca_fingerprint=SHA256:{fingerprint}")
    print(
        f"# 在终端上运行 / on the device run:\n"
        f"#   {program[args.role]} --server {server_url} --token {result['token']} --ca-fingerprint SHA256:{fingerprint}",
        file=sys.stderr,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.demo import run_demo

    return run_demo(args)


def cmd_simulate(args: argparse.Namespace) -> int:
    from workbench.simulate import simulate_main

    print(simulate_main(args))
    return 0


def cmd_seed_history(args: argparse.Namespace) -> int:
    from workbench.history.seed import main as seed_history_main

    return seed_history_main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    module = importlib.import_module(f"workbench.bench.{args.what}")
    print(module.main(args))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq", description="政务服务大厅排队叫号系统 / hall queue system")
    parser.add_argument("-v", "--verbose", action="store_true", help="library and migration detail in the log / 详细日志")
    parser.add_argument("--log-file", help="also log to this file, rotated at --log-max-mb / 日志文件")
    parser.add_argument("--log-max-mb", type=float, default=10.0, help="size cap of one log file; 5 older files are kept / 日志文件上限")
    sub = parser.add_subparsers(dest="command", required=True)
    add_setup_parser(sub)

    server = sub.add_parser("server", help="run the hall server / 运行大厅服务器")
    server.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    server.add_argument("--config", help="hall configuration TOML (default: the sample county hall)")
    server.add_argument("--host", default="127.0.0.1", help="address to bind; anything but 127.0.0.1/::1/localhost serves HTTPS / 绑定地址")
    server.add_argument("--port", type=int, default=8760)
    server.add_argument("--tls", action="store_true", help="serve HTTPS even on 127.0.0.1 / 本机也用 HTTPS")
    server.add_argument("--plain-http", action="store_true", help="plain HTTP on a loopback address / 回环地址上用明文 HTTP")
    server.add_argument(
        "--behind-tls-proxy",
        action="store_true",
        help="plain HTTP off loopback because a TLS reverse proxy in front terminates TLS / 前有 TLS 反向代理",
    )
    server.add_argument("--tls-dir", help="the hall CA and server certificate (default: <user data>/hallq/tls, mode 0700)")
    server.add_argument(
        "--tls-name", action="append", help="a host name or address devices use, added to the certificate (repeatable) / 证书中的名称"
    )
    server.add_argument("--public-port", type=int, help="a second, plain-HTTP listener with only the phone status pages / 公共端口")
    server.add_argument("--public-host", help="address of the public listener (default: --host)")
    server.add_argument(
        "--workers", type=int, default=1, help="server processes sharing the port (PostgreSQL only) / 服务进程数（仅 PostgreSQL）"
    )
    server.add_argument("--header-timeout", type=float, default=10.0, help="seconds a request's headers may take / 请求头最长等待秒数")
    server.add_argument("--body-timeout", type=float, default=15.0, help="seconds a request's body may take / 请求体最长等待秒数")
    server.add_argument(
        "--backup-at", default="02:30", help="hall-local HH:MM of the nightly verified backup, or off (a systemd timer) / 每日备份时间"
    )
    server.add_argument("--backup-dir", help="default: backups/ beside a SQLite database, the hallq data directory for PostgreSQL")
    server.add_argument("--backup-keep", type=int, default=14, help="nightly backups kept / 备份保留份数")
    server.add_argument(
        "--clock-file", help="hall time from this file, written by the soak (hallq bench soak); never on a real hall / 浸泡测试用的加速时钟"
    )
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="database maintenance / 数据库维护")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="back up, then migrate to the newest schema, keeping every row / 备份后升级")
    up.add_argument("--database")
    up.add_argument("--backup-dir", help="where the backup before upgrading goes (default: backups/ beside the database)")
    up.set_defaults(func=cmd_db_upgrade)
    back = db_sub.add_parser("backup", help="a verified backup of the hall's database / 备份数据库")
    back.add_argument("--database")
    back.add_argument("--backup-dir", help="default: backups/ beside a SQLite database, the hallq data directory for PostgreSQL")
    back.add_argument("--keep", type=int, default=14, help="backups kept; older ones are removed / 保留份数")
    back.set_defaults(func=cmd_db_backup)
    rest = db_sub.add_parser("restore", help="put a backup back as the hall's database (server stopped) / 从备份恢复")
    rest.add_argument("file", help="a hallq-*.db or hallq-*.dump file made by hallq db backup")
    rest.add_argument("--database")
    rest.set_defaults(func=cmd_db_restore)

    enroll = sub.add_parser("enroll", help="enrol a device and print its token / 登记终端")
    enroll.add_argument("role", choices=["kiosk", "counter", "display", "pad", "guide", "manager"])
    enroll.add_argument("name")
    enroll.add_argument("--window", type=int)
    enroll.add_argument("--database")
    enroll.add_argument("--config")
    enroll.add_argument("--server-url", help="the address the device uses (default: https://<this host>:8760)")
    enroll.add_argument("--tls-dir", help="the hall CA directory (as for hallq server)")
    enroll.set_defaults(func=cmd_enroll)

    demo = sub.add_parser("demo", help="the whole hall on this machine with simulated devices / 演示")
    demo.add_argument("--database", help="default: a fresh SQLite file in the user data directory")
    demo.add_argument("--seconds", type=float, default=0, help="quit after this many seconds (0 = run until closed)")
    demo.add_argument("--screenshots", help="save a screenshot of every window into this folder before quitting")
    demo.add_argument("--no-gui", action="store_true", help="run only the server and simulated arrivals")
    demo.add_argument("--manual", action="store_true", help="leave the on-screen counters and pads to you (no autopilot)")
    demo.add_argument("--history-days", type=int, default=42, help="simulated past days for the reports tab (0 = none)")
    demo.set_defaults(func=cmd_demo)

    simulate = sub.add_parser("simulate", help="compare window policies over simulated hall days / 仿真")
    from workbench.simulate import add_arguments as add_simulate_arguments

    add_simulate_arguments(simulate)
    simulate.set_defaults(func=cmd_simulate)

    add_report_parser(sub)
    add_clerk_parser(sub)
    add_city_parser(sub)

    seed = sub.add_parser("seed-history", help="write realistic synthetic history for reports and demos / 生成历史数据")
    seed.add_argument("--days", type=int, default=365, help="business days of history, ending at --end")
    seed.add_argument("--per-day", type=int, default=8000, help="tickets on an ordinary working day")
    seed.add_argument("--seed", type=int, default=1, help="the same seed gives the same history")
    seed.add_argument("--end", help="last day YYYY-MM-DD (default: yesterday, hall time)")
    seed.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    seed.add_argument("--config", help="hall configuration TOML (default: a large city hall sized for --per-day)")
    seed.set_defaults(func=cmd_seed_history)

    bench = sub.add_parser("bench", help="benchmarks that print figures / 性能测试")
    bench.add_argument("what", choices=["server", "kiosk", "display", "reports", "advisor", "city", "city_reports", "booking", "soak"])
    bench.add_argument(
        "--database", help="postgresql://... to bench PostgreSQL (default: SQLite in a temp dir, then PostgreSQL if initdb is found)"
    )
    bench.add_argument("--quick", action="store_true", help="smaller run, for CI")
    bench.add_argument("--workers", type=int, default=1, help="server: worker processes for the PostgreSQL run / PostgreSQL 服务进程数")
    from workbench.soak.conductor import add_arguments as add_soak_arguments

    add_soak_arguments(bench)
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, Path(args.log_file) if args.log_file else None, int(args.log_max_mb * 1024 * 1024))
    try:
        return int(args.func(args) or 0)
    except HallRuleError as error:
        print(f"错误 / error: {error.message.zh} / {error.message.en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
