"""The report's charts as PNG bytes: weekly volumes, time to acknowledge, outcomes (Agg backend).

Bars follow the same suppression as the tables: a hidden small count is a hatched bar up to the
threshold labelled "<5", and a figure hidden to protect it ("x") has no bar at all.
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
_BAR = "#1f5f8b"
_HATCHED = "#9aa7b1"


@dataclass(frozen=True)
class Chart:
    """One chart: a file name, a title, the PNG and a text alternative."""

    name: str
    title: str
    png: bytes
    alt: str


def report_charts(report: QuarterlyReport, disclosure: Disclosure) -> list[Chart]:
    """Every chart of the report."""
    weeks = [f"{m.day} {m.strftime('%b')}" for m, _ in report.weekly]
    outcome_labels = [OUTCOME_LABELS[k].split(" (")[0] for k in OUTCOMES]
    return [
        _chart(
            "weekly_volumes",
            "Requests posted each week (week starting Monday)",
            weeks,
            disclosure.line([n for _, n in report.weekly])[:-1],
            [n for _, n in report.weekly],
            disclosure,
        ),
        _chart(
            "ack_distribution",
            "Time to acknowledge, in working hours",
            [label for label, _ in report.ack_distribution],
            disclosure.line([n for _, n in report.ack_distribution])[:-1],
            [n for _, n in report.ack_distribution],
            disclosure,
        ),
        _chart(
            "outcomes",
            "Outcomes of the requests posted in the period",
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
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    _bars(ax, labels, shown, values, disclosure.threshold)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel("Requests")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7 if len(labels) > 8 else 9, rotation=45)
    if any(t != str(v) for t, v in zip(shown, values, strict=True)):
        legend = f"Hatched: under {disclosure.threshold}, not shown exactly. x: hidden."
        figure.text(0.01, 0.01, legend, fontsize=7, color="#555555")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    alt = f"{title}: " + "; ".join(f"{lab} {text}" for lab, text in zip(labels, shown, strict=True))
    return Chart(name, title, buffer.getvalue(), alt)


def _bars(ax: Axes, labels: list[str], shown: list[str], values: list[int], threshold: int) -> None:
    positions = list(range(len(labels)))
    top = max([v for v, s in zip(values, shown, strict=True) if s == str(v)] + [threshold, 1])
    for x, text, value in zip(positions, shown, values, strict=True):
        if text == str(value):
            ax.bar(x, value, color=_BAR)
            ax.annotate(text, (x, value), ha="center", va="bottom", fontsize=8)
        elif text == HIDDEN:
            ax.annotate(text, (x, 0), ha="center", va="bottom", fontsize=10)
        else:
            ax.bar(x, threshold, color="white", edgecolor=_HATCHED, hatch="//")
            ax.annotate(text, (x, threshold), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions, labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)  # a hidden figure keeps its place on the axis
    ax.set_ylim(0, top * 1.15)
