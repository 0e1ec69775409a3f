"""``hallq bench soak``: the whole hall through a month of working days (workbench/soak/).

Prints each day's row as it is measured, then the table and the verdicts; a failed soak ends
the command with a bilingual error (exit status 2) after its report."""

from __future__ import annotations

import argparse
import signal

from hall.text import HallRuleError
from workbench.soak.conductor import SoakOptions
from workbench.soak.run import run_soak


def _stop_on_terminate(_signal: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through run_soak's finally, which stops every process it started


def main(args: argparse.Namespace) -> str:
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    result = run_soak(SoakOptions.from_args(args))
    report = result.report()
    if not result.passed:
        print(report)
        raise HallRuleError(
            "soak_failed",
            f"浸泡测试未通过：{len(result.failures)} 项问题（见上表）",
            f"the soak failed: {len(result.failures)} problems (see above)",
        )
    return report
