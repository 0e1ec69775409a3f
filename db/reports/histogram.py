"""Waiting and service times as sparse histograms, and the percentiles read from them.

Resolution (the percentiles' only approximation): whole seconds below 1 hour, 10-second bins from 1 to 4
hours, 1-minute bins from 4 to 24 hours, one bin above 24 hours. A percentile is the lower edge of the bin
holding the nearest-rank value, so it is exact for waits and services measured in whole seconds under an hour,
and otherwise at most one bin below the exact value. Means and maxima are kept exactly beside the histogram.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from hall.reports import DurationStats

_FINE_LIMIT: Final = 3600  # whole seconds below 1 h
_MEDIUM_LIMIT: Final = 4 * 3600  # 10-second bins up to 4 h
_COARSE_LIMIT: Final = 24 * 3600  # 1-minute bins up to 24 h
_MEDIUM_FIRST: Final = _FINE_LIMIT
_COARSE_FIRST: Final = _MEDIUM_FIRST + (_MEDIUM_LIMIT - _FINE_LIMIT) // 10
_OVERFLOW_BIN: Final = _COARSE_FIRST + (_COARSE_LIMIT - _MEDIUM_LIMIT) // 60
BIN_COUNT: Final = _OVERFLOW_BIN + 1
_SPARSE: Final = np.dtype([("bin", "<u2"), ("count", "<u4")])  # 6 bytes per non-empty bin


def bin_of(seconds: float) -> int:
    value = max(0.0, seconds)
    if value < _FINE_LIMIT:
        return int(value)
    if value < _MEDIUM_LIMIT:
        return _MEDIUM_FIRST + int((value - _FINE_LIMIT) // 10)
    if value < _COARSE_LIMIT:
        return _COARSE_FIRST + int((value - _MEDIUM_LIMIT) // 60)
    return _OVERFLOW_BIN


def bin_floor(index: int) -> float:
    """The lowest value a bin holds: what a percentile falling in the bin reports."""
    if index < _MEDIUM_FIRST:
        return float(index)
    if index < _COARSE_FIRST:
        return float(_FINE_LIMIT + (index - _MEDIUM_FIRST) * 10)
    if index < _OVERFLOW_BIN:
        return float(_MEDIUM_LIMIT + (index - _COARSE_FIRST) * 60)
    return float(_COARSE_LIMIT)


class Histogram:
    """Counts per bin: a Counter while facts are added one by one, sparse arrays once merged."""

    __slots__ = ("_counter", "_parts")

    def __init__(self) -> None:
        self._counter: dict[int, int] = {}
        self._parts: list[np.ndarray] = []

    def add(self, seconds: float) -> None:
        self.add_bin(bin_of(seconds))

    def add_bin(self, index: int) -> None:
        self._counter[index] = self._counter.get(index, 0) + 1

    def arrays(self) -> list[np.ndarray]:
        if not self._counter:
            return self._parts
        counted = np.array(sorted(self._counter.items()), dtype=np.int64).reshape(-1, 2)
        sparse = np.empty(len(counted), dtype=_SPARSE)
        sparse["bin"], sparse["count"] = counted[:, 0], counted[:, 1]
        return [*self._parts, sparse]

    def merge(self, other: Histogram) -> None:
        self._parts.extend(other.arrays())

    def encode(self) -> bytes:
        dense = self.dense()
        nonzero = np.flatnonzero(dense)
        sparse = np.empty(len(nonzero), dtype=_SPARSE)
        sparse["bin"], sparse["count"] = nonzero, dense[nonzero]
        return sparse.tobytes()

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        histogram = cls()
        if blob:
            histogram._parts.append(np.frombuffer(blob, dtype=_SPARSE))
        return histogram

    def dense(self) -> np.ndarray:
        parts = self.arrays()
        if not parts:
            return np.zeros(BIN_COUNT, dtype=np.int64)
        joined = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return np.bincount(joined["bin"], weights=joined["count"], minlength=BIN_COUNT).astype(np.int64)


def duration_stats(count: int, total: float, maximum: float, histogram: Histogram) -> DurationStats:
    if count == 0:
        return DurationStats()
    cumulative = np.cumsum(histogram.dense())

    def percentile(fraction: float) -> float:
        rank = max(1, math.ceil(fraction * count))
        return bin_floor(int(np.searchsorted(cumulative, rank)))

    return DurationStats(count=count, mean=total / count, median=percentile(0.5), p90=percentile(0.9), max=maximum)
