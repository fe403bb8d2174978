"""Write a period report to a folder: CSV, PNG charts and an HTML page that embeds them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.charts import report_charts
from reports.csv_out import report_csv
from reports.figures import QuarterlyReport
from reports.html_page import report_html
from reports.suppress import Disclosure


@dataclass(frozen=True)
class Written:
    """The files of one report variant."""

    csv: Path
    html: Path
    charts: list[Path]


def write_report(
    out_dir: Path, report: QuarterlyReport, disclosure: Disclosure, council: str
) -> Written:
    """Write one variant (shareable or private); the HTML page stands alone (base64 images)."""
    variant = "shareable" if disclosure.shareable else "private"
    stem = f"stepup-report-{report.period.slug}-{variant}"
    chart_dir = out_dir / f"{stem}-charts"
    chart_dir.mkdir(parents=True, exist_ok=True)
    charts = report_charts(report, disclosure)
    chart_files = []
    for chart in charts:
        path = chart_dir / f"{chart.name}.png"
        path.write_bytes(chart.png)
        chart_files.append(path)
    csv_path = out_dir / f"{stem}.csv"
    csv_path.write_text(report_csv(report, disclosure, council), encoding="utf-8", newline="")
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(report_html(report, disclosure, council, charts), encoding="utf-8")
    return Written(csv_path, html_path, chart_files)
