"""Small numbers: counts under the threshold are hidden in anything shared beyond the managers.

Primary suppression shows every count under the threshold, zero included, as "<5". Where a
table shows totals, hidden cells must not be worked out by subtraction: each line (its cells
and its shown total) hides no cell or at least two, whose sum is not small, and each "<5" keeps
at least two possible values; then no small cell may follow from the whole table either
(`reports.inference`). Otherwise the smallest other cell is hidden too ("x", meaning 5 or more).
A percentage or a median is hidden ("x") when it rests on fewer than `threshold` requests or
would reveal a small count. Suppression holds within each table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.inference import Cell, exposed, lines

HIDDEN = "x"
NOTE = (
    "Counts under {threshold} (0 to {small}) are shown as <{threshold}; x marks a figure hidden so "
    "that such a count cannot be worked out from the others."
)


@dataclass(frozen=True)
class Disclosure:
    """How figures are shown: exact (the managers' private view) or shareable (small hidden)."""

    shareable: bool
    threshold: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("the small-number threshold is at least 1")

    @property
    def note(self) -> str:
        """The legend for a shareable output (empty for the private view)."""
        if not self.shareable or self.threshold == 1:
            return ""
        return NOTE.format(small=self.threshold - 1, threshold=self.threshold)

    @property
    def small_label(self) -> str:
        """What a hidden small count shows, e.g. "<5"."""
        return f"<{self.threshold}"

    def is_small(self, count: int) -> bool:
        """Whether this count must be hidden here."""
        return self.shareable and count < self.threshold

    def count(self, count: int) -> str:
        """A count on its own (no total beside it)."""
        return self.small_label if self.is_small(count) else str(count)

    def pct(self, part: int, whole: int) -> str:
        """`part` of `whole` as a percentage, "-" when there is nothing to divide."""
        if whole == 0:
            return "-"
        if self.shareable and (
            whole < self.threshold or self.is_small(part) or self.is_small(whole - part)
        ):
            return HIDDEN
        return f"{100 * part / whole:.1f}%"

    def stat(self, value: float | None, basis: int, show: Callable[[float], str]) -> str:
        """A statistic of `basis` requests (a median, a percentile), "-" when there is none."""
        if value is None:
            return "-"
        if self.shareable and basis < self.threshold:
            return HIDDEN
        return show(value)

    def line(self, parts: Sequence[int]) -> list[str]:
        """Cells followed by their total (computed here), as one protected line."""
        return self.grid([[*parts, sum(parts)]])[0]

    def grid(self, cells: list[list[int]]) -> list[list[str]]:
        """A table whose last column (and, with 2+ rows, last row) holds totals."""
        hidden = self.grid_mask(cells)
        return [
            [self._text(v, hidden[i][j]) for j, v in enumerate(row)] for i, row in enumerate(cells)
        ]

    def grid_mask(self, cells: list[list[int]]) -> list[list[bool]]:
        """Which cells of a totalled table to hide: small ones, and enough others to keep them."""
        hidden = [[self.is_small(v) for v in row] for row in cells]
        if not self.shareable:
            return hidden
        every = lines(len(cells), len(cells[0]) if cells else 0)
        while True:
            line = next((ln for ln in every if not self._line_safe(ln, cells, hidden)), None)
            if line is None:
                found = exposed(cells, hidden, self.threshold)
                if not found:
                    return hidden
                line = next((ln for ln in every if found[0] in ln and _open(ln, hidden)), None)
            candidates = [
                c for c in (line or [c for ln in every for c in ln]) if _open([c], hidden)
            ]
            if not candidates:
                return hidden  # everything is hidden already
            # The smallest cell still shown (a part before its larger total).
            i, j = min(candidates, key=lambda c: cells[c[0]][c[1]])
            hidden[i][j] = True

    def _line_safe(
        self, line: list[Cell], cells: list[list[int]], hidden: list[list[bool]]
    ) -> bool:
        *parts, (ti, tj) = line
        if hidden[ti][tj]:
            return True  # a hidden total gives nothing away on its own line
        return self.safe([cells[i][j] for i, j in parts if hidden[i][j]])

    def safe(self, hidden_values: Sequence[int]) -> bool:
        """Whether hidden cells beside a known total keep each other's secret.

        A reader knows their sum, that each "<5" is 0 to 4 and each "x" is 5 or more: at least
        two cells are hidden, their sum is not small, and a "<5" keeps two possible values.
        """
        total = sum(hidden_values)
        if not self.shareable or not hidden_values:
            return True
        if len(hidden_values) < 2 or self.is_small(total):
            return False  # one hidden cell is the total minus the others
        small = sum(1 for v in hidden_values if self.is_small(v))
        others = len(hidden_values) - small
        if not small:
            return True
        possible = [v for v in range(self.threshold) if self._fits(total - v, small - 1, others)]
        return len(possible) >= 2

    def _fits(self, rest: int, small: int, others: int) -> bool:
        """Whether `small` counts under t and `others` of t or more can add up to `rest`."""
        left = rest - others * self.threshold  # what is left once each "x" has its minimum
        return left >= 0 if others else 0 <= left <= small * (self.threshold - 1)

    def running(self, bands: Sequence[int]) -> list[str]:
        """Running totals of `bands` (all but the last), e.g. re-referrals within 3/6/12 months.

        A reader can subtract neighbouring figures (and the total), so each difference between
        shown figures must itself be at least the threshold.
        """
        sums = [sum(bands[:p]) for p in range(1, len(bands))]
        total = sum(bands)
        shown: list[int] = []
        for p, value in enumerate(sums):
            if not self.is_small(value - (sums[shown[-1]] if shown else 0)):
                shown.append(p)
        while shown and self.is_small(total - sums[shown[-1]]) and not self.is_small(total):
            shown.pop()
        return [self._text(v, p not in shown) for p, v in enumerate(sums)]

    def _text(self, value: int, hidden: bool) -> str:
        if not hidden:
            return str(value)
        return self.small_label if self.is_small(value) else HIDDEN


def is_hidden(text: str) -> bool:
    """Whether a shown figure is hidden ("<5" or "x")."""
    return text == HIDDEN or text.startswith("<")


def _open(line: list[Cell], hidden: list[list[bool]]) -> bool:
    """Whether a line still shows a cell."""
    return any(not hidden[i][j] for i, j in line)
