"""Wait estimates shown on tickets, kiosks and the phone page.

A deliberately simple, explainable estimate: the people ahead in the category divided by the
windows now serving it, times the category's service time (recent observed mean when known,
configured expectation otherwise). The advisor has the queueing model; citizens get a number
they can understand and that never claims more precision than it has (rounded to 5 minutes).
"""

from __future__ import annotations

import math


def estimate_wait_minutes(people_ahead: int, windows_serving: float, service_minutes: float) -> int | None:
    """Minutes until this citizen is called, rounded up to 5; None when no window serves it now."""
    if windows_serving <= 0:
        return None  # nobody serves it now (hall.serving): no honest number exists, not even 0
    if people_ahead <= 0:
        return 0
    minutes = people_ahead * service_minutes / windows_serving
    return int(math.ceil(minutes / 5.0) * 5)
