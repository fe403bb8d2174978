"""Whole numbers kept as value -> how many, so a median and a percentile need no list of them.

A report's working minutes take a few thousand distinct values however many requests a period
holds (they are bounded by the longest wait, not by the count), so counting them keeps a year's
report as small as a week's. The answers equal the median and nearest-rank percentile of the
same values written out in full (tests/reports/test_counted.py holds them to a reference).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import ItemsView
from itertools import accumulate


class Counted:
    """A multiset of ints: add one at a time, then ask for order statistics."""

    __slots__ = ("_counts", "_size")

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._size = 0

    def add(self, value: int) -> None:
        """Count one more `value`."""
        self._counts[value] += 1
        self._size += 1

    def __len__(self) -> int:
        return self._size

    def items(self) -> ItemsView[int, int]:
        """(value, how many) pairs, in no order."""
        return self._counts.items()

    def median(self) -> float | None:
        """As `statistics.median`: the mean of the middle two for an even count; None if empty."""
        if not self._size:
            return None
        nth = self._nth()
        middle = self._size // 2
        if self._size % 2:
            return float(nth(middle))
        return float((nth(middle - 1) + nth(middle)) / 2)

    def percentile(self, percent: int) -> int | None:
        """The nearest-rank percentile (the smallest value with `percent`% at or below it); None if
        empty."""
        if not self._size:
            return None
        rank = -(-percent * self._size // 100)  # ceil, in integers: no rounding surprises
        return self._nth()(max(rank, 1) - 1)

    def _nth(self) -> _Ordered:
        return _Ordered(self._counts)


class _Ordered:
    """The values sorted once, with running counts: the k-th smallest by bisection."""

    __slots__ = ("_ends", "_values")

    def __init__(self, counts: Counter[int]) -> None:
        self._values = sorted(counts)
        # _ends[i]: how many values are <= _values[i].
        self._ends = list(accumulate(counts[v] for v in self._values))

    def __call__(self, k: int) -> int:
        """The k-th smallest value, counting from 0."""
        return self._values[bisect_right(self._ends, k)]
