"""Dev-time tool that regenerates the shipped word lists; never imported at run time."""

# Run once, offline afterwards, with the generators in a throw-away target directory:
#   pip install --target /tmp/gen faker==40.54.0 names==0.3.0
#   apt-get install wbritish wamerican  # /usr/share/dict/*-english (SCOWL)
#   PYTHONPATH=/tmp/gen python privacy/data/build_lexicon.py
# Sources: Faker's person providers (MIT), the 1990 US census name lists shipped by
# `names` (public domain), SCOWL british-english (permissive), plus curated.txt beside this
# file. The output is three sorted lower-case lists so the screen needs no dependency.

from __future__ import annotations

import importlib
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
DICTS = (Path("/usr/share/dict/british-english"), Path("/usr/share/dict/american-english"))
LOCALES = (
    "en_GB en_IE ga_IE en_US en_IN hi_IN en_PK bn_BD en_NG yo_NG ig_NG ha_NG tw_GH en_KE sw "
    "zu_ZA pl_PL ro_RO uk_UA lt_LT lv_LV pt_PT tr_TR ar_AA fa_IR zh_CN cs_CZ sk_SK hu_HU "
    "bg_BG hr_HR sq_AL it_IT es_ES fr_FR de_DE"
).split()
CENSUS_SURNAMES = 30000  # the rarer census surnames are mostly noise for a UK council


def fold(name: str) -> str:
    """Strip diacritics so 'Łukasz' also matches the typed 'Lukasz'."""
    name = name.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def faker_names() -> tuple[set[str], set[str]]:
    """Latin-script first names, and last names, of the chosen Faker locales."""
    given: set[str] = set()
    family: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        for attr in dir(provider):
            if ("first_name" in attr or "last_name" in attr or "romanized" in attr) and not (
                attr.endswith("formats") or callable(getattr(provider, attr))
            ):
                values = getattr(provider, attr)
                into = given if "first" in attr else family
                into.update(values.keys() if isinstance(values, dict) else values)
    return given, family


def census_names() -> tuple[set[str], set[str]]:
    """US census given names, and the commoner surnames."""
    import names

    base = Path(names.__file__).parent
    given: set[str] = set()
    for fname in ("dist.male.first", "dist.female.first"):
        given.update(line.split()[0] for line in (base / fname).read_text().splitlines())
    lines = (base / "dist.all.last").read_text().splitlines()[:CENSUS_SURNAMES]
    return given, {line.split()[0] for line in lines}


def curated() -> tuple[set[str], set[str]]:
    """Names from curated.txt; lines under '# word-names' are always treated as words too."""
    names_: set[str] = set()
    wordish: set[str] = set()
    section = ""
    for line in (HERE / "curated.txt").read_text().splitlines():
        if line.startswith("#"):
            section = line
            continue
        for token in line.split():
            names_.add(token)
            if "word-names" in section:
                wordish.add(token.lower())
    return names_, wordish


def clean(raw: set[str]) -> set[str]:
    """Lower-case Latin-script spellings, with and without diacritics."""
    out: set[str] = set()
    for name in raw:
        for variant in {name, fold(name)}:
            v = variant.strip().lower()
            letters = v.replace("-", "").replace("'", "")
            if len(v) >= 2 and letters.isalpha() and all(ord(c) < 0x250 for c in v):
                out.add(v)
    return out


def main() -> int:
    """Write names_strong.txt, names_weak.txt, given_names.txt and english_words.txt."""
    entries = [w.strip() for d in DICTS for w in d.read_text(encoding="utf-8").splitlines()]
    entries = [w for w in entries if not w.endswith("'s")]
    words = {w.lower() for w in entries if w[:1].islower()}
    words |= set((HERE / "extra_words.txt").read_text().split())
    cur, wordish = curated()
    fg, ff = faker_names()
    cg, cf = census_names()
    given = clean(fg | cg | cur)
    lexicon = given | clean(ff | cf)
    # Capitalised dictionary entries that are no given name are places, days, nations,
    # brands or famous surnames: London, Friday, Polish, Jones. They need context too.
    proper = {w.lower() for w in entries if w[:1].isupper()} - given
    words |= proper - lexicon
    weak = {n for n in lexicon if n in words or n in proper} | wordish
    strong = lexicon - weak
    (HERE / "names_strong.txt").write_text("\n".join(sorted(strong)) + "\n")
    (HERE / "names_weak.txt").write_text("\n".join(sorted(weak)) + "\n")
    (HERE / "english_words.txt").write_text("\n".join(sorted(words)) + "\n")
    (HERE / "given_names.txt").write_text("\n".join(sorted(given)) + "\n")
    print(f"strong={len(strong)} weak={len(weak)} words={len(words)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
