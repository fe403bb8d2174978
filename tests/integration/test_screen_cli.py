"""`python app.py screen`: an administrator tests the screen on text before trusting it."""

from __future__ import annotations

import json
import subprocess
import sys

from settings import ROOT


def test_the_screen_command_redacts_each_line_and_reports_bad_ones() -> None:
    lines = [
        {
            "id": "a",
            "text": "Step up for Kayden Smith DOB 03/04/2016 please",
            "author_name": "Priya Shah",
            "author_email": "priya.shah@northdown.gov.uk",
        },
        {
            "id": "b",
            "text": "Priya Shah, FC Manager, 01632 960101",
            "author_name": "Priya Shah",
            "author_email": "priya.shah@northdown.gov.uk",
        },
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n{broken\n"
    result = subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, str(ROOT / "app.py"), "screen"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1  # one malformed line
    assert out[0]["redacted"] == "Step up for [name] [date of birth] please"
    assert [f["type"] for f in out[0]["findings"]] == ["name", "date_of_birth"]
    assert out[1] == {"id": "b", "redacted": lines[1]["text"], "findings": []}
    assert out[2] == {"id": None, "error": "not valid JSON"}
    assert "Kayden" not in result.stderr
