"""`hallq simulate`: compare window policies on seeded simulated hall days and print a table.

``hallq/cli.py`` prints what :func:`simulate_main` returns.
"""

from __future__ import annotations

from hall.config import load_config, load_sample_hall
from hall.simulator import compare, format_comparison


def simulate_main(days: int, seed: int, every_minutes: list[int], config_path: str | None) -> str:
    """Static windows vs the advisor every k minutes (each k in ``every_minutes``) vs full pooling.

    ``config_path`` is a hall TOML file; None uses the sample county hall.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if not every_minutes or any(k < 1 for k in every_minutes):
        raise ValueError("every_minutes needs one or more intervals of at least 1 minute")
    config = load_config(config_path) if config_path else load_sample_hall()
    comparison = compare(config, days=days, seed=seed, every_minutes=list(every_minutes))
    return format_comparison(config, comparison)
