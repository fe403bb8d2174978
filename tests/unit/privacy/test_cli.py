"""The JSON-lines front end: one answer per line, errors reported without the text."""

from __future__ import annotations

import io
import json

from privacy.cli import run
from privacy.screen import Screener


def _run(screener: Screener, *lines: str) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = run(io.StringIO("\n".join(lines) + "\n"), out, screener)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_screens_each_line(screener: Screener) -> None:
    line = json.dumps(
        {
            "id": "m1",
            "text": "Mum Zofia is on 07700 900123",
            "author_name": "Priya Shah",
            "author_email": "priya.shah@northdown.gov.uk",
        }
    )
    code, out = _run(screener, line)
    assert code == 0
    assert out[0]["id"] == "m1"
    assert out[0]["redacted"] == "Mum [name] is on [phone]"
    assert out[0]["findings"] == [
        {"type": "name", "start": 4, "end": 9},
        {"type": "phone", "start": 16, "end": 28},
    ]


def test_malformed_lines_are_reported_and_skipped(screener: Screener) -> None:
    good = json.dumps({"id": 3, "text": "Thanks Tom", "author_name": "Priya Shah"})
    code, out = _run(
        screener,
        "{not json",
        json.dumps({"id": "m2", "text": 5, "author_name": "Priya Shah"}),
        json.dumps(["a list"]),
        good,
    )
    assert code == 1
    assert out[0] == {"id": None, "error": "not valid JSON"}
    assert out[1] == {"id": "m2", "error": "text must be a string"}
    assert out[2]["id"] is None and "error" in out[2]
    assert out[3] == {"id": 3, "redacted": "Thanks Tom", "findings": []}


def test_error_never_echoes_the_text(screener: Screener) -> None:
    line = json.dumps({"id": "x", "text": "Kayden Smith", "author_name": ""})
    _, out = _run(screener, line)
    assert "Kayden" not in json.dumps(out)
