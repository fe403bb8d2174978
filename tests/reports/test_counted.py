"""Values kept by count give the same median and percentiles as the values written out in full."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.counted import Counted


def median(values: Sequence[int]) -> float | None:
    """The reference: the median of the values written out (None when empty)."""
    return float(statistics.median(values)) if values else None


def percentile(values: Sequence[int], percent: int) -> int | None:
    """The reference nearest-rank percentile: the smallest value with `percent`% at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


# Few distinct values, many repeats: as working minutes are, and where ties test the ranks.
values = st.lists(st.integers(-5, 40), max_size=200)


@settings(max_examples=300, deadline=None)
@given(values, st.integers(0, 100))
def test_counted_values_give_the_median_and_percentile_of_the_full_list(
    listed: list[int], percent: int
) -> None:
    counted = Counted()
    for v in listed:
        counted.add(v)
    assert len(counted) == len(listed)
    assert counted.median() == median(listed)
    assert counted.percentile(percent) == percentile(listed, percent)
    assert sorted(counted.items()) == sorted((v, listed.count(v)) for v in set(listed))


def test_an_empty_count_has_no_median_or_percentile() -> None:
    assert Counted().median() is None
    assert Counted().percentile(90) is None
