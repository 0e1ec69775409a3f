"""The halls a comparison runs on: the sample hall, synthetic 30 × 100 halls, or a TOML file.

The synthetic halls have 30 categories (service times 5–20 minutes, targets 10–20 minutes) and
100 windows, each with one clerk of its category's department: categories 1–10 get four windows,
the others three. Skills are either **chains** — the clerk of a category-k window is also trained
for category k+1 (the last for the first), so every category has a second line of windows — or
**full**: every clerk is trained for every category.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path

from hall.config import (
    CategoryConfig,
    ClerkConfig,
    HallConfig,
    HoursConfig,
    RulesConfig,
    TimeRange,
    WindowConfig,
    load_config,
    load_sample_hall,
)
from hall.text import HallRuleError

HALL_NAMES = ("sample", "chains-30x100", "full-30x100")


def series_name(i: int) -> str:
    """A, B, … Z, then ZA, ZB, …"""
    return chr(ord("A") + i) if i < 26 else "Z" + chr(ord("A") + i - 26)


def synthetic_hall(categories: int = 30, windows: int = 100, skills: str = "chains") -> HallConfig:
    """A large hall of ``categories`` × ``windows``; ``skills`` is "chains" or "full"."""
    if skills not in ("chains", "full"):
        raise HallRuleError(
            "bad_hall", f"未知的技能结构「{skills}」（chains 或 full）", f"unknown skill layout {skills!r} (chains or full)", 422
        )
    names = [series_name(i) for i in range(categories)]
    cats = tuple(
        CategoryConfig(
            series=name,
            name_zh=f"业务{name}",
            name_en=f"Category {name}",
            department=f"部门{name}",
            expected_service_minutes=5.0 + (i * 7) % 16,
            target_wait_minutes=(10.0, 15.0, 20.0)[i % 3],
        )
        for i, name in enumerate(names)
    )
    per_category = [windows // categories + (1 if i < windows % categories else 0) for i in range(categories)]
    wins: list[WindowConfig] = []
    clerks: list[ClerkConfig] = []
    for k, name in enumerate(names):
        for _ in range(per_category[k]):
            number = len(wins) + 1
            wins.append(WindowConfig(number, f"{name}窗口", f"{name} window", department=f"部门{name}", primary=(name,)))
            trained = (name, names[(k + 1) % categories]) if skills == "chains" else tuple(names)
            clerks.append(ClerkConfig(f"{number:04d}", f"职员{number}", department=f"部门{name}", skills=trained))
    hours = HoursConfig(
        regular=(TimeRange(time(8, 30), time(12, 0)), TimeRange(time(13, 30), time(17, 30))),
        lunch=TimeRange(time(12, 0), time(13, 30)),
    )
    return HallConfig(
        code=f"{skills}-{categories}x{windows}",
        name_zh=f"合成大厅（{categories} 类业务 × {windows} 窗口，{'两类技能链' if skills == 'chains' else '全技能'}）",
        name_en=f"Synthetic hall ({categories} categories × {windows} windows, {'two-category skill chains' if skills == 'chains' else 'full skills'})",
        hours=hours,
        rules=RulesConfig(secondary_promote_minutes=30),
        categories=cats,
        windows=tuple(wins),
        clerks=tuple(clerks),
    )


def select_hall(name: str) -> HallConfig:
    """``sample``, ``chains-30x100``, ``full-30x100`` or the path of a hall TOML file."""
    if name == "sample":
        return load_sample_hall()
    if name == "chains-30x100":
        return synthetic_hall(30, 100, "chains")
    if name == "full-30x100":
        return synthetic_hall(30, 100, "full")
    if not Path(name).is_file():
        raise HallRuleError(
            "bad_hall",
            f"找不到大厅「{name}」：请用 sample、chains-30x100、full-30x100 或大厅配置文件路径",
            f"no hall {name!r}: use sample, chains-30x100, full-30x100 or the path of a hall TOML file",
            422,
        )
    return load_config(name)
