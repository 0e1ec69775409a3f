"""`hallq simulate`: compare window policies on seeded simulated hall days and print a table.

``hallq/cli.py`` builds the argument parser with :func:`add_arguments` and prints what
:func:`simulate_main` returns.
"""

from __future__ import annotations

import argparse
import dataclasses

from hall.config import CallRule
from hall.simulation import LunchMode, SimSettings, compare, format_comparison, policy, reference_policies, select_hall
from hall.simulation.halls import HALL_NAMES
from hall.simulation.training import format_training, suggest_cross_training
from hall.text import HallRuleError

QUICK_SEEDS = 3  # --quick: a smoke run for CI


def parse_rates(text: str) -> tuple[tuple[str, float], ...]:
    """``A=12,B=30.5`` → planned arrivals per hour per category."""
    out: list[tuple[str, float]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        series, sep, value = part.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not series.strip() or rate < 0:
            raise HallRuleError(
                "bad_sim_setting",
                f"到达率「{part}」格式应为 业务=每小时人数，如 A=12,B=30",
                f"arrival rate {part!r} should read series=per hour, e.g. A=12,B=30",
                422,
            )
        out.append((series.strip(), rate))
    return tuple(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hall", default="sample", help=f"{' | '.join(HALL_NAMES)} | path of a hall TOML file")
    parser.add_argument("--config", help="a hall TOML file (same as --hall PATH)")
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds (at least 10 for the published tables)")
    parser.add_argument("--seed", type=int, default=1, help="the first seed")
    parser.add_argument("--days", type=int, default=1, help="days per seed")
    parser.add_argument("--every", type=float, nargs="+", default=[15.0], help="advisor interval(s) in minutes")
    parser.add_argument("--policies", nargs="+", help="policies to run (static and pooled are always added), e.g. skills advisor/15min")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SEEDS} seeds × 1 day, for CI")
    parser.add_argument("--call-rule", choices=[r.value for r in CallRule], help="override the hall's call rule")
    parser.add_argument("--load", type=float, default=1.0, help="load factor: scales every category's arrivals")
    parser.add_argument("--rates", default="", help="planned arrivals per hour, e.g. A=12,B=30 (others derived)")
    parser.add_argument("--service-cv", type=float, help="coefficient of variation of service times (default 0.53)")
    parser.add_argument("--switch-cost", type=float, default=0.0, help="extra minutes when a window's next ticket is of another category")
    parser.add_argument("--no-show", type=float, default=0.0, help="share of called citizens who never come")
    parser.add_argument("--appointments", type=float, default=0.0, help="share of tickets with a booked slot")
    parser.add_argument("--long-service", type=float, default=0.0, help="share of 承诺件 with a long intake (×3 service)")
    parser.add_argument("--absences", type=float, default=0.0, help="short AB absences per clerk and day (≤ 3 min each)")
    parser.add_argument(
        "--lunch", choices=[m.value for m in LunchMode], default=LunchMode.FIXED.value, help="lunch windows or two lunch groups"
    )
    parser.add_argument("--advice-delay", type=float, default=0.0, help="minutes before the manager applies advice")
    parser.add_argument(
        "--cross-training", action="store_true", help="suggest which clerk to train in which second category (交叉培训建议)"
    )
    parser.add_argument("--history-weeks", type=int, default=4, help="weeks of history the advisor's forecast is built from (0 = the plan)")


def settings_from(args: argparse.Namespace) -> SimSettings:
    settings = SimSettings(
        load_factor=args.load,
        rates_per_hour=parse_rates(args.rates),
        switch_cost_minutes=args.switch_cost,
        no_show_share=args.no_show,
        appointment_share=args.appointments,
        long_service_share=args.long_service,
        absences_per_clerk=args.absences,
        lunch_mode=LunchMode(args.lunch),
        advice_delay_minutes=args.advice_delay,
        history_weeks=args.history_weeks,
    )
    if args.service_cv is not None:
        if args.service_cv < 0:
            raise HallRuleError("bad_sim_setting", "服务时间变异系数不能为负", "the service-time CV cannot be negative", 422)
        settings = dataclasses.replace(settings, service_sigma=SimSettings.sigma_for_cv(args.service_cv))
    settings.check()
    return settings


def simulate_main(args: argparse.Namespace) -> str:
    """The comparison table for the arguments of ``hallq simulate``."""
    config = select_hall(args.config or args.hall)
    if args.call_rule:
        config = dataclasses.replace(config, rules=dataclasses.replace(config.rules, call_rule=CallRule(args.call_rule)))
    settings = settings_from(args)
    known = {c.series for c in config.categories}
    unknown = [s for s, _r in settings.rates_per_hour if s not in known]
    if unknown:
        raise HallRuleError("bad_sim_setting", f"大厅没有业务 {', '.join(unknown)}", f"the hall has no category {', '.join(unknown)}", 422)
    seeds, days = (QUICK_SEEDS, 1) if args.quick else (args.seeds, args.days)
    if seeds < 1 or days < 1:
        raise HallRuleError("bad_sim_setting", "种子数和天数至少为 1", "seeds and days must be at least 1", 422)
    if any(k < 1 for k in args.every):
        raise HallRuleError("bad_sim_setting", "建议间隔至少 1 分钟", "advisor intervals must be at least 1 minute", 422)
    if args.cross_training:
        chosen = range(args.seed, args.seed + seeds)
        return format_training(config, suggest_cross_training(config, settings, chosen, days=days), chosen)
    policies = [policy(n) for n in args.policies] if args.policies else list(reference_policies(tuple(args.every)))
    comparison = compare(config, policies, seeds=range(args.seed, args.seed + seeds), days=days, settings=settings)
    return format_comparison(comparison)


def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments of ``hallq simulate`` (for tests and scripts)."""
    parser = argparse.ArgumentParser(prog="hallq simulate")
    add_arguments(parser)
    return parser.parse_args(argv)
