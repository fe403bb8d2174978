"""A period with no requests says so; a suppressed count is drawn as suppressed, never as 5.

The pictures are read back as pixels: the hatch colour of a suppressed cell must stay in a thin
strip on the axis, and an empty period's charts hold no bar at all.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from cards.report_card import report_card
from reports.charts import _HATCHED, EMPTY_PERIOD, Chart, _chart, bar_layout, report_charts
from reports.figures import QuarterlyReport
from reports.periods import Period
from reports.quarterly import build_report
from reports.suppress import Disclosure
from reports.writer import write_report
from storage.db import create_engine
from tests.reports.generate import AS_OF, PROFILE, QUARTER_FIRST, QUARTER_LAST, Generated
from tests.reports.seed import write


async def _empty_report(database_url: str) -> QuarterlyReport:
    await write(database_url, Generated(truths=[], consultations={}))
    engine = create_engine(database_url)
    try:
        period = Period(QUARTER_FIRST, QUARTER_LAST, "Europe/London")
        return await build_report(engine, PROFILE, period, AS_OF)
    finally:
        await engine.dispose()


def _hatch_rows(chart: Chart) -> list[int]:
    """Pixel rows (from the top) where the suppressed cells' hatch colour is drawn.

    Only the exact colour counts, on several pixels of a row: anti-aliased text passes through
    greys close to it one pixel at a time, a hatch line does not.
    """
    target = tuple(int(_HATCHED[i : i + 2], 16) for i in (1, 3, 5))
    with Image.open(io.BytesIO(chart.png)) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        pixels = rgb.load()
        assert pixels is not None
        return [y for y in range(height) if sum(pixels[x, y] == target for x in range(width)) >= 4]


def test_a_suppressed_count_is_a_strip_whatever_the_exact_figures_beside_it() -> None:
    top, bars = bar_layout(["<5", "40", "<5", "x"], [0, 40, 4, 9])
    assert [b.kind for b in bars] == ["suppressed", "exact", "suppressed", "hidden"]
    assert bars[1].height == 40 and top > 40
    assert bars[0].height == bars[2].height < 0.05 * top  # 0 and 4 look the same, and small
    assert bars[0].height < 5 and bars[3].height == 0


def test_all_suppressed_has_no_scale_taken_from_the_threshold() -> None:
    top, bars = bar_layout(["<5", "<5", "<5"], [1, 0, 3])
    assert all(b.kind == "suppressed" for b in bars)
    assert top < 5  # the axis is not drawn up to the threshold, as if each were 5
    assert all(b.height < 0.05 * top for b in bars)


async def test_an_empty_period_says_so_and_draws_no_bars(database_url: str, tmp_path: Path) -> None:
    report = await _empty_report(database_url)
    assert report.total == 0
    charts = report_charts(report, Disclosure(shareable=True))
    assert [c.name for c in charts] == ["weekly_volumes", "ack_distribution", "outcomes"]
    for chart in charts:
        assert chart.alt.endswith(EMPTY_PERIOD)
        assert _hatch_rows(chart) == []  # before: a full-height "<5" bar in every column
    files = write_report(tmp_path, report, Disclosure(shareable=True), PROFILE.council)
    assert EMPTY_PERIOD in files.html.read_text(encoding="utf-8")
    card = report_card(report, council=PROFILE.council)
    shown = [block.get("text", "") for block in card["body"]]
    assert EMPTY_PERIOD in shown and not any("<5" in t for t in shown)


def test_suppressed_weeks_beside_a_real_one_are_drawn_as_a_thin_strip() -> None:
    # Twelve weeks under 5 beside one of 6: before, each "<5" was a hatched bar as tall as 5,
    # most of the 6's height, reading as steady volume.
    chart = _chart(
        "weekly_volumes",
        "Requests posted each week",
        [f"w{i}" for i in range(13)],
        ["<5"] * 12 + ["6"],
        [2] * 12 + [6],
        Disclosure(shareable=True),
    )
    rows = _hatch_rows(chart)
    assert rows, "the suppressed weeks are drawn"
    with Image.open(io.BytesIO(chart.png)) as image:
        height = image.size[1]
    assert max(rows) - min(rows) < 0.06 * height
