"""The word lists ship with the notices their sources require (privacy/data/NOTICE)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "privacy" / "data"


def test_every_source_the_build_script_reads_has_its_notice() -> None:
    notice = (DATA / "NOTICE").read_text(encoding="utf-8")
    script = (DATA / "build_lexicon.py").read_text(encoding="utf-8")
    sources = {
        "faker": "Copyright (c) 2012 Daniele Faraglia",  # MIT: the notice must be included
        "names": "1990 United States Census",
        "british-english": "Copyright 2000-2011 by Kevin Atkinson",  # SCOWL's permission notice
    }
    for used, required in sources.items():
        assert used in script, f"build_lexicon.py no longer reads {used}: update the NOTICE"
        assert required in notice, f"NOTICE lacks {required!r}"
    assert "Permission is hereby granted" in notice and "J Ross Beresford" in notice
