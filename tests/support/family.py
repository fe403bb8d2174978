"""The fictional family details tests type into the bot; none may be stored or logged in clear.

After every test on the `database_url` fixture the database is searched for each of them
(everything but values in the sealed `v1:` shape, which are ciphertext by construction), and
every test's captured log and output is searched likewise (tests/conftest.py). A hit is a leak.
All invented; phone numbers come from Ofcom's ranges for drama.
"""

from __future__ import annotations

import re

import asyncpg
from sqlalchemy.engine import make_url

from tests.support.databases import sqlite_bytes


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


# Each detail in every form it could be stored in: as typed, normalised, digits only.
FAMILY: dict[str, tuple[str, ...]] = {
    "child's first name": ("Jayden", "Kayden"),
    "child's surname": ("Okonkwo", "Whitfield"),
    "date of birth": (
        "12/03/2019",
        "2019-03-12",
        "12 March 2019",
        "03/04/2016",
        "2016-04-03",
        "01/02/2015",
        "2015-02-01",
    ),
    "address": ("Tanner's Mill", "Tanner\\u0027s Mill", "Mill Lane", "Larch Grove", "Fake Street"),
    "postcode": ("NG7 2QX", "NG72QX", "NX4 7TB", "NX47TB", "NX1 2AB", "NX12AB"),
    "mother's phone": ("07700 900123", _digits("07700 900123"), "+447700900123"),
    "NHS number": ("943 476 5919", _digits("943 476 5919")),
    "school": ("Aldhelm",),
    "EHM number": ("EHM 7304518", "7304518", "4471023"),
    "oversight": ("Kemi", "Adeyemi"),
    "contact phone": (
        "0113 496 0577",
        _digits("0113 496 0577"),
        "+441134960577",
        "496 0577",
        "0113 496 0871",
        _digits("0113 496 0871"),
    ),
}


def _pattern(form: str) -> str:
    # A form must not continue a longer run of its own class: a short name such as "Kemi" also
    # turns up inside random strings (ciphertext, ids) now and then, a false leak that failed a
    # test at random; "Kemi," or "EHM7304518" in clear still match.
    before = r"(?<![a-z])" if form[0].isalpha() else r"(?<![0-9])" if form[0].isdigit() else ""
    after = r"(?![a-z])" if form[-1].isalpha() else r"(?![0-9])" if form[-1].isdigit() else ""
    return before + re.escape(form.lower()) + after


_SEARCHES = {
    kind: re.compile("|".join(_pattern(f) for f in forms)) for kind, forms in FAMILY.items()
}


# A sealed value (storage/crypto.py): random base64url, where short forms turn up by chance.
_SEALED = re.compile(r"v1:[a-z0-9_-]{1,32}:[a-z0-9_-]{24,}=*")


def hits(haystack: str) -> list[str]:
    """The kinds of family detail found in a text (case-insensitive), never the values.

    Sealed values are left out of the search: they are ciphertext by construction, and a
    plaintext leak into a sealed column would not have their shape, so it is still searched.
    """
    lowered = _SEALED.sub(" ", haystack.lower())
    return sorted(kind for kind, search in _SEARCHES.items() if search.search(lowered))


async def stored_text(database_url: str) -> str:
    """Everything a database holds, as text: the SQLite file and its WAL, or every PG row."""
    if database_url.startswith("sqlite"):
        try:
            return sqlite_bytes(database_url).decode("utf-8", errors="ignore")
        except FileNotFoundError:
            return ""  # the test never opened it
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'"
        )
        rows = [await conn.fetch(f"SELECT t::text AS row FROM {t['name']} t") for t in tables]
    finally:
        await conn.close()
    return "\n".join(r["row"] for table in rows for r in table)
