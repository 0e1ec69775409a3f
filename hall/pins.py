"""Clerks' PINs and logins: which PINs a hall accepts, and how long repeated failures lock a
login out.

A PIN is always 4 to 12 digits (the counter's keypad has digits only). A hall configured for
real also refuses PINs that are guessed first: shorter than ``MIN_PIN_LENGTH``, equal to or
containing the staff number, one digit repeated (000000), a run up or down (123456, 987654), a
short pattern repeated (121212, 123123), or one of a few PINs everyone tries (520520 ...). The
sample hall's PINs equal its staff numbers; they are accepted only in a hall marked
``demo = true`` (the demo and the tests), never in a real one.

Logins: after ``LOCK_AFTER_FAILURES`` failures in a row (no success between, within
``FAILURE_MEMORY``) for one staff number — known to the hall or not — or at one device, further
attempts are refused without looking at the PIN for :func:`lockout_seconds` after the last
failure: one minute, doubling with each failure past the limit, up to an hour. So a guesser gets
about 35 tries a day at one staff number instead of 20 a second. A success clears the count of
its staff number and its device.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hall.devices import DeviceAlert, Severity
from hall.text import Bilingual

MIN_PIN_LENGTH = 6
MAX_PIN_LENGTH = 12
LOCK_AFTER_FAILURES = 5
FAILURE_MEMORY = timedelta(hours=24)
FIRST_LOCK_SECONDS = 60.0
LONGEST_LOCK_SECONDS = 3600.0

# PINs tried first whatever the rules (dates and number words aside): 520 "I love you", 1314 "for life" ...
COMMON_PINS = frozenset({"520520", "5201314", "1314520", "888888", "666666", "168168", "123321", "112233", "654321", "147258", "159357", "147258369"})


def basic_pin_problem(pin: str) -> Bilingual | None:
    """What any hall refuses, the sample hall included: not 4 to 12 digits."""
    if not (pin.isdigit() and pin.isascii() and 4 <= len(pin) <= MAX_PIN_LENGTH):
        return Bilingual("PIN 应为 4 到 12 位数字", "a PIN is 4 to 12 digits")
    return None


def pin_problem(pin: str, staff_no: str, *, demo: bool = False) -> Bilingual | None:
    """Why the hall refuses ``pin`` for the clerk ``staff_no``, or None when it is acceptable.
    ``demo`` (the sample hall) checks only the form."""
    basic = basic_pin_problem(pin)
    if basic is not None or demo:
        return basic
    if len(pin) < MIN_PIN_LENGTH:
        return Bilingual(f"PIN 至少 {MIN_PIN_LENGTH} 位", f"a PIN has at least {MIN_PIN_LENGTH} digits")
    if staff_no and staff_no in pin:
        return Bilingual("PIN 不能包含工号", "a PIN must not contain the staff number")
    if is_trivial(pin):
        return Bilingual("PIN 过于简单（重复、连号或常见密码）", "the PIN is too easy to guess (repeated, a run or a common PIN)")
    return None


def is_trivial(pin: str) -> bool:
    """One digit repeated, a run up or down, a short pattern repeated, or a common PIN."""
    if pin in COMMON_PINS:
        return True
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {0, 1, 9}:  # 000000, 123456 (7890 wraps), 987654
        return True
    return any(len(pin) % period == 0 and pin == pin[:period] * (len(pin) // period) for period in (1, 2, 3))


def lockout_seconds(failures: int) -> float:
    """How long after the last of ``failures`` failures in a row the login stays locked (0: not locked)."""
    if failures < LOCK_AFTER_FAILURES:
        return 0.0
    return min(FIRST_LOCK_SECONDS * 2 ** (failures - LOCK_AFTER_FAILURES), LONGEST_LOCK_SECONDS)


LOCKOUT_ALERT_MINUTES = 15.0   # a lockout stays on the manager's alerts at least this long


def lockout_alert(event: Mapping[str, Any], now: datetime) -> DeviceAlert | None:
    """The manager's alert for a ``login_alert`` event (repeated wrong PINs locked a staff
    number or a counter), while the lockout lasts and at least LOCKOUT_ALERT_MINUTES; None after."""
    try:
        at = datetime.fromisoformat(str(event["at"]))
        seconds = float(event.get("seconds", 0))
    except (KeyError, ValueError, TypeError):
        return None
    if (now - at).total_seconds() > max(seconds, LOCKOUT_ALERT_MINUTES * 60):
        return None
    by = "工号" if event.get("by") == "staff" else "终端"
    by_en = "a staff number" if event.get("by") == "staff" else "a counter"
    window = event.get("window")
    where_zh, where_en = (f"{window}号窗口", f" at window {window}") if window else ("", "")
    failures = int(event.get("failures", 0))
    return DeviceAlert(
        f"login:{event.get('by')}:{event.get('device_id')}:{at.isoformat()}",
        int(event.get("device_id") or 0),
        Severity.FAULT,
        Bilingual(
            f"{where_zh}连续 {failures} 次登录失败，{by}已锁定 {seconds / 60:.0f} 分钟（详见审计日志）",
            f"{failures} failed logins{where_en}: {by_en} locked for {seconds / 60:.0f} min (see the audit log)",
        ),
    )
