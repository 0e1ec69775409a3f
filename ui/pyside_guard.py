"""Stopgap for a reference-count bug in PySide6 6.12.0 (measured here: a few hundred background requests abort a counter).

Every ``Signal.emit()`` gives back ``True`` without owning a reference, and every Python
``QRunnable.run()`` override loses one reference to ``None``; ``ui.worker.run_in_background``
does both for each server request. Python 3.11 frees ``True``/``None`` when their counts reach
zero and aborts ("deallocating True or False"), which on a counter happens after some
thousands of requests — well within a working day. Giving them many extra references postpones
that by that many calls. Remove once ``ui/`` stops emitting from Python runnables or PySide6
is pinned to a fixed release.
"""

from __future__ import annotations

import ctypes
import sys

_done = False


def hold_singletons(count: int = 10_000_000) -> None:
    """Once per process: give True, False and None ``count`` extra references that are never
    released (not even at interpreter exit, where a released ballast would underflow)."""
    global _done
    import PySide6

    if PySide6.__version__ != "6.12.0":
        return  # pyproject pins PySide6 below 6.12; this only protects a machine that has 6.12.0
    if _done or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return  # 3.12+ singletons are immortal; the bug cannot free them there
    _done = True
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += count
