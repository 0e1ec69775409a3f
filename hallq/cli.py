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

from hall.text import HallRuleError
from hallq.report_cli import add_report_parser


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


def cmd_server(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.limits import Limits, raise_open_file_limit, uvicorn_settings
    from server.runner import default_database_url, prepare_hall

    url = args.database or default_database_url()
    if args.workers > 1 and not url.startswith("postgresql"):
        raise HallRuleError(
            "needs_postgres",
            "多个服务进程需要 PostgreSQL（SQLite 只运行一个进程）",
            "several server processes need PostgreSQL (SQLite runs one)",
        )
    hall = prepare_hall(url, _config(args.config))
    if not hall.store.devices(hall.hall_id):
        first = hall.store.enroll_device(None, hall.hall_id, "manager", "first manager console")
        hand_over_first_manager_token(first["token"], url)
    print(f"hallq server: {hall.config.name_zh} on http://{args.host}:{args.port}  database={hall.engines.write.dialect.name}")
    if args.workers > 1:
        from server.runner import run_workers

        hall.engines.dispose()
        run_workers(url, args.host, args.port, args.workers)
        return 0
    limits = Limits(header_seconds=args.header_timeout, body_seconds=args.body_timeout)
    raise_open_file_limit()
    app = create_app(hall.store, owns_process=True, limits=limits)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False, workers=1, **uvicorn_settings(limits))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from db.engine import make_engines
    from db.schema import upgrade
    from server.runner import default_database_url

    engines = make_engines(args.database or default_database_url())
    upgrade(engines)
    print(f"数据库已升级到最新版本 / database upgraded: {engines.url.split('@')[-1]}")
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    from server.runner import default_database_url, prepare_hall

    hall = prepare_hall(args.database or default_database_url(), _config(args.config))
    result = hall.store.enroll_device(None, hall.hall_id, args.role, args.name, args.window)
    print(result["token"])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.demo import run_demo

    return run_demo(args)


def cmd_simulate(args: argparse.Namespace) -> int:
    from workbench.simulate import simulate_main

    print(simulate_main(days=args.days, seed=args.seed, every_minutes=args.every, config_path=args.config))
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
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    server = sub.add_parser("server", help="run the hall server / 运行大厅服务器")
    server.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    server.add_argument("--config", help="hall configuration TOML (default: the sample county hall)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8760)
    server.add_argument(
        "--workers", type=int, default=1, help="server processes sharing the port (PostgreSQL only) / 服务进程数（仅 PostgreSQL）"
    )
    server.add_argument(
        "--header-timeout", type=float, default=10.0, help="seconds a request's headers may take / 请求头最长等待秒数"
    )
    server.add_argument("--body-timeout", type=float, default=15.0, help="seconds a request's body may take / 请求体最长等待秒数")
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="database maintenance / 数据库维护")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate to the newest schema, keeping every row")
    up.add_argument("--database")
    up.set_defaults(func=cmd_db_upgrade)

    enroll = sub.add_parser("enroll", help="enrol a device and print its token / 登记终端")
    enroll.add_argument("role", choices=["kiosk", "counter", "display", "pad", "manager"])
    enroll.add_argument("name")
    enroll.add_argument("--window", type=int)
    enroll.add_argument("--database")
    enroll.add_argument("--config")
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
    simulate.add_argument("--days", type=int, default=30)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--every", type=int, nargs="+", default=[15], help="advisor interval(s) in minutes")
    simulate.add_argument("--config")
    simulate.set_defaults(func=cmd_simulate)

    add_report_parser(sub)

    seed = sub.add_parser("seed-history", help="write realistic synthetic history for reports and demos / 生成历史数据")
    seed.add_argument("--days", type=int, default=365, help="business days of history, ending at --end")
    seed.add_argument("--per-day", type=int, default=8000, help="tickets on an ordinary working day")
    seed.add_argument("--seed", type=int, default=1, help="the same seed gives the same history")
    seed.add_argument("--end", help="last day YYYY-MM-DD (default: yesterday, hall time)")
    seed.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    seed.add_argument("--config", help="hall configuration TOML (default: a large city hall sized for --per-day)")
    seed.set_defaults(func=cmd_seed_history)

    bench = sub.add_parser("bench", help="benchmarks that print figures / 性能测试")
    bench.add_argument("what", choices=["server", "kiosk", "display", "reports", "advisor"])
    bench.add_argument(
        "--database", help="postgresql://... to bench PostgreSQL (default: SQLite in a temp dir, then PostgreSQL if initdb is found)"
    )
    bench.add_argument("--quick", action="store_true", help="smaller run, for CI")
    bench.add_argument("--workers", type=int, default=1, help="server: worker processes for the PostgreSQL run / PostgreSQL 服务进程数")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except HallRuleError as error:
        print(f"错误 / error: {error.message.zh} / {error.message.en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
