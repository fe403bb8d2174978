"""The report's files: PNG charts that render, and an HTML page that opens in headless Chromium."""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from reports.charts import HEIGHT_PX, WIDTH_PX
from reports.figures import QuarterlyReport
from reports.periods import Period
from reports.quarterly import build_report
from reports.suppress import Disclosure
from reports.writer import Written, write_report
from storage.db import create_engine
from tests.reports.generate import AS_OF, PROFILE, QUARTER_FIRST, QUARTER_LAST, generate
from tests.reports.seed import write

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]


async def _report(url: str) -> QuarterlyReport:
    await write(url, generate())
    engine = create_engine(url)
    try:
        period = Period(QUARTER_FIRST, QUARTER_LAST, "Europe/London")
        return await build_report(engine, PROFILE, period, AS_OF)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Written]:
    """Both variants of the generated quarter's report, written once for this module."""
    folder = tmp_path_factory.mktemp("report")
    report = asyncio.run(_report(f"sqlite:///{folder / 'reports.db'}"))
    out = folder / "out"
    return {
        "shareable": write_report(out, report, Disclosure(shareable=True), PROFILE.council),
        "private": write_report(out, report, Disclosure(shareable=False), PROFILE.council),
    }


def test_each_variant_writes_a_csv_an_html_page_and_three_charts(
    written: dict[str, Written],
) -> None:
    for variant, files in written.items():
        assert files.csv.name == f"stepup-report-2026-07-01_2026-09-30-{variant}.csv"
        assert files.html.exists() and files.csv.stat().st_size > 1000
        assert [p.name for p in files.charts] == [
            "weekly_volumes.png",
            "ack_distribution.png",
            "outcomes.png",
        ]


def test_the_charts_are_pngs_of_the_stated_size_and_not_blank(written: dict[str, Written]) -> None:
    for files in written.values():
        for path in files.charts:
            with Image.open(path) as image:
                assert image.format == "PNG"
                assert image.size == (WIDTH_PX, HEIGHT_PX)
                grey = image.convert("L")
                stat = ImageStat.Stat(grey)
                assert stat.stddev[0] > 10, path.name  # something is drawn
                dark = sum(grey.histogram()[:128])
                assert dark > 0.005 * WIDTH_PX * HEIGHT_PX, path.name  # bars and text, not noise


async def _dump_dom(page: Path, profile_dir: Path) -> tuple[int, str, str]:
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile_dir}",
        "--dump-dom",
        page.as_uri(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode(errors="replace")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium): the HTML page was not opened",
)
async def test_the_html_page_opens_in_headless_chromium_without_errors(
    written: dict[str, Written], tmp_path: Path
) -> None:
    for variant, files in written.items():
        code, dom, log = await _dump_dom(files.html, tmp_path / f"chrome-{variant}")
        assert code == 0, log[-2000:]
        console = [line for line in log.splitlines() if ":CONSOLE" in line]
        assert console == [], console  # no CSP violation, no failed load, no script
        assert dom.count("<table>") == 8
        for section in ("requests", "timeliness", "escalations", "disputes", "rereferrals"):
            assert f'<section id="{section}">' in dom
        images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', dom)
        assert len(images) == 3
        for data, path in zip(images, files.charts, strict=True):
            assert base64.b64decode(data) == path.read_bytes()
        shown = unescape(re.sub(r"<[^>]+>", " ", dom))
        assert "Requests by service and urgency" in shown
        if variant == "shareable":
            assert "<5" in shown and "Counts under 5 (0 to 4) are shown as <5" in shown
            assert "Exact counts" not in shown
        else:
            assert "Exact counts: for the service managers only." in shown
            assert not re.search(r"(?<![\w.])<5(?![\w.])", shown)
