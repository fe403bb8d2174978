"""Context rules that need the whole picture: staff phones, roles, ages beside names."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator

import phonenumbers

from privacy import lexicon as lx
from privacy.model import FindingType as T
from privacy.patterns import DATE, DOB_LIST_GAP, PHONE, Candidate

_I = re.IGNORECASE
_REL = "|".join(
    sorted(
        lx.RELATIONS
        | {"boy", "girl", "male", "female", "son", "lad", "mum", "dad", "yp", "young person"},
        key=len,
        reverse=True,
    )
)
# Whose number: said in the first person, or a work line. A bare field label ("Phone:", "Tel",
# "Mob", "contact") names no owner, so it does not make a number the author's; their own
# number is found by their name or sign-off on the lines around it instead.
FIRST_PERSON = re.compile(
    r"(?:\bme\b|\bmy\b|\bi'?m\b|\bi am\b|\bme on\b|direct line"
    r"|\bwork\b|\boffice\b|\bdesk\b|\bext\b)[^\n]{0,30}$",
    _I,
)
# Whose number: a relation ("mums mob", "nan's landline"), or anyone's possessive just before
# the phone word ("Kev's mob", "zara's new mob"), which is never the author's own "my mob".
FAMILY_BEFORE = re.compile(
    rf"(?:\b(?:{_REL}|family|her|his|their|home|landline)s?\b['’s]*(?:[^\n.!?]|\.(?=\d)){{0,40}}"
    rf"|\b\w+['’]s\s+(?:new\s+|old\s+|latest\s+|current\s+)?(?:mob|mobile|ph|phone|no|number|"
    rf"tel|landline|contact)\b[\s:.-]*(?:is\s+|on\s+)?)$",
    _I,
)
# A service's line, not a person's: "a new duty number, 01632 960188", "the Front Door on",
# "his direct line is" (a professional's desk). Families have mobiles and landlines.
SERVICE_BEFORE = re.compile(
    r"\b(?:duty (?:number|line|desk|phone)|direct line|direct dial|helpline|help line|"
    r"switchboard|front door|reception|main (?:number|line)|office (?:number|line)|freephone|"
    r"advice line)\b[^\n.!?0-9]{0,20}$",
    _I,
)
NUMS = r"\d{1,2}(?:\s*(?:,|and|&)\s*\d{1,2})*"
_UNIT = r"(?:yrs?|years?|y/?o|months?|mths?|weeks?|wks?|days?)"
_SHORT_UNIT = r"(?:days?|weeks?|wks?|months?|mths?|yrs?|years?)"
_NOT_AGE = r"(?!\s*(?:am|pm|:|\.\d|/|%|th\b|st\b|nd\b|rd\b|weeks|days|hours|mins|times|x\b|-\d))"
# Months as a child's age is also written "4mo", "7 m/o", "22m" (the bare "m" glued only).
_MONTHS_SHORT = r"(?:\s*(?:m/o|mos?)\b|m\b(?!/))"
UNIT_AFTER = re.compile(rf"(?:\s*{_UNIT}\b|{_MONTHS_SHORT})(?:\s*old\b)?", _I)
# Ages written as words after "is" ("noah is three"); "one" is too often a pronoun.
_WORD_AGE = (
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen)"
)
# The end of a child's entry after its age: "Kai (5)", "Kai, 5, ...", "• Kai – 5, school".
_ENTRY_END = r"(?=\s*(?:[,;)]|$|\n|\.(?!\d)|\s+and\b|\s+[-–]\s))"
AGE_AFTER_NAME = re.compile(
    rf"(?:['’]s)?(?:,?\s+(?:is\s+)?the\s+(?:eldest|youngest|oldest|middle))?"
    rf"(?:\s*\(\s*(?:aged?\s*)?({NUMS})\s*(?:{_UNIT}|{_MONTHS_SHORT})?\s*[),;]"
    rf"|\s*,\s*({NUMS})\s*(?:{_UNIT}|{_MONTHS_SHORT})?\s*(?=,|\)|\s+and\b|\s*-|\s*$|\n|"
    rf"\.(?!\d)|;|\s+(?:is|has|was)\b)"
    rf"|\s+[–-]\s+({NUMS})\s*(?:{_UNIT}|{_MONTHS_SHORT})?{_ENTRY_END}"
    rf"|(?:\s*\(\s*|\s*,\s*|\s+[–-]\s+)({_WORD_AGE}|newborn)\b{_ENTRY_END}"
    rf"|\s+(newborn)\b"
    rf"|\s+(\d{{1,2}})(?:\s*(?:yrs?|years?|y/?o))?\b{_NOT_AGE}"
    rf"|\s+(?:is|was|turned|turns|just turned)\s+(\d{{1,2}})\b{_NOT_AGE}"
    rf"|\s+(?:will be|is now|is nearly|is almost)\s+(\d{{1,2}}\s*{_SHORT_UNIT}\b)"
    rf"(?!\s*(?:ago|late))"
    rf"|\s+(?:who\s+)?(?:is|was)(?:\s+(?:only|just|now))?\s+(\d{{1,2}}\s*{_SHORT_UNIT}\b)"
    rf"(?!\s*(?:ago|late|pregnant|gestation))"
    rf"|\s+(\d{{1,2}}\s*(?:days?|weeks?|wks?|months?|mths?)(?:\s*old)?)"
    rf"(?=\s*(?:[,.;)]|$|\n|and\b))"
    rf"|\s+(?:is|was|turned|turns)\s+({_WORD_AGE})\b(?!\s+of\b))",
    _I,
)
AGE_AFTER_RELATION = re.compile(
    rf"\b(?:{_REL})s?\s*(?:\(\s*({NUMS})\s*{_UNIT}?\s*\)"
    rf"|,\s*({NUMS})\s*(?:yrs?|years?|y/?o)?\s*[,)]"
    rf"|\s+(?:is|was|are|were|aged)\s+({NUMS})\b{_NOT_AGE}"
    rf"|\s+(\d{{1,2}}\s*(?:days?|weeks?|wks?|months?|mths?)\b)(?=\s*(?:old\b|[,.;)+&(]|and\b|$)))",
    _I,
)
# A date right after a name, bracketed, after a comma, or after the child's age
# ("Rose (12/3/16)", "Leo Marsh 8/8/16", "rose 14 (5/10/12)"). Without a bracket or comma
# the date must carry a year, so "Kayden 12/11 at 10" (a meeting) is not a birth date.
DOB_AFTER_NAME = re.compile(
    r"(?:['’]s)?(?:\s+\d{1,2}(?![\d/.:-]|st|nd|rd|th)(?:\s*(?:yrs?|y/?o))?)?"
    r"[ \t]*(?:([(,])\s*(?:dob:?\s*)?|(?:dob:?\s*)?)",
    _I,
)
HAS_YEAR = re.compile(r"(?:\d[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d\d-\d\d|\d{4}|['’]\d\d)$")
MEETING_AFTER = re.compile(r"\s*(?:at\s*|@\s*)?\d{1,2}(?::|\.\d\d|\s*(?:am|pm)\b)", _I)
ROLE_TAIL = (
    r"(?:\s*(?:,|\(|-|–)?\s*(?:is\s+)?(?:the|our|their|a|his|her|from|at)?\s*(?:school'?s?\s+)?)"
)


def role_pattern(extra_roles: Iterable[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Regexes for a role just after a name ("Mr X the DSL") or just before ("HV Sarah")."""
    words = {w for w in lx.ROLE_WORDS} | {r.lower() for r in extra_roles if r}
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    after = re.compile(rf"{ROLE_TAIL}(?:{alts})\b", _I)
    before = re.compile(
        rf"(?:\b(?:{alts})(?:\s+(?:is|was|=|now))?|\b(?:{'|'.join(sorted(lx.GREETINGS))})|@)"
        rf"[\s,(:–-]*(?:(?:mr|mrs|ms|miss|dr)\.?\s+)?$",
        _I,
    )
    return after, before


def phones(text: str, keep: frozenset[str], author_marks: tuple[str, ...]) -> Iterator[Candidate]:
    """Phone numbers, except staff numbers and the author's own on their signature line."""
    lines = _Lines(text, author_marks)
    for m in PHONE.finditer(text):
        raw = m.group(0)
        if raw.startswith("00"):
            if not raw.startswith("0044"):
                continue
            raw = "+" + raw[2:]  # "0044 7700 900123" is the +44 form dialled from abroad
        digits = re.sub(r"\D", "", raw)
        national = "0" + digits[2:] if digits.startswith("44") else digits
        if not _possible(raw, digits) or national in keep:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        if SERVICE_BEFORE.search(before):
            continue
        if not FAMILY_BEFORE.search(before) and lines.authors(m.start(), m.end()):
            continue
        yield T.PHONE, m.start(), m.end(), 0.9


# FIRST_PERSON matches a cue of at most 11 characters and 30 more before the number: looking
# further back than this along the line cannot change its answer, only cost the whole line.
_FIRST_PERSON_REACH = 64


class _Lines:
    """The lines of one post, found once, so each number's own line costs no rescan.

    Scanning back to the line start and reading three lines for every number made a long
    one-line post full of numbers quadratic.
    """

    def __init__(self, text: str, marks: tuple[str, ...]) -> None:
        """Nothing is computed until a number asks."""
        self.text = text
        self.marks = marks
        self._breaks: list[int] | None = None
        self._signed: dict[tuple[int, int], bool] = {}

    def authors(self, start: int, end: int) -> bool:
        """The author's own number: said in the first person, or on their signature line."""
        if self._breaks is None:
            self._breaks = [m.start() for m in re.finditer("\n", self.text)]
        breaks, text = self._breaks, self.text
        k = bisect_left(breaks, start)  # newlines before the number
        line_start = breaks[k - 1] + 1 if k else 0
        if FIRST_PERSON.search(text, max(line_start, start - _FIRST_PERSON_REACH), start):
            return True
        lo = breaks[k - 2] + 1 if k > 1 else 0  # the line before, this line and the next
        j = bisect_left(breaks, end)
        hi = breaks[j + 1] if j + 1 < len(breaks) else len(text)
        signed = self._signed.get((lo, hi))
        if signed is None:
            near = text[lo:hi].lower()
            signed = self._signed[(lo, hi)] = any(mark in near for mark in self.marks)
        return signed


def _possible(raw: str, digits: str) -> bool:
    """A plausible phone number: UK national or international, per libphonenumber."""
    if raw.startswith("+"):
        region = None
    elif digits.startswith("0") and len(digits) in (10, 11):
        region = "GB"
    else:
        return False
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def near_names(text: str, names: list[tuple[int, int, float]]) -> Iterator[Candidate]:
    """Ages and birth dates written right after a name: 'Kayden (7)', 'J, 9,', 'Rose (12/3/16)'."""
    for _, end, _ in names:
        m = AGE_AFTER_NAME.match(text, end)
        if m:
            g = next(i for i in range(1, 12) if m.group(i))
            if m.group(g)[0].isdigit():
                yield from _each_number(text, m.start(g), m.group(g))
            else:
                yield T.AGE, m.start(g), m.end(g), 0.75
        d = DOB_AFTER_NAME.match(text, end)
        if d:
            date = DATE.match(text, d.end())
            if date and (
                d.group(1)
                or HAS_YEAR.search(date.group(0))
                and not MEETING_AFTER.match(text, date.end())
            ):
                yield T.DATE_OF_BIRTH, date.start(), date.end(), 0.8
    for m in AGE_AFTER_RELATION.finditer(text):
        g = next(i for i in (1, 2, 3, 4) if m.group(i))
        yield from _each_number(text, m.start(g), m.group(g))


# An age just after a birth date ("09/12/2004 (21)", "DOB 2010-09-30, 16, NEET").
AGE_AFTER_DOB = re.compile(r"\s*(?:\(\s*(\d{1,2})\s*\)|,\s*(\d{1,2})(?=\s*(?:,|;|\.|$|\n)))")
# A correction or alternative to an age found ("rowan is 4 not 3", "7 or 8").
AGE_ALTERNATIVE = re.compile(rf"\s+(?:not|or|nearly|maybe)\s+(\d{{1,2}})\b{_NOT_AGE}", _I)


# The label of a birth date just before it ("DOB 3/4/19", "D.O.B: 3/4/19") goes with it.
DOB_LABEL_BEFORE = re.compile(r"(?<![\w.])(?:d\.?o\.?b\b\.?|date of birth)[\s:=\-–]*$", _I)
# A full birth date right after an age ("she is 14, 2011-07-14"; "Leo 9 (3.3.17)").
DOB_AFTER_AGE = re.compile(r"\s*[,(]\s*(?:d\.?o\.?b\b\.?:?\s*)?", _I)


# "she is only 17", "he's just 6 weeks": an age said of a person by pronoun.
AGE_OF_SUBJECT = re.compile(
    rf"\b(?:she|he|who)(?:['’]s| is| was)(?:\s+(?:only|just|nearly|almost|now))?\s+"
    rf"(\d{{1,2}}(?:\s*{_SHORT_UNIT}(?:\s*old)?)?)\b{_NOT_AGE}(?!\s*(?:ago|late|pregnant))",
    _I,
)


# "he turned 11 last week", "she turns 4 in May", "the twins, who are two.": a birthday verb
# of a person, or an age in words ending its clause.
AGE_TURNED = re.compile(
    rf"\b(?:she|he|who)\s+(?:has\s+)?(?:just\s+)?(?:turned|turns|will\s+turn)\s+"
    rf"(\d{{1,2}}|{_WORD_AGE})\b{_NOT_AGE}(?!\s*(?:ago|late|pregnant|of\b))"
    rf"|\b(?:she|he|who)(?:['’]s|\s+is|\s+was|\s+are|\s+were)(?:\s+(?:only|just|nearly|almost|now))?"
    rf"\s+({_WORD_AGE})(?=\s*(?:[,.;!?)]|$|\n|and\b|but\b|now\b))",
    _I,
)


def subject_ages(text: str) -> Iterator[Candidate]:
    """Ages said of 'she', 'he' or 'who'."""
    for m in AGE_OF_SUBJECT.finditer(text):
        yield T.AGE, m.start(1), m.end(1), 0.75
    for m in AGE_TURNED.finditer(text):
        g = 1 if m.group(1) else 2
        yield T.AGE, m.start(g), m.end(g), 0.75


def around_findings(text: str, found: list[Candidate]) -> Iterator[Candidate]:
    """Findings that lean on another: ages after a birth date or an age, and birth dates.

    A birth date brings its label, and the next dates of the same list ("Ava 3/4/19 and
    Noah 2nd May 2021", whoever found the first); an age followed by a dated year brings
    that date as the birth date.
    """
    dobs = [(start, end) for kind, start, end, _ in found if kind is T.DATE_OF_BIRTH]
    for kind, _, end, _ in found:
        if kind is T.DATE_OF_BIRTH:
            m = AGE_AFTER_DOB.match(text, end)
            if m:
                g = 1 if m.group(1) else 2
                yield T.AGE, m.start(g), m.end(g), 0.75
        elif kind is T.AGE:
            m = AGE_ALTERNATIVE.match(text, end)
            if m:
                yield T.AGE, m.start(1), m.end(1), 0.75
            d = DOB_AFTER_AGE.match(text, end)
            date = DATE.match(text, d.end()) if d else None
            dated = date and HAS_YEAR.search(date.group(0))
            if date and dated and not MEETING_AFTER.match(text, date.end()):
                dobs.append(date.span())
    todo, seen = list(dobs), set(dobs)
    while todo:  # each birth date found may be followed by the next of its list
        _, end = todo.pop()
        date = DATE.search(text, end, min(len(text), end + 60))
        if date and date.start() - end <= 40 and DOB_LIST_GAP.fullmatch(text, end, date.start()):
            if date.span() not in seen:
                seen.add(date.span())
                todo.append(date.span())
    for start, end in seen:
        label = DOB_LABEL_BEFORE.search(text, max(0, start - 20), start)
        yield T.DATE_OF_BIRTH, label.start() if label else start, end, 0.8


def _each_number(text: str, offset: int, group: str) -> Iterator[Candidate]:
    """'7 and 9' gives two ages ('[age] and [age]'); a unit after a number goes with it."""
    for n in re.finditer(r"\d+", group):
        end = offset + n.end()
        unit = UNIT_AFTER.match(text, end)
        yield T.AGE, offset + n.start(), unit.end() if unit else end, 0.8
