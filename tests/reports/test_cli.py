"""`python app.py report --from ... --to ... [--out DIR] [--private]` through `reports.cli.main`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reports.cli import main
from tests.reports.generate import generate
from tests.reports.seed import write


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    asyncio.run(write(url, generate()))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STEPUP_MODE", "local")
    return url


def test_the_report_command_writes_the_shareable_files_by_default(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    stem = out / "stepup-report-2026-07-01_2026-09-30-shareable"
    assert printed[:2] == [f"{stem}.csv", f"{stem}.html"] and len(printed) == 5
    assert all(Path(p).stat().st_size > 0 for p in printed)
    assert "shareable (counts under 5 hidden)" in Path(printed[0]).read_text()
    assert main(["--from", "2026-07-01", "--to", "2026-09-30", "--out", str(out), "--private"]) == 0
    private = out / "stepup-report-2026-07-01_2026-09-30-private.csv"
    assert "exact counts" in private.read_text()


def test_bad_arguments_and_an_unmigrated_database_exit_2_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--from", "2026-07-01"]) == 2
    assert main(["--from", "1 July", "--to", "2026-09-30"]) == 2
    assert "is not a date like 2026-07-01" in capsys.readouterr().err
    assert main(["--from", "2026-09-30", "--to", "2026-07-01"]) == 2
    assert "--to is before --from" in capsys.readouterr().err
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", empty)
    monkeypatch.setenv("STEPUP_MODE", "local")
    assert main(["--from", "2026-07-01", "--to", "2026-09-30", "--out", str(tmp_path)]) == 2
    assert "python app.py migrate" in capsys.readouterr().err
    assert main(["--help"]) == 0
