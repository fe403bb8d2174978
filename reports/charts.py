"""The report's charts as PNG bytes: weekly volumes, time to acknowledge, outcomes (Agg backend).

Bars follow the same suppression as the tables: a hidden small count is a thin hatched strip on
the axis labelled "<5" (never a bar as tall as the threshold, which would read as real volume),
and a figure hidden to protect it ("x") has no bar at all. A period with no requests draws no
bars: the chart says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reports.figures import OUTCOMES, QuarterlyReport
from reports.suppress import HIDDEN, Disclosure
from reports.tables import OUTCOME_LABELS

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
_TITLES: tuple[tuple[str, str], ...] = (
    ("weekly_volumes", "Requests posted each week (week starting Monday)"),
    ("ack_distribution", "Time to acknowledge, in working hours"),
    ("outcomes", "Outcomes of the requests posted in the period"),
)
_BAR = "#1f5f8b"
_HATCHED = "#9aa7b1"


@dataclass(frozen=True)
class Chart:
    """One chart: a file name, a title, the PNG and a text alternative."""

    name: str
    title: str
    png: bytes
    alt: str


EMPTY_PERIOD = "No requests were posted in this period."
# The height of a suppressed cell's strip, as a share of the axis: visible, never a volume.
_STRIP = 0.03


def report_charts(report: QuarterlyReport, disclosure: Disclosure) -> list[Chart]:
    """Every chart of the report."""
    if report.total == 0:
        return [_empty(name, title) for name, title in _TITLES]
    weeks = [f"{m.day} {m.strftime('%b')}" for m, _ in report.weekly]
    outcome_labels = [OUTCOME_LABELS[k].split(" (")[0] for k in OUTCOMES]
    return [
        _chart(
            *_TITLES[0],
            weeks,
            disclosure.line([n for _, n in report.weekly])[:-1],
            [n for _, n in report.weekly],
            disclosure,
        ),
        _chart(
            *_TITLES[1],
            [label for label, _ in report.ack_distribution],
            disclosure.line([n for _, n in report.ack_distribution])[:-1],
            [n for _, n in report.ack_distribution],
            disclosure,
        ),
        _chart(
            *_TITLES[2],
            outcome_labels,
            disclosure.line([report.outcomes[k] for k in OUTCOMES])[:-1],
            [report.outcomes[k] for k in OUTCOMES],
            disclosure,
        ),
    ]


def _chart(
    name: str,
    title: str,
    labels: list[str],
    shown: list[str],
    values: list[int],
    disclosure: Disclosure,
) -> Chart:
    figure, ax = _figure()
    _bars(ax, labels, shown, values)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel("Requests")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7 if len(labels) > 8 else 9, rotation=45)
    if any(t != str(v) for t, v in zip(shown, values, strict=True)):
        legend = (
            f"Hatched strip: under {disclosure.threshold}, not shown exactly and not drawn to "
            "scale. x: hidden."
        )
        figure.text(0.01, 0.01, legend, fontsize=7, color="#555555")
    alt = f"{title}: " + "; ".join(f"{lab} {text}" for lab, text in zip(labels, shown, strict=True))
    return Chart(name, title, _png(figure), alt)


def _empty(name: str, title: str) -> Chart:
    figure, ax = _figure()
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.text(0.5, 0.5, EMPTY_PERIOD, ha="center", va="center", fontsize=12, color="#333333")
    return Chart(name, title, _png(figure), f"{title}: {EMPTY_PERIOD}")


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class Bar:
    """How one figure is drawn: an exact bar, a suppressed strip, or nothing (hidden)."""

    kind: str  # "exact" | "suppressed" | "hidden"
    height: float
    label: str


def bar_layout(shown: list[str], values: list[int]) -> tuple[float, list[Bar]]:
    """The axis top and each figure's bar; heights come from exact figures only."""
    exact = [v for v, s in zip(values, shown, strict=True) if s == str(v)]
    # A suppressed cell says nothing about its height, so it neither sets the scale nor
    # stands as tall as the threshold: it is a strip on the axis, labelled.
    top = max([*exact, 1]) * 1.15
    bars = []
    for text, value in zip(shown, values, strict=True):
        if text == str(value):
            bars.append(Bar("exact", float(value), text))
        elif text == HIDDEN:
            bars.append(Bar("hidden", 0.0, text))
        else:
            bars.append(Bar("suppressed", top * _STRIP, text))
    return top, bars


def _bars(ax: Axes, labels: list[str], shown: list[str], values: list[int]) -> None:
    positions = list(range(len(labels)))
    top, bars = bar_layout(shown, values)
    for x, bar in zip(positions, bars, strict=True):
        if bar.kind == "exact":
            ax.bar(x, bar.height, color=_BAR)
        elif bar.kind == "suppressed":
            ax.bar(x, bar.height, color="white", edgecolor=_HATCHED, hatch="//")
        size = 10 if bar.kind == "hidden" else 8
        ax.annotate(bar.label, (x, bar.height), ha="center", va="bottom", fontsize=size)
    ax.set_xticks(positions, labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)  # a hidden figure keeps its place on the axis
    ax.set_ylim(0, top)
    if all(bar.kind != "exact" for bar in bars):
        ax.set_yticks([])  # no exact figure: a numbered axis would invite reading heights
