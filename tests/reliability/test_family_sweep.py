"""The suite-wide leak search (tests/support/family.py, tests/conftest.py) itself finds leaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import text

from storage.db import create_engine
from tests import conftest
from tests.support.family import FAMILY, hits, stored_text


def test_every_form_of_every_detail_is_found() -> None:
    for kind, forms in FAMILY.items():
        for form in forms:
            assert hits(f"... {form.upper()} ...") == [kind], form


def test_random_strings_are_not_taken_for_a_detail_but_a_detail_beside_one_is() -> None:
    sealed = "v1:k1:Qk3xKEMIx9AbcdEfghIjklMnopQrstUvwxYz0123"  # ciphertext that spells "kemi"
    assert hits(f"ehm_sealed={sealed}") == []
    assert hits("id 9f3kemiq2") == []  # inside a longer run of letters and digits
    assert hits(f"oversight: Kemi {sealed}") == ["oversight"]
    assert hits("EHM7304518") == ["EHM number"]


def test_nothing_in_the_councils_own_words_is_taken_for_a_family_detail() -> None:
    profile = Path(__file__).resolve().parents[2] / "profiles" / "demo.yaml"
    assert hits(profile.read_text()) == []


@pytest.mark.allows_family_details
async def test_a_detail_stored_in_clear_is_found_in_either_database(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE leak (note TEXT)"))
            await conn.execute(text("INSERT INTO leak VALUES ('seen at Larch Grove')"))
    finally:
        await engine.dispose()
    assert hits(await stored_text(database_url)) == ["address"]


def _report(
    sections: list[tuple[str, str]], when: Literal["call", "teardown"] = "call"
) -> pytest.TestReport:
    return pytest.TestReport("t.py::t", ("t.py", 0, "t"), {}, "passed", None, when, sections)


class _Outcome:
    def __init__(self, report: pytest.TestReport) -> None:
        self._report = report

    def get_result(self) -> pytest.TestReport:
        return self._report


def _judge(report: pytest.TestReport, item: Any) -> pytest.TestReport:
    steps = conftest.pytest_runtest_makereport(item, None)  # type: ignore[arg-type]
    next(steps)
    with pytest.raises(StopIteration):
        steps.send(_Outcome(report))
    return report


def test_a_log_line_with_a_detail_fails_the_test_it_was_captured_in(
    request: pytest.FixtureRequest,
) -> None:
    leaked = _judge(_report([("Captured log call", "INFO x: child Kayden")]), request.node)
    assert leaked.outcome == "failed"
    assert "child's first name" in str(leaked.longrepr)
    earlier = _judge(
        _report([("Captured log call", "INFO x: child Kayden")], when="teardown"), request.node
    )
    assert earlier.outcome == "passed"  # reported once, in its own phase
    clean = _judge(_report([("Captured log call", "INFO x: SU-2026-0001 opened")]), request.node)
    assert clean.outcome == "passed"
