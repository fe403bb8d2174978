"""JSON-lines front end of the screen, for `python app.py screen` and batch checks."""

from __future__ import annotations

import json
from typing import Any, TextIO

from privacy.model import Author
from privacy.screen import Screener


def _fields(line: str) -> tuple[Any, str, Author]:
    """Parse one request line; raises ValueError with a short reason, never the text."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError("not valid JSON") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    ident = obj.get("id")
    text, name, email = obj.get("text"), obj.get("author_name"), obj.get("author_email")
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("author_name must be a non-empty string")
    if email is not None and not isinstance(email, str):
        raise ValueError("author_email must be a string or null")
    return ident, text, Author(name, email)


def run(stdin: TextIO, stdout: TextIO, screener: Screener) -> int:
    """Screen each JSON line; report malformed lines and carry on. Exit 1 if any was bad."""
    status = 0
    for line in stdin:
        if not line.strip():
            continue
        try:
            ident, text, author = _fields(line)
        except ValueError as exc:
            status = 1
            stdout.write(json.dumps({"id": _id_of(line), "error": str(exc)}) + "\n")
            continue
        result = screener.screen(text, author)
        findings = [{"type": f.type.value, "start": f.start, "end": f.end} for f in result.findings]
        out = {"id": ident, "redacted": result.redacted, "findings": findings}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return status


def _id_of(line: str) -> Any:
    """The id of a malformed line when it can still be read, else None."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    ident = obj.get("id") if isinstance(obj, dict) else None
    return ident if isinstance(ident, str | int) else None
