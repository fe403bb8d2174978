"""The name recogniser: lexicon, capitalisation and family-context cues, token by token."""

from __future__ import annotations

import re
from collections.abc import Callable

from privacy import lexicon as lx
from privacy.tokens import (
    Spans,
    Tok,
    digit_before,
    initial_after,
    initial_pair,
    merge,
    sentence_start,
    tokenize,
)

_REL = "|".join(sorted(lx.RELATIONS, key=len, reverse=True))
_WORD_AGES = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen"
)
# After a name: possessive with a relation, an age in brackets, "is 7", ", 7,".
AFTER_CUE = re.compile(
    rf"(?:['’]s\s+(?:(?:{_REL}|school|nursery|behaviour|needs|attendance|nhs|dob|d\.o\.b|ni|"
    r"mobile|phone|number|email|address|class|teacher|health|bedroom|room|weight|name|"
    r"birthday|injuries|injury|bruis\w*|disclosure|presentation|sw|gp|hv|absences?|snap(?:chat)?|"
    r"insta(?:gram)?|tiktok|discord|facebook|fb|mob|car|landline)\b|"
    r"(?:half|step|older|younger|little|big|baby|new|little)\b)"
    r"|\s*\(\s*(?!0\d{3}|\+)\d|\s*,\s*\d{1,2}\s*(?:,|\)|and|yrs?\b|years?\b|y/?o\b|-|\.(?!\d)|$)"
    r"|\s+(?:is|was|aged?|turned|turns)\s+\d{1,2}\b(?!\s*(?:am|pm|:|\.\d|/|th|st|nd|rd))"
    r"|\s+\d{1,2}\s*(?:yrs?|yo|y/o|years|months)\b|\s*\((?:aged?|dob|d\.o\.b)"
    r"|,?\s+(?:is\s+)?the\s+(?:eldest|youngest|oldest|middle|baby)\b"
    r"|\s+(?:fam|family|household|siblings|kids|children)\b"
    r"|\s+(?:and|&)\s+(?:siblings?|brothers?|sisters?|twins?|half-siblings?)\b"
    r"|\s*\(\s*[A-Z][\w'’-]+,\s*\d{1,2}\s*\)"
    r"|\s*[,:(]?\s*(?:dob|d\.o\.b|born)\b|\s+\d{1,2}\s+and\b|\s*\(\s*(?:y|yr|year)\s?\d{1,2}\s*\)"
    # A child's entry in a list: "• Kai – 5, Elm Primary", "Kai – 7 m/o", "Kai (seven)".
    r"|\s+[–-]\s+(?:\d{1,2}\s*(?:yrs?|yo|y/o|years?(?:\s+old)?|months?|mo|m/o)?|newborn|"
    rf"{_WORD_AGES})(?=\s*(?:[,;)\n]|$))"
    rf"|\s*\(\s*(?:{_WORD_AGES}|newborn)\s*\))",
    re.IGNORECASE,
)
# Words that introduce a family by its name: "fam: Lomax", "family Haworth", "surname Osei".
NAMING = frozenset(("name", "fam", "family", "surname"))
NOT_INITIAL_BEFORE = frozenset(
    """plan option part section appendix grade type category block step tier vitamin class
    level group room unit table item point hep hepatitis stage phase form key team site wing
    ward gate exhibit schedule annex annexe figure page list route model column row area
    zone box version scenario""".split()
)
_CONT = re.compile(r"[&/\d]|[-'’](?!s\b)\w|\.\w")
# Case-work nouns after a surname name the family: "the Holt consult", "Nowak home visit".
CASE_AFTER = re.compile(
    r"\s+(?:fam|family|household|siblings|kids|children|consult|consultation|TAF|home visit|"
    r"review|case|sign-off|referral|panel|strat|details)\b",
    re.IGNORECASE,
)
# A bare number after a given name is an age ("Phoebe 12 self-harm", "summer 11 mason 8"),
# not a time, date, measure or list position.
BARE_AGE_AFTER = re.compile(
    r"[ \t]+(?:1[0-9]|[1-9])(?!\d|[:/.,-]\d|\s*(?:am|pm|%|th|st|nd|rd|x\b|times|mins?|hours?|"
    r"hrs|days|weeks|wks|miles|o'?clock|/|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))",
    re.IGNORECASE,
)
# A field label just before a lone Y or N: the letter is the answer, not a child's initial.
FIELD_ANSWER = re.compile(r"(?:^|\n|\s\s|[|,;]|[.!?]\s)\s*[A-Za-z][\w /-]{1,24}:\s*$")
PLURAL_ACRONYM = re.compile(r"[A-Z]{2,5}s")
# An organisation, not a person: "Fellside Perinatal", "the Ashby crisis team".
ORG_AFTER = re.compile(
    r"\s+(?:(?:crisis|duty|perinatal|outreach|mental health|early help|family support)\s+)?"
    r"(?:team|service|services|perinatal|clinic|surgery|practice|hub|centre|center|unit|ward|"
    r"trust|partnership|project|charity|foundation|hospital)\b",
    re.IGNORECASE,
)
# A list entry headed by a family's name: "1) Pyke – Tegan and brother", "- Pyke (Rowan, 6)".
LIST_MARK = re.compile(r"[ \t]*(?:\d{1,2}[).]|[-•*–])[ \t]*")
ENTRY_SEP = re.compile(r"[ \t]+[–-][ \t]+|[ \t]*\([ \t]*")
# "re Tegan – the HV has...", "re Rowan Pyke: ...": the subject of a post named after "re".
RE_SUBJECT_END = re.compile(r"(?:[ \t]+[A-Z][\w'’-]+)?[ \t]*[–:-][ \t]")
MONTHISH = re.compile(r"\s*\d|\s+(?:19|20)\d\d")
FAMILY_AFTER = re.compile(r"\s+family\b")  # matched in place: a slice to the end is O(n)
SEASON_AFTER = re.compile(r"\s+(?:holidays?|term|half|hols|break|camp|school|club)\b", re.I)


class NameFinder:
    """Finds family names; staff/author/vocabulary spans are excluded by the caller."""

    def __init__(
        self,
        staff_first: frozenset[str],
        acronyms: frozenset[str],
        staff_surnames: frozenset[str] = frozenset(),
    ) -> None:
        """Keep the lists once; staff first names are ambiguous with family names."""
        self.strong = lx.strong_names()
        self.weak = lx.weak_names()
        self.words = lx.english_words()
        self.given = lx.given_names()
        self.staff_first = staff_first
        self.staff = staff_first | staff_surnames
        self.acronyms = acronyms

    def find(
        self,
        text: str,
        blocked: list[tuple[int, int]],
        shared: frozenset[str] = frozenset(),
        professional: Callable[[int, int], bool] | None = None,
    ) -> list[tuple[int, int, float]]:
        """Name spans (start, end, confidence) outside the blocked spans.

        shared: more words that name staff (the author's surname) and so count as a family
        name only with a cue or next to another name.
        """
        index = Spans(blocked)
        toks = [t for t in tokenize(text) if not index.overlaps(t.start, t.end)]
        staff = self.staff | shared if shared else self.staff
        for i, tok in enumerate(toks):
            tok.name = self._score(text, toks, i, staff)
        self._spread(text, toks)
        self._repeat(text, toks, staff, professional)
        return merge(text, toks)

    def _repeat(
        self,
        text: str,
        toks: list[Tok],
        staff: frozenset[str],
        professional: Callable[[int, int], bool] | None,
    ) -> None:
        """A name found once in a message names the same person wherever it recurs there.

        "TK, 15, ... TK's little sister": the cue is met once. Colleagues' names, function
        words and @mentions are not carried; a name that is also a word ("rose", "will") is
        carried only in the same spelling and case it was found in.
        """
        found = {
            t.core
            for t in toks
            if t.name >= 0.8 and not (professional and professional(t.start, t.end))
        }
        if not found:
            return
        lows = {c.lower() for c in found}
        for tok in toks:
            if tok.name or tok.low not in lows or tok.low in staff:
                continue
            if tok.low in lx.FUNCTION_WORDS or tok.low in lx.NOT_NAMES or len(tok.core) < 2:
                continue
            if text[tok.start - 1 : tok.start] == "@":
                continue
            if tok.low in self.words and tok.core not in found:
                continue
            tok.name = 0.7

    def _cue(self, text: str, toks: list[Tok], i: int) -> str:
        """'before' for a relation or title just before token i, 'after' for an age etc."""
        tok = toks[i]
        if AFTER_CUE.match(text, tok.end):
            return "after"
        if i > 0:
            prev = toks[i - 1]
            gap = text[prev.end : tok.start]
            naming = prev.low in NAMING and (tok.core[0].isupper() or ":" in gap)
            cue_word = prev.low in lx.RELATIONS or prev.low in lx.TITLES or naming
            # "mum's old number", "dad's new car": after a possessive, a lower-case word is
            # the thing owned, not a name ("mum's Kerry" is rare; "mum Kerry" still counts).
            owned = prev.possessive and tok.core.islower() and tok.low in self.words
            if cue_word and not owned and re.fullmatch(r"[\s:,.('’s]*", gap):
                return "before"
            if (
                i > 1
                and prev.low in ("is", "are", "called", "named")
                and (toks[i - 2].low in lx.RELATIONS or toks[i - 2].low in NAMING)
            ):
                return "before"  # "child is River", "baby called Storm"
            subject = prev.low == "re" and gap == " " and tok.core[0].isupper()
            if subject and tok.low in self.given and RE_SUBJECT_END.match(text, tok.end):
                return "before"
            named = prev.low in ("called", "named", "aka") and re.fullmatch(r"\s+", gap)
            if named and (tok.core[0].isupper() or tok.low not in self.words):
                return "before"  # "partner called Storm", but not "called police"
            if prev.low == "the" and FAMILY_AFTER.match(text, tok.end) and tok.core[0].isupper():
                return "after"  # "the Nwosu family"
        if len(tok.core) > 1 and tok.core[0].isupper() and CASE_AFTER.match(text, tok.end):
            return "case"
        return ""

    def _score(self, text: str, toks: list[Tok], i: int, staff: frozenset[str]) -> float:
        """How sure we are that token i, on its own, is a family member's name."""
        tok = toks[i]
        low, core = tok.low, tok.core
        if low in lx.NOT_NAMES and core != "A" or low in self.acronyms and core.isupper():
            return 0.0
        if low in lx.FUNCTION_WORDS and len(core) > 1:
            return 0.0
        if PLURAL_ACRONYM.fullmatch(core):
            return 0.0  # "FCMs", "APs", "EHAs": a plural of capitals is a role or a form
        cue = self._cue(text, toks, i)
        if core[0].isupper() and not cue and ORG_AFTER.match(text, tok.end):
            return 0.0
        if ORG_AFTER.fullmatch(" " + low) and low not in self.weak and low not in self.strong:
            return 0.0  # the organisation word itself ("Westbury Perinatal")
        if i > 0 and toks[i - 1].low in ("st", "saint") and core[0].isupper():
            return 0.0  # "St Mary's" is a saint's name: a school or church, not a person
        if len(core) == 1:
            return self._initial(text, toks, i, cue)
        cap = core[0].isupper()
        upper = core.isupper()
        if (
            not cue
            and low in self.given
            and low not in staff
            and low not in lx.MONTHS
            and BARE_AGE_AFTER.match(text, tok.end)
        ):
            cue = "after"
        if (
            len(core) in (2, 3)
            and upper
            and cue
            and low not in self.acronyms
            and low not in lx.FIELD_ABBREVIATIONS
        ):
            return 0.8  # initials standing for a family member: "mum KL", "TK, 15,"
        if self._compound_given(low):
            return 0.85  # "ivy-grace", "Amelia-Rose": two given names joined, any case
        if low in staff:
            # A colleague's first name before "consult" is the colleague ("Tom consult
            # at 2"); their surname there is a family sharing it ("the Marsh consult").
            return 0.85 if cue and (cue != "case" or low not in self.staff_first) else 0.0
        opener = sentence_start(text, tok.start)
        if low in self.weak or low in lx.GIVEN_WORD_NAMES:
            if cue == "case":
                return 0.8 if not self._wordish(text, toks, i) else 0.0
            if cue == "before" or cue and (cap or low in lx.GIVEN_WORD_NAMES or low in self.given):
                return 0.85
            if not cap or upper:
                return 0.0
            if not opener and low in lx.GIVEN_WORD_NAMES:
                return 0.0 if self._wordish(text, toks, i) else 0.75
            proper = low in self.given or low not in self.words
            return 0.7 if opener and proper and self._verb_follows(toks, i) else 0.0
        if low in self.strong:
            if upper and (len(core) < 3 or not cue and self._in_caps_run(toks, i)):
                return 0.0
            return 0.9
        if low in self.words or upper or len(core) < 2:
            return 0.0
        if cap and (not opener or cue or self._verb_follows(toks, i)):
            return 0.7
        return 0.7 if cue == "before" and toks[i - 1].low in lx.RELATIONS else 0.0

    def _initial(self, text: str, toks: list[Tok], i: int, cue: str) -> float:
        """Single letters used for children ("J and K", "J (7)", "child J")."""
        tok = toks[i]
        if (
            tok.core in ("I", "i")
            or _CONT.match(text, tok.end)
            or text[tok.start - 1 : tok.start] in "&/-"
            and tok.start
            or tok.start
            and text[tok.start - 1].isdigit()  # "4s and 5s" are scores, not initials
        ):
            return 0.0
        if tok.core in "YN" and FIELD_ANSWER.search(text, max(0, tok.start - 30), tok.start):
            return 0.0  # "Consent: Y", "Urgent: N" answer a form field
        if tok.core.islower():
            pair = initial_pair(text, toks, i)
            return 0.7 if tok.core not in "ax" and (cue or pair) else 0.0
        if i > 0 and toks[i - 1].low in NOT_INITIAL_BEFORE:
            return 0.0
        if tok.core == "A":
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            pair = nxt is not None and nxt.low == "and" and text[tok.end : tok.end + 1] == " "
            return 0.8 if cue or pair and initial_after(toks, i + 1) else 0.0
        return 0.8

    def _initials_ok(self, low: str) -> bool:
        """Capital letters that may stand for a person rather than a service or a field."""
        return low not in self.acronyms and low not in lx.FIELD_ABBREVIATIONS

    def _compound_given(self, low: str) -> bool:
        """Morphology: a hyphenated pair of given names is a (double-barrelled) given name."""
        if "-" not in low:
            return False
        parts = low.split("-")
        return len(parts) == 2 and all(
            len(p) > 2
            and p not in lx.MONTHS
            and p not in lx.FUNCTION_WORDS
            and (p in self.given or p in lx.GIVEN_WORD_NAMES)
            for p in parts
        )

    def _wordish(self, text: str, toks: list[Tok], i: int) -> bool:
        """A word-name used as a word here: a month before a number, 'Summer holidays'."""
        tok = toks[i]
        if tok.low in lx.MONTHS and (
            MONTHISH.match(text, tok.end)
            or digit_before(text, tok)
            or i > 0
            and toks[i - 1].low in lx.MONTH_BEFORE
        ):
            return True
        return bool(SEASON_AFTER.match(text, tok.end))

    def _verb_follows(self, toks: list[Tok], i: int) -> bool:
        """A sentence-opening unknown word followed by a verb a person takes ("Adaeze has")."""
        return i + 1 < len(toks) and toks[i + 1].low in lx.NAME_VERBS

    def _in_caps_run(self, toks: list[Tok], i: int) -> bool:
        """Part of a shouted phrase ("URGENT REQUEST TODAY") rather than a surname in caps."""
        near = toks[max(0, i - 1) : i + 2]
        return sum(t.core.isupper() and len(t.core) > 1 for t in near) >= 3

    def _spread(self, text: str, toks: list[Tok]) -> None:
        """Carry a name over to its neighbours: surnames, and the other half of 'X and Y'."""
        never = lx.NOT_NAMES | lx.FUNCTION_WORDS  # once, not a new set for every word
        for _ in range(2):
            for i, tok in enumerate(toks):
                if tok.name or tok.low in never or tok.low in self.acronyms:
                    continue
                if tok.low in lx.MONTHS and digit_before(text, tok):
                    continue  # "30 Dec Kasia": a date before a name, not its first half
                # A colleague's first name in a list stays theirs unless listed with a name
                # that is surely a family's ("Jess and Marcus"), not another unknown word.
                sure = 0.85 if tok.low in self.staff_first else 0.0
                if (
                    self._surname(text, toks, i)
                    or self._coordinated(text, toks, i, sure)
                    or self._entry_head(text, toks, i)
                ):
                    tok.name = 0.7

    def _entry_head(self, text: str, toks: list[Tok], i: int) -> bool:
        """The head of a list entry that goes on to name a person: the family's surname.

        "1) Pyke – Tegan and brother", "- Pyke (Rowan Pyke, 6) – step up": a capitalised word
        right after the list mark, then a dash or a bracket, then a name already found.
        """
        tok = toks[i]
        if i + 1 >= len(toks) or not toks[i + 1].name or len(tok.core) < 2:
            return False
        if not tok.core[0].isupper() or tok.core.isupper() or tok.low in self.staff_first:
            return False
        if tok.low in self.words and tok.low not in self.weak and tok.low not in self.strong:
            return False
        line = text.rfind("\n", 0, tok.start) + 1
        if not LIST_MARK.fullmatch(text, line, tok.start):
            return False
        sep = ENTRY_SEP.match(text, tok.end)
        return bool(sep and sep.end() == toks[i + 1].start)

    def _namey(self, tok: Tok) -> bool:
        """Could this word be a name at all (a known name or not an English word)?"""
        return tok.low in self.weak or tok.low in self.strong or tok.low not in self.words

    def _surname(self, text: str, toks: list[Tok], i: int) -> bool:
        """Token i sits right next to a name: a surname, or a first name before one."""
        tok, core = toks[i], toks[i].core
        if len(core) < 2 or not self._namey(tok):
            return False
        for j in (i - 1, i + 1):
            if not 0 <= j < len(toks) or not toks[j].name:
                continue
            a, b = (toks[j], tok) if j < i else (tok, toks[j])
            if text[a.end : b.start] not in (" ", "-") or a.possessive:
                continue
            if core[0].isupper() and not core.isupper():
                return True
            if j < i and core.isupper() and len(core) > 2:
                return True  # SURNAME in capitals after a given name
            if j > i and core.isupper() and len(core) <= 3 and self._initials_ok(tok.low):
                return True  # initials before a surname: "TJ Brennan", "KL Okafor"
            surname = tok.low in self.strong or tok.low in self.weak or tok.low not in self.words
            if j < i and core.islower() and surname:
                return toks[j].core.islower()  # lower-case surname after a lower-case name
        return False

    def _coordinated(self, text: str, toks: list[Tok], i: int, sure: float = 0.0) -> bool:
        """'Kayden and Rose', 'Rose & Storm', 'Kayden, Rose and Storm' (partner >= sure)."""
        tok = toks[i]
        given = tok.low in lx.GIVEN_WORD_NAMES or tok.low in self.strong or tok.low in self.given
        capped = tok.core[0].isupper() and not tok.core.isupper()
        if not (given or capped and self._namey(tok)) or len(tok.core) < 2:
            return False
        for d in (-1, 1):
            j, k = i + d, i + 2 * d
            if 0 <= k < len(toks) and toks[j].low in ("and", "&") and toks[k].name > sure:
                lo, hi = min(i, k), max(i, k)
                if "\n" not in text[toks[lo].end : toks[hi].start]:
                    return True
            if 0 <= j < len(toks) and toks[j].name > sure:
                a, b = (toks[j], tok) if d < 0 else (tok, toks[j])
                if text[a.end : b.start].strip() in (",", "&") and capped:
                    return True
        return False
