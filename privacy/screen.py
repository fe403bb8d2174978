"""The screen: find family personal data in a channel post and replace it with labels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat

from privacy import context, patterns
from privacy import lexicon as lx
from privacy.model import LABELS, Author, Finding, FindingType, Screening, StaffMember, Vocabulary
from privacy.names import AFTER_CUE, NameFinder
from privacy.tokens import Spans

Span = tuple[int, int]
URL = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+|(?<![\w.-])[\w-]+(?:\.[\w-]+)*\.(?:gov|nhs|ac|co|org|sch)"
    r"\.uk\b|(?<![\w.-])[\w-]+\.(?:com|org|net|uk)\b"
)
TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+$")
SCHOOL_AFTER = re.compile(
    r"\s+(?:at|from)\s+(?:the\s+)?(?:school|nursery|college|academy|St\.?\s|Saint\s"
    r"|(?:[A-Z][\w'’]*\s+){1,3}(?:Primary|High|Academy|School|Nursery|College|Juniors?|Infants?)\b)"
)
# "Mr Leung (dad)", "Mrs Kerr, mum,": the relation named just after a titled surname.
FAMILY_AFTER_TITLE = re.compile(
    r"\s*[(,–-]\s*(?:the\s+|a\s+)?(?:"
    + "|".join(sorted(lx.RELATIONS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
# Words of professional work near a titled surname: school and services, referrals, meetings.
PROFESSIONAL_NEAR = re.compile(
    r"\b(?:school|primary|academy|high|college|nursery|dsl|senco|hv|health visitor|teacher|"
    r"head|camhs|gp|surgery|police|pc|nurse|midwife|referr(?:ed|al)|refer|teams|meeting|"
    r"updates?|centre|consult|joint visit|logged|safeguarding)\b",
    re.IGNORECASE,
)
# A role asked for, not held: "Kayleigh & Nathan Pyke – SW to be allocated".
ROLE_AS_NEED = re.compile(
    r"\s+(?:to\s+be\s+|not\s+yet\s+|still\s+|now\s+)?(?:allocated|assigned|needed|required|"
    r"requested|tbc|tba)\b",
    re.IGNORECASE,
)
# After a dash, a role that goes on to a verb opens a new clause rather than naming the
# person before it: "re Tegan – the HV has mum's old number" (not "Tegan, the HV").
ROLE_VERB_AFTER = re.compile(
    r"\s+(?:has|have|had|is|was|says|said|will|can|could|called|rang|phoned|reported|wants|"
    r"needs|thinks|knows|asked)\b",
    re.IGNORECASE,
)


def _new_clause(text: str, role: re.Match[str]) -> bool:
    """A dash, then a role and its verb: the role is the subject of a new clause."""
    dashed = role.group(0).lstrip()[:1] in ("–", "-")
    return dashed and bool(ROLE_VERB_AFTER.match(text, role.end()))


STAFF_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Nurse", "PC", "DC", "DS")
# A name finding lying inside these is never family data, whatever it looks like.
_PRIORITY = {FindingType.NAME: 0, FindingType.AGE: 1, FindingType.CASE_REFERENCE: 1}


def _phrase_regex(phrases: set[str]) -> re.Pattern[str] | None:
    """One case-insensitive alternation, longest first, on word boundaries."""
    alts = sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not alts:
        return None
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in alts)
    return re.compile(rf"(?<![\w.])(?:{body})(?![\w])", re.IGNORECASE)


class Screener:
    """Screens posts against one directory and profile vocabulary; build once, reuse."""

    def __init__(self, directory: Sequence[StaffMember], vocabulary: Vocabulary) -> None:
        """Precompute the protected phrases, staff contact details and the name finder."""
        self.vocabulary = vocabulary
        phrases: set[str] = set()
        for group in (
            vocabulary.services,
            vocabulary.places,
            vocabulary.indicators,
            vocabulary.roles,
            vocabulary.acronyms,
        ):
            # A relation word a council lists as its own shorthand ("mum", "dad") is never
            # redacted anyway, and must stay visible to the name finder as the family cue it is.
            phrases.update(p for p in group if p.lower() not in lx.RELATIONS)
        first: set[str] = set()
        surnames: set[str] = set()
        for member in directory:
            parts = member.name.split()
            phrases.add(member.name)
            # A staff surname protects that person ("Mr Okafor", "Dr Okafor"), not a family
            # that shares it: "Leanne Okafor" and "the Okafor family" are someone else.
            phrases.update(f"{t} {p}" for p in parts[1:] for t in STAFF_TITLES)
            surnames.update(p.lower() for p in parts[1:])
            first.add(parts[0].lower())
            first.update(_short_forms(parts[0].lower()))
            if member.role:
                phrases.add(member.role)
        self._protect = _phrase_regex(phrases)
        self._staff_emails = frozenset(m.email.lower() for m in directory if m.email)
        self._domains = tuple(d.lower().lstrip("@") for d in vocabulary.staff_email_domains)
        self._staff_phones = frozenset(
            re.sub(r"\D", "", p).replace("44", "0", 1)
            if p.strip().startswith("+")
            else re.sub(r"\D", "", p)
            for m in directory
            for p in m.phones
        )
        acronyms = frozenset(a.lower() for a in vocabulary.acronyms)
        self._first = frozenset(first)
        self._names = NameFinder(self._first, acronyms, frozenset(surnames))
        roles = list(vocabulary.roles) + [m.role for m in directory if m.role]
        self._role_after, self._role_before = context.role_pattern(roles)

    def screen(self, text: str, author: Author) -> Screening:
        """Find family data in text and return it redacted; clean text comes back identical."""
        protected = self._protected(text, author)
        kept = Spans(protected)
        starts = {s for s, _ in protected}
        found: list[patterns.Candidate] = []
        for recognise in patterns.RECOGNISERS:
            found.extend(c for c in recognise(text) if not kept.contains(c[1], c[2]))
        found = [
            c
            for c in found
            if not self._staff_email(text, c) and not self._mention(text, c, starts)
        ]
        marks = tuple(m for m in (author.name.lower(), (author.email or "").lower()) if m)
        marks += tuple(p.lower() for p in author.name.split() if len(p) > 2)
        found.extend(context.phones(text, self._staff_phones, marks))
        blocked = protected + [(c[1], c[2]) for c in found if c[0] is not FindingType.AGE]
        blocked += [m.span() for m in patterns.EMAIL.finditer(text)]  # kept staff e-mails too
        mine = frozenset(p.lower() for p in author.name.split()[1:])
        found_names = [
            n
            for n in map(
                _after_mention,
                repeat(text),
                self._names.find(
                    text, blocked, mine, lambda s, e: self._professional(text, (s, e, 0.0))
                ),
            )
            if n
        ]
        names = [n for n in found_names if not self._professional(text, n)]
        found.extend((FindingType.NAME, s, e, c) for s, e, c in names)
        found.extend(context.near_names(text, names))
        found.extend(context.subject_ages(text))
        found.extend(list(context.around_findings(text, found)))
        findings = _resolve(found)
        return Screening(_redact(text, findings), findings)

    def _protected(self, text: str, author: Author) -> list[Span]:
        """Spans that must stay: vocabulary, staff names, the author, links and domains."""
        profiles = [m.span() for m in patterns.PROFILE_URL.finditer(text)]
        spans = [
            m.span()
            for m in URL.finditer(text)
            if not any(s < m.end() and m.start() < e for s, e in profiles)
        ]
        if self._protect:
            spans.extend(m.span() for m in self._protect.finditer(text))
        parts = author.name.split()
        own = {author.name, *parts[:1], author.email or "", *_nicknames(author.name)}
        own.update(f"{t} {p}" for p in parts[1:] for t in STAFF_TITLES)
        mine = _phrase_regex({p for p in own if len(p) > 1})
        if mine:
            spans.extend(m.span() for m in mine.finditer(text))
        return spans

    def _staff_email(self, text: str, cand: patterns.Candidate) -> bool:
        """Staff and council addresses are kept."""
        if cand[0] is not FindingType.EMAIL:
            return False
        address = text[cand[1] : cand[2]].lower()
        domain = address.rsplit("@", 1)[-1]
        return address in self._staff_emails or any(
            domain == d or domain.endswith("." + d) for d in self._domains
        )

    def _mention(self, text: str, cand: patterns.Candidate, starts: set[int]) -> bool:
        """A Teams @mention of a colleague is not a family social-media handle."""
        if cand[0] is not FindingType.SOCIAL_HANDLE or text[cand[1]] != "@":
            return False
        body = text[cand[1] + 1 : cand[2]].lower()
        return body in self._first or cand[1] + 1 in starts  # where a protected span starts

    @staticmethod
    def _family_title(text: str, title_start: int, end: int) -> bool:
        """A title and surname that name a family member: a relation before, a family cue after.

        Professionals are named by title and surname ("Mrs Fenwick", "Mr Dhaliwal"); a parent
        named so carries a cue: "mum Ms Okoye", "Ms Kaminska's children", "Mr Leung (dad)".
        """
        if FAMILY_TITLE_CUE.search(text, max(0, title_start - 24), title_start):
            return True
        surname = text[text.index(" ", title_start) : end].strip()
        others = re.finditer(rf"\b{re.escape(surname)}\b", text)
        if any(m.start() != end - len(surname) for m in others):
            return True  # the surname names someone else in the post too: "Harley Green"
        return bool(AFTER_CUE.match(text, end) or FAMILY_AFTER_TITLE.match(text, end))

    def _professional(self, text: str, span: tuple[int, int, float]) -> bool:
        """Professionals named by role ('Mr Patel the DSL', 'HV Sarah') and people greeted."""
        start, end, _ = span
        if text[end : end + 2] in ("'s", "’s"):
            return False
        role = self._role_after.match(text, end)
        if role and not ROLE_AS_NEED.match(text, role.end()) and not _new_clause(text, role):
            return True
        title = TITLE_BEFORE.search(text, max(0, start - 6), start)
        if title and SCHOOL_AFTER.match(text, end):
            return True  # "Mrs Lindley at school", "Mr Hale from St Anne's": school staff
        if (
            title
            and end - start > 1  # "Ms G" hides a parent: professionals keep their surnames
            and PROFESSIONAL_NEAR.search(text, max(0, start - 80), min(len(text), end + 80))
            and not self._family_title(text, title.start(), end)
        ):
            return True  # "Mrs Fenwick at the primary says he disclosed": a professional
        return bool(self._role_before.search(text, max(0, start - 40), start))


def _family_title_cue() -> re.Pattern[str]:
    """A relation word just before a title ("mum Ms Okoye", "dad, Mr Leung")."""
    rel = "|".join(sorted(lx.RELATIONS, key=len, reverse=True))
    return re.compile(rf"\b(?:{rel})\b[\s,:(–-]*(?:is\s+|was\s+)?$", re.IGNORECASE)


FAMILY_TITLE_CUE = _family_title_cue()


def _after_mention(text: str, span: tuple[int, int, float]) -> tuple[int, int, float] | None:
    """'@Callum Rahman fam': the @mention is the colleague, the word after it the family.

    A name span that starts at an @mention loses its first word (the colleague, whom Teams
    names by first name); what follows is judged on its own.
    """
    start, end, conf = span
    if start == 0 or text[start - 1] != "@":
        return span
    gap = re.search(r"[\s]+", text[start:end])
    return (start + gap.end(), end, conf) if gap else None


def _short_forms(first: str) -> set[str]:
    """A colleague's first name cut short, as colleagues write it: Magda, Alex, Chris.

    Only as ambiguous as the full first name (a family name with a cue still counts).
    """
    return {first[:n] for n in range(4, len(first) - 1)} if len(first) >= 6 else set()


def _nicknames(name: str) -> set[str]:
    """Short forms an author signs with: Beth for Bethany, Seun for Oluwaseun."""
    first = name.split()[0] if name.split() else ""
    if len(first) < 5:
        return set()
    short = {first[:n] for n in (3, 4)}
    return short | {first[-4:]} if len(first) >= 8 else short


def _resolve(found: list[patterns.Candidate]) -> tuple[Finding, ...]:
    """Overlapping candidates become one finding, typed by the longest/most specific."""
    ordered = sorted(found, key=lambda c: (c[1], -(c[2] - c[1]), _PRIORITY.get(c[0], 2)))
    out: list[Finding] = []
    for kind, start, end, conf in ordered:
        if out and start < out[-1].end:
            last = out[-1]
            if end > last.end:
                out[-1] = Finding(last.type, last.start, end, max(last.confidence, conf))
            continue
        out.append(Finding(kind, start, end, conf))
    return tuple(out)


def _redact(text: str, findings: tuple[Finding, ...]) -> str:
    """Replace each finding with its label; untouched when nothing was found."""
    if not findings:
        return text
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(LABELS[f.type])
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


_CACHE: dict[tuple[int, int], tuple[object, object, Screener]] = {}


def screen(
    text: str, author: Author, directory: Sequence[StaffMember], vocabulary: Vocabulary
) -> Screening:
    """Screen with a Screener cached per (directory, vocabulary) object identity."""
    key = (id(directory), id(vocabulary))
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not directory or hit[1] is not vocabulary:
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        hit = (directory, vocabulary, Screener(directory, vocabulary))
        _CACHE[key] = hit
    return hit[2].screen(text, author)
