"""Recognisers for family data with a shape: postcodes, numbers, dates, addresses, schools."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.gb import nhs, upn

from privacy.model import FindingType as T
from privacy.tokens import Spans

Candidate = tuple[T, int, int, float]

_I = re.IGNORECASE
POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})\b", _I)
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d ()\-.]{7,16}\d(?![\w/])")
NI = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"(?: ?\d\d){3} ?[A-D]\b",
    _I,
)
# NI-shaped but with a prefix HMRC never issues (QQ is the specimen prefix people copy from
# forms): two letters, six digits, an A-D suffix.
NI_SHAPE = re.compile(r"\b[A-Z]{2}(?: ?\d\d){3} ?[A-D]\b", _I)
NI_SPACED = re.compile(r"[A-Z]{2} \d\d \d\d \d\d [A-D]", _I)
NI_CUE = re.compile(r"\b(?:ni|nino|ni ?no|nat(?:ional)? ?ins(?:urance)?|insurance)\b", _I)
# Ten digits in any grouping (3-3-4 as printed, but also 4-3-3, 4-4-2, 4-6 as typed).
TEN_DIGITS = re.compile(r"(?<![\d/])\d(?:[ -]?\d){9}(?![\d/])")
# An NHS cue a few words back in the same sentence ("NHS number of the baby, it is", "the
# NHS of Mateo is"), with no other number between: the number it announces is an NHS number
# even if mistyped, when written as NHS numbers are printed (3-3-4) or in one run of ten.
NHS_CUE_IN_SENTENCE = re.compile(r"\bNHS\b[^\n.!?\d]{0,40}$", _I)
NHS_SHAPE = re.compile(r"[1-9]\d{2}([ -]?)\d{3}\1\d{4}")
CASE_CUE = re.compile(
    r"\b(?:EHM|LCS|mosaic|liquid ?logic|case|ref(?:erence)?s?|crime|incident|police|CAD|"
    r"HO|home office|UPN|ULN|pupil|NHS|ID|record|file|log|occurrence|CRN|URN)\b"
    r"(?:[\s:#.-]*(?:no|num|number|ref|reference|id|is|was|number is|for (?:them|him|her))\b)*"
    r"[\s:#.-]*",
    _I,
)
# A reference may carry its system's prefix, glued or spaced: "CAMHS-077120", "WMP 20/1198/26".
REF_TOKEN = re.compile(
    r"(?:(?-i:[A-Z]{2,6}) (?=\d))?(?=[A-Z/-]*\d)[A-Z]{0,6}[-/]?\d[\dA-Z/-]*(?: \d[\d/-]*)*", _I
)
# Police and Front Door incident numbers have a shape of their own: prefix, year, serial
# ("AB-26-104233"); a booking or ticket code ("LB-44821") has no year part.
# Written with slashes the year may be four digits ("EH/2024/5619", "WMP/23/67973"): letters,
# a year, a serial is a system's reference, never a date (a date has no letters).
INCIDENT = re.compile(r"(?<![\w/-])[A-Z]{2,5}(?:-\d{2}-|/\d{2}/|/(?:19|20)\d{2}/)\d{3,7}(?![\w/-])")
# A system's letters glued to its serial ("CP4412", "EHM301122", "R2210034"): two letters or
# more before three digits or more, or one letter before six or more. Road numbers (A6033,
# M62) have one letter and at most four digits; years, counts and times have none. With a
# hyphen ("CPP-461") the shape is also a booking code's ("TB-55120"), so it needs case work
# named just before: a plan, a referral, a reference.
GLUED_CODE = re.compile(
    r"(?<![\w/.@-])(?:[A-Z]{2,4}\d{3,9}|[A-Z]\d{6,9}|(?P<hyphen>[A-Z]{2,4}-\d{3,9}))"
    r"(?![\w/@-]|\.\d)"
)
CASEWORK_BEFORE = re.compile(
    r"\b(?:plan|referral|case|ref|reference|police|crime|incident|mash|cp|cin|lac|ehm|lcs|"
    r"file|record)\b[^\n.!?]{0,20}$",
    _I,
)
# A system's acronym, a space, then a serial of five to eight digits ("MASH 40917"): too long
# for a count or a year, too short for a phone or an NHS number.
SPACED_CODE = re.compile(r"(?<![\w/.-])[A-Z]{2,6} [1-9]\d{4,7}(?![\w/-]|\.\d)")
# An IT ticket's number ("ticket me on INC0041327", "IT ticket CHG0019932") is the service
# desk's, not a family's: a ticket word just before keeps a code found by shape alone.
TICKET_BEFORE = re.compile(
    r"\b(?:(?i:tickets?|helpdesk|help desk|service ?desk|servicenow|jira)|IT)\b[^\n.!?]{0,40}$"
)
# More references after one, in a list: "Refs: EH/2024/5619 / LCS-1564273, MASH 40917".
REF_LIST_GAP = re.compile(r"\s*(?:/|,|;|&|\band\b|\bor\b)\s*", _I)
# A system prefix glued or spaced before its number ("EHM-198822", "LCS 1193820") is part of
# the reference.
GLUED_PREFIX = re.compile(r"(?<![\w-])[A-Z]{2,5}[-/ ]$")
LONG_NUMBER = re.compile(r"(?<![\w/.:-])\d{6,9}(?![\w/:-])")
VRM = re.compile(r"\b[A-Z]{2}\d{2} ?[A-Z]{3}\b|\b[a-z]{2}\d{2} [a-z]{3}\b")
VRM_CUE = re.compile(
    r"\b(?:reg|registration|car|vehicle|plate|number plate|van|driving)\b[^\n]{0,25}?"
    r"\b([A-Z]{2}\d{2} ?[A-Z]{3}|[A-Z]\d{1,3} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-Z])\b",
    _I,
)
HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_.]{3,30}\b")
PLATFORM_HANDLE = re.compile(
    r"\b(?:snap(?:chat)?|sc|insta(?:gram)?|ig|tiktok|tik tok|twitter|fb|facebook|x|discord|"
    r"telegram|kik|twitch|youtube|roblox|xbox|psn|steam|threads|reddit|wink)\b"
    r"(?: (?:name|handle|account|username|user|is|as|called|on))*(?:\s*[:=(-]\s*|\s+)"
    r"(@?[A-Za-z0-9_.]*[0-9_.][A-Za-z0-9_.]*|@[A-Za-z0-9_.]{3,30})",
    _I,
)
_PLATFORMS = (
    r"snap(?:chat)?|insta(?:gram)?|tiktok|tik tok|twitter|facebook|fb|discord|telegram|kik|"
    r"twitch|youtube|threads|reddit|x"
)
# A handle written before its platform: "messages him from kyle.b07 on Snapchat". The handle
# carries a digit, dot or underscore (a username's shape, not a word: "posting on TikTok").
HANDLE_BEFORE_PLATFORM = re.compile(
    r"(?<![\w@./:-])(?=(?:[0-9_.]*[A-Za-z]){2})([A-Za-z][A-Za-z0-9_]*[0-9_.][A-Za-z0-9_.]*"
    r"[A-Za-z0-9_])\s+(?:on|via)\s+(?:" + _PLATFORMS + r")\b",
    _I,
)
# A link to a person's profile is their handle: "facebook.com/kyle.b.902", "tiktok.com/@kb07".
# (Other links stay: the screen protects URLs, except these.)
PROFILE_URL = re.compile(
    r"(?:\bhttps?://)?(?<![\w.-])(?:www\.|m\.|vm\.)?(?:facebook|fb|instagram|tiktok|twitter|"
    r"x|snapchat|threads|youtube|twitch)\.(?:com|net)/(?:add/|@)?[A-Za-z0-9_.-]*[A-Za-z0-9_]",
    _I,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A date may carry a two-digit year ("1 July 23", "Mar 16": month and year) and, spoken, an
# article ("the 2nd of March 2016"); only a cue or a name makes any date a birth date.
DATE = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d\d-\d\d|"
    rf"(?:the (?=\d{{1,2}}(?:st|nd|rd|th)))?"
    rf"\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH}\.?,?(?: \d{{4}}| \d\d(?![\d:.]))?|"
    rf"{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|{_MONTH} \d{{4}}|"
    rf"{_MONTH}\.? \d\d(?![\d:.]))\b"
    rf"(?: ?['’]\d\d\b)?",
    _I,
)
# A birth date is announced just before it: "DOB", "born", "bday was", "EDD", "baby due",
# also with a short aside between ("DOB for the housing form is").
DOB_CUE = re.compile(
    r"(?:\bd\.?o\.?b\b\.?|date of birth|\bborn(?: on| in)?|\bb\.|\bb['’]?days?\b|\bbirthday\b"
    r"|\bedd\b|\bdue date\b|\b(?:baby|she)(?:'s| is)? due(?: on)?)"
    r"(?:[^\n.!?]{0,40}?\s(?:is|was|=))?(?:\s+(?:is|was|on|=))?[\s:\-–(]*$",
    _I,
)
# Between two dates of a list of births: "grace's DOB 2018-10-02, noah's 27.6.23",
# "DOB is 12/09/2004 not 09/12/2004", "Leo 8/8/16 and Ella 31/3/19".
DOB_LIST_GAP = re.compile(
    r"\s*(?:,|;|&|and\b|not\b|or\b|but\b[^\n.]{0,12}|/)?\s*(?:[A-Za-z][\w'’-]*(?:\s[A-Za-z][\w'’-]*)?"
    r"(?:['’]s)?(?:\s+(?:is|was|dob|d\.o\.b))?\s*:?\s*)?(?:\(\s*)?",
    _I,
)
BORN_YEAR = re.compile(r"\b(?:born(?: in)?|dob:?|d\.o\.b\.?:?) ((?:19|20)\d\d)\b", _I)
AGE = re.compile(
    r"\b(?:aged?:? ?\d{1,2}(?: ?(?:months?|mths?|weeks?|yrs?|years?))?"
    r"(?:(?:, ?| and | ?& ?)\d{1,2}\b)*"
    r"|ages \d{1,2}(?:(?:, ?| and | ?& ?)\d{1,2})+"
    r"|\d{1,2}(?: ?- ?| )?(?:years?|yrs?|yr|months?|mths?|weeks?|wks?|days?)(?: ?- ?| )?old"
    r"|\d{1,2} ?(?:yo|y/o|y\.o\.?|yrs|yr|m/o|mo|mos)(?![\w/])"
    r"|(?:(?<=\bhe's )|(?<=\bshe's )|(?<=\bhe is )|(?<=\bshe is )|(?<=he’s ))\d{1,2}\b"
    r"(?!\s*(?:am|pm|:|\.\d|/|%|weeks|days|hours|mins|times|x)))",
    _I,
)
_STREET = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|drive|way|court|ct|crescent|cres|"
    r"terrace|gardens|gdns|place|grove|walk|rise|view|mews|row|square|sq|hill|parade|"
    r"green|vale|croft|boulevard|chase|wynd|heights|approach|estate|villas|cottages|"
    r"house|tower|towers|fold|gate|bank|meadows|park|side)"
)
_WORD = r"[A-Za-z][A-Za-z'’-]*"
ADDRESS = re.compile(
    rf"(?:\b[A-Z][a-z]+ (?:Hotel|House|Lodge|Court|Hostel|Refuge|Flats|Buildings),? )?"
    rf"(?:\b(?:flat|apartment|apt|unit|room) ?\d+[a-z]?,? )?(?:\bno\.? ?)?\b\d{{1,4}}[a-z]?,? "
    rf"(?:{_WORD} ){{0,3}}{_STREET}\b(?:(?:, (?!and\b|the\b|on\b|in\b|at\b)[A-Z][a-z]+"
    rf"|(?-i: [A-Z][a-z]+))\b"
    rf"(?-i:(?: [A-Z][a-z]+(?=[,.;:!?)\n]|$| [A-Z]{{1,2}}\d| [a-z]))?))?",
    _I,
)
FLAT = re.compile(
    rf"\b(?:flat|apartment|apt|plot|pitch|room|unit) ?\d+[a-z]?,? (?:(?:[A-Z][a-z]+ ){{1,3}}"
    rf"(?:{_STREET}|site|lodge|block|mansions|hotel|hostel|refuge|court)\b"
    rf"|\d{{1,4}}[a-z]? [A-Z][a-z]+\b)"
    rf"|\bthe (?!same\b|council\b|local\b|whole\b|housing\b|new\b|old\b)[A-Z][a-z]+ estate\b",
    _I,
)
NAMED_STREET = re.compile(
    rf"(?:\b(?i:lives|living|live|moved|moving|staying|stays|stay|address is|resides|housed|"
    rf"based|surfing|placed|incident|sleeping|found|seen|hanging around)(?: \w+)? "
    rf"(?i:on|at|in|to|near|around)(?: the)? (?:{_WORD} ){{1,3}}(?i:{_STREET})\b)"
    rf"|\b(?:[A-Z][a-z]+ ){{1,2}}(?:Road|Street|Avenue|Lane|Close|Drive|Crescent|Terrace|"
    rf"Gardens|Grove|Mews|Court|Estate|Way|Walk|Parade|Boulevard|Wynd)\b",
)
# A family placed at a named street, whatever the street's kind: "the family at Castle View",
# "Rourke family at Quarry Bank again", "the girl at Canal Side".
_STREET_CAP = (
    r"(?:Road|Street|Avenue|Lane|Close|Drive|Way|Court|Crescent|Terrace|Gardens|Place|Grove|"
    r"Walk|Rise|View|Mews|Row|Square|Hill|Parade|Green|Vale|Croft|Chase|Heights|Fold|Bank|"
    r"Side|Meadows|End|Brow|Yard|Wharf)"
)
PLACED_AT_STREET = re.compile(
    r"\b(?i:family|fam|household|boy|girl|child|kids|children|mum|dad|baby|little one|yp|lad|"
    r"siblings|they|she|he)(?:['’]s)?(?: (?i:is|are|was|were|now|still|live|lives|living))* "
    rf"(?i:at|on) ((?:[A-Z][a-z]+ ){{1,2}}{_STREET_CAP})(?![\w'’-])"
)
# Addresses described rather than numbered: "the flat over the bakery on Mill Lane, Town",
# "the caravan behind the garage at Fold End", "No. 14 on the Brookfield estate".
_CAP = r"[A-Z][\w'’&-]*"
_CAPRUN = rf"(?:the )?{_CAP}(?: (?:{_CAP}|&))*"
_TOWN = r"(?: [a-z]+(?=,))?(?:,? [A-Z][a-z]+(?: [A-Z][a-z]+)?\b)?"
_DWELLING = (
    r"(?:static caravan|granny flat|end terrace|mid terrace|flat|bungalow|maisonette|caravan|"
    r"house|terrace|cottage|bedsit|lay-by|farmhouse|annexe|(?:room|pitch|plot|unit|no\.?)(?= ?\d))"
)
_BESIDE = (
    r"(?:above|over|behind|next to|next door to|opposite|beside|at the (?:end|back|top|bottom) "
    r"of|round the back of|on|at|off|by|near)"
)
DESCRIBED = re.compile(
    rf"\b(?:(?i:the|a|an) )?(?i:{_DWELLING})(?: ?\d{{1,4}}[a-z]?)?,? (?i:{_BESIDE}) "
    rf"(?:(?!(?i:and|but|so|because|with|for|from)\b)[\w'’-]+ ){{0,4}}?"
    rf"{_CAPRUN}(?: (?i:on|in|off|at) {_CAPRUN})?{_TOWN}"
    rf"|\b(?i:above|over|behind) the [a-z]+ (?i:on|in) (?:{_CAP} )+(?i:{_STREET})\b{_TOWN}"
    rf"|(?<![\w'’-])(?:[A-Z][\w'’-]+ ){{1,2}}(?i:travellers?'?|caravan|gypsy) (?i:site|park)"
    rf"(?:,? (?i:pitch|plot|unit) \d+)?"
    rf"|\b(?i:room|flat|pitch|plot|unit) \d+[a-z]?(?:,| at| in) (?:the )?(?:{_CAP} )*{_CAP}"
    rf"(?: (?i:hostel|hotel|refuge|inn|b&b|lodge))?{_TOWN}"
    rf"|\b(?i:lives?|living|staying|moved|address|addr)(?: \w+)? (?i:at|to|in) "
    rf"(The (?:{_CAP} )*{_CAP}{_TOWN})"
)
# Where a family lives, said as a clause: "they live in the flat above the chemist on X Road",
# "living with nan at 4 Y Close, Town", "Address: plot 3 on the Z site". The whole locative
# phrase after a residence verb or an address label, up to the end of its clause (a full stop,
# a line end, a dash, a postcode, or a conjunction that starts a new clause), is the address
# when it names a dwelling, a numbered house or a street; "she is in a meeting" names none.
_RES_WHO = r"(?:they|she|he|family|mum|dad|kids|children|baby|nan|gran)"
RESIDENCE = re.compile(
    rf"\b(?:(?i:lives?|living|lived|staying|stays?|stayed|resides?|residing|housed|moved|"
    rf"moving|placed)(?: (?i:now|currently|still|temporarily|temp|back|together|all))?"
    rf"|(?i:{_RES_WHO})(?:['’]re| are| is|['’]s|s)(?: (?i:now|currently|still|all))?) "
    rf"(?P<body>(?:(?i:in|at|on|with|into|above|over|behind|next door|opposite|near|round)\b"
    rf"|(?:(?<=live )|(?<=lives )|(?<=living ))(?=[A-Z0-9]|(?i:the|room|flat|plot|no)\b))"
    rf"(?:[^\n.;!?]|(?<=No)\.|(?<=St)\.)*?)"
    rf"(?=(?<!No)(?<!St)\s*(?:[.;!?](?:\s|$)|\n|$|\()"
    rf"|,?\s+(?i:[A-Z]{{1,2}}\d[A-Z\d]? ?\d[A-Z]{{2}})\b|\s+[-–—]\s"
    rf"|,?\s+(?i:after|because|since|but|so|until|while|when|which|who|where|for now|and "
    rf"(?=(?-i:[a-z]))|phone|tel|mob)\b)"
)
ADDRESS_LABEL = re.compile(
    r"\b(?i:address|addr)\b(?: (?i:is|now|stay|temp|temporary|for them|for booking))*"
    r"(?P<colon>\s*[:=\-–]\s*|\s+)"
    r"(?P<body>(?:[^\n.;!?]|(?<=No)\.|(?<=St)\.)+?)"
    r"(?=(?<!No)(?<!St)\s*(?:[.;!?](?:\s|$)|\n|$)"
    r"|,?\s+(?i:[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b|\s+[-–—]\s"
    r"|,?\s+(?i:phone|tel|mob|and (?=(?-i:[a-z])))\b)"
)
# "at 14 Elm Road": a bare preposition before a numbered address stays outside the finding.
NUMBERED_AFTER_PREPOSITION = re.compile(r"(?:at|in|on) (?=\d|(?:flat|no\.?|number|unit) ?\d)", _I)
_PLACE_NAMED = re.compile(
    r"\b(?i:flat|house|bedroom|hostel|b&b|caravan|site|refuge|hotel|bungalow|maisonette|"
    r"cottage|bedsit|hmo|estate|plot|pitch|farmhouse|annexe|(?:one|a|single|shared) room"
    r"|room \d+|no\.? ?\d+)\b"
    rf"|\b\d{{1,4}}[a-z]?,? (?!(?i:{_MONTH})\b)[A-Z][a-z]"
    r"|\b[A-Z][\w'’]+ (?i:road|rd|street|st|avenue|ave|lane|close|drive|crescent|terrace|"
    r"gardens|grove|walk|mews|row|court|way|parade|place|square|rise|view|bank|brow|yard)\b"
)
CUE_LEAD = re.compile(r"(?i:\w+(?: \w+)? (?:on|at|in|to|near|around) )(?=the |\S)")
_SCHOOL = (
    r"(?:primary|infants?|juniors?|academy|high school|high|secondary school|school|college|"
    r"nursery|pre-?school|sixth form|pru|pupil referral unit|day nursery|c of e primary)"
)
SCHOOL = re.compile(
    rf"(?<![\w'’-])(?:St\.? |Saint )?(?:[A-Z][A-Za-z'’-]*(?:'s)? (?:(?:and |& )(?=[A-Z]))?){{1,4}}"
    rf"(?:(?i:{_SCHOOL})|Grammar)\b"
    rf"(?i:(?: school| academy))?",
)
# A school given where a form or a sentence asks for one: "School/setting: Elm Tree Pre-School"
# on its own line, or "school (Little Acorns Westfield)" in brackets after the school word. A
# setting's own name need not carry a school word ("Little Acorns").
SCHOOL_FIELD = re.compile(
    r"(?im:^[ \t•*-]*(?:school|setting|nursery|education)(?:\s*/\s*(?:setting|nursery|college))?"
    r"[ \t]*:[ \t]*((?-i:[A-Z][\w'’&.-]*)(?:[ \t]+(?:(?-i:[A-Z][\w'’&.-]*)|of|the|and|&))*)"
    r"[ \t]*$)"
    r"|\b(?i:school|nursery|setting|college)\s*\(\s*((?:[A-Z][\w'’&-]*\s+){0,4}[A-Z][\w'’&-]*)"
    r"\s*\)"
)
SCHOOL_LOWER = re.compile(
    rf"\b(?:attends|attending|goes to|go to|at|from|pupil at|year \d+ at|excluded from|"
    rf"moved to|started at|in) ((?:st |saint )?(?:{_WORD} ){{1,3}}{_SCHOOL}\b(?: school)?)",
    _I,
)
# A saint's-name school placed by its town ("Westbury St Anne's"); the bare "St Anne's" is
# also a church or a parish, so it needs the town.
SAINT_SCHOOL = re.compile(r"(?<![\w'’-])[A-Z][a-z]+ (?:St\.?|Saint) [A-Z][a-z]+['’]s(?![\w'’])")
# A bare saint's name ("St Anne's") is a school where the sentence is about school: after
# a school word, a DSL or teacher "at", or "starts at"/"attends".
SAINT_AFTER_SCHOOL_CUE = re.compile(
    r"\b(?i:school|dsl|senco|head ?teacher|teacher|class teacher|pupil|attends?|attending|"
    r"starts?|started|starting|goes|go|going|year \d+|reception|nursery)\b[^\n.!?]{0,25}?"
    r"(?<![\w'’-])((?:St\.?|Saint) [A-Z][a-z]+['’]s)(?![\w'’])"
)
GENERIC_SCHOOL_WORDS = frozenset(
    "the his her their a new local current previous primary secondary high junior infant "
    "nursery same this that mainstream special private catholic faith village his/her "
    "at in from to attends school".split()
)


LEADING_GENERIC = re.compile(
    r"(?:(?:" + "|".join(sorted(GENERIC_SCHOOL_WORDS - {"st"}, key=len, reverse=True)) + r")\s+)+",
    _I,
)


def _spans(pattern: re.Pattern[str], text: str, kind: T, conf: float) -> Iterator[Candidate]:
    """Every match of pattern as a candidate of one kind."""
    for m in pattern.finditer(text):
        yield kind, m.start(), m.end(), conf


# Written in capitals with its space, the postcode shape holds even with inward letters the
# Royal Mail never issues (C, I, K, M, O, V): people mistype them, and the shape still names
# a street.
POSTCODE_SHAPE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")


def postcodes(text: str) -> Iterator[Candidate]:
    """Full UK postcodes in any case ('ND4 7QT', 'nd47qt')."""
    for m in POSTCODE.finditer(text):
        token = m.group(0)
        if token.islower() and " " not in token and not token[-1].isalpha():
            continue
        yield T.POSTCODE, m.start(), m.end(), 0.95
    yield from _spans(POSTCODE_SHAPE, text, T.POSTCODE, 0.85)


def emails(text: str) -> Iterator[Candidate]:
    """Every e-mail address; the screener drops staff and author addresses."""
    yield from _spans(EMAIL, text, T.EMAIL, 0.95)


def ni_numbers(text: str) -> Iterator[Candidate]:
    """National Insurance numbers: HMRC's prefix rules, or the bare shape where it is announced.

    A valid prefix is enough on its own. An invalid one (people copy the specimen "QQ") is
    still someone's NI number when the message calls it one ("NI", "NINo", "national
    insurance" earlier in the same paragraph) or when it is written in the pairs NI numbers
    are printed in ("QQ 12 34 56 C"), which no other reference uses; otherwise a
    two-letters-six-digits code (a course or product code) is left alone.
    """
    taken = [m.span() for m in NI.finditer(text)]
    for s, e in taken:
        yield T.NI_NUMBER, s, e, 0.95
    for m in NI_SHAPE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        para = text.rfind("\n\n", 0, m.start()) + 1
        cue = NI_CUE.search(text, max(para, m.start() - 120), m.start())
        if cue or NI_SPACED.fullmatch(m.group(0)):
            yield T.NI_NUMBER, m.start(), m.end(), 0.85


def numbers(text: str) -> Iterator[Candidate]:
    """NHS numbers (check digit), then case references after a cue, then bare long numbers."""
    taken: list[tuple[int, int]] = []  # NHS numbers, then case references, then phones
    for m in TEN_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        cue = re.search(
            r"nhs\W*(?:no|num|number)?\W*$", text[max(0, m.start() - 20) : m.start()], _I
        )
        if digits[0] != "0" and nhs.is_valid(digits):
            yield T.NHS_NUMBER, m.start(), m.end(), 0.95
            taken.append((m.start(), m.end()))
        elif cue or (
            NHS_SHAPE.fullmatch(m.group(0))
            and NHS_CUE_IN_SENTENCE.search(text, max(0, m.start() - 60), m.start())
        ):
            yield T.NHS_NUMBER, m.start(), m.end(), 0.6  # mistyped but announced as NHS
            taken.append((m.start(), m.end()))
    nhs_numbers = Spans(taken)
    # References come in order of position, each starting where its cue ends, so every one
    # taken so far starts before the next: it is covered exactly when one reaches past it.
    reach = -1
    for m in CASE_CUE.finditer(text):
        ref = REF_TOKEN.match(text, m.end())
        if ref and not (nhs_numbers.stabs(ref.start()) or reach > ref.start()):
            value = ref.group(0).rstrip("/-")
            if sum(c.isdigit() for c in value) >= 4 or upn.is_valid(value):
                glued = GLUED_PREFIX.search(text, max(0, ref.start() - 6), ref.start())
                start = glued.start() if glued else ref.start()
                for s, e in _listed_refs(text, start, ref.start() + len(value)):
                    taken.append((s, e))
                    reach = max(reach, e)
                    yield T.CASE_REFERENCE, s, e, 0.9
    # Codes of one shape never overlap one another (finditer), so only what was taken before
    # each loop needs asking, through one index.
    for pattern in (INCIDENT, GLUED_CODE, SPACED_CODE):
        earlier = Spans(taken)
        for m in pattern.finditer(text):
            if pattern is not INCIDENT and TICKET_BEFORE.search(
                text, max(0, m.start() - 60), m.start()
            ):
                continue
            hyphen = pattern is GLUED_CODE and m.group("hyphen")
            if hyphen and not CASEWORK_BEFORE.search(text, max(0, m.start() - 40), m.start()):
                continue
            if not earlier.overlaps(m.start(), m.end()):
                taken.append(m.span())
                yield T.CASE_REFERENCE, m.start(), m.end(), 0.85
    taken.extend(m.span() for m in PHONE.finditer(text))
    covered = Spans(taken)
    for m in LONG_NUMBER.finditer(text):
        if not covered.stabs(m.start()):
            yield T.CASE_REFERENCE, m.start(), m.end(), 0.5


def _listed_refs(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A reference found after its cue, then each reference listed after it.

    "Refs: EH/2024/5619 / LCS-1564273": the cue names the list, not only its first item. A
    listed item needs four digits and is not a date ("ref 123456, 14/05/2026" is a date).
    """
    yield start, end
    for _ in range(8):
        gap = REF_LIST_GAP.match(text, end)
        ref = REF_TOKEN.match(text, gap.end()) if gap and gap.end() > end else None
        if ref is None:
            return
        value = ref.group(0).rstrip("/-")
        if sum(c.isdigit() for c in value) < 4 or DATE.fullmatch(value):
            return
        start, end = ref.start(), ref.start() + len(value)
        yield start, end


def vehicles(text: str) -> Iterator[Candidate]:
    """Current-format registrations anywhere; older formats only after a cue word."""
    yield from _spans(VRM, text, T.VEHICLE_REGISTRATION, 0.85)
    for m in VRM_CUE.finditer(text):
        yield T.VEHICLE_REGISTRATION, m.start(1), m.end(1), 0.9


def handles(text: str) -> Iterator[Candidate]:
    """@handles (not e-mails) and handles named after a platform."""
    for m in HANDLE.finditer(text):
        yield T.SOCIAL_HANDLE, m.start(), m.start() + len(m.group(0).rstrip(".")), 0.8
    for m in HANDLE_BEFORE_PLATFORM.finditer(text):
        yield T.SOCIAL_HANDLE, m.start(1), m.end(1), 0.8
    yield from _spans(PROFILE_URL, text, T.SOCIAL_HANDLE, 0.85)
    for m in PLATFORM_HANDLE.finditer(text):
        handle = m.group(1).rstrip(".")
        if len(handle.lstrip("@")) >= 3:
            yield T.SOCIAL_HANDLE, m.start(1), m.start(1) + len(handle), 0.85


def dates_of_birth(text: str) -> Iterator[Candidate]:
    """Dates announced as a birth date; other dates (meetings) are left alone."""
    last = -1
    for m in DATE.finditer(text):
        before = text[max(0, m.start() - 60) : m.start()]
        after = text[m.end() : m.end() + 12]
        listed = (
            last >= 0 and m.start() - last <= 40 and DOB_LIST_GAP.fullmatch(text, last, m.start())
        )
        if listed or DOB_CUE.search(before) or re.match(r"\s*\(?\s*d\.?o\.?b\b", after, _I):
            yield T.DATE_OF_BIRTH, m.start(), m.end(), 0.95
            last = m.end()
    for m in BORN_YEAR.finditer(text):
        yield T.DATE_OF_BIRTH, m.start(1), m.end(1), 0.8


def ages(text: str) -> Iterator[Candidate]:
    """Ages stated with a unit or 'aged'; bare numbers are judged next to names."""
    yield from _spans(AGE, text, T.AGE, 0.85)


def addresses(text: str) -> Iterator[Candidate]:
    """Numbered street addresses, flats, and named streets where someone lives."""
    for m in RESIDENCE.finditer(text):
        body = m.group("body")
        if _PLACE_NAMED.search(body) and re.search(r"[A-Z0-9]", body):  # a place, not "the flat"
            lead = NUMBERED_AFTER_PREPOSITION.match(body)  # "live at [address]" reads on
            yield T.ADDRESS, m.start("body") + (lead.end() if lead else 0), m.end("body"), 0.8
    for m in ADDRESS_LABEL.finditer(text):
        body = m.group("body")
        if ":" in m.group("colon") or _PLACE_NAMED.search(body):
            yield T.ADDRESS, m.start("body"), m.end("body"), 0.85
    for m in PLACED_AT_STREET.finditer(text):
        yield T.ADDRESS, m.start(1), m.end(1), 0.75
    for m in DESCRIBED.finditer(text):
        start = m.start(1) if m.group(1) else m.start()
        yield T.ADDRESS, start, m.end(), 0.75
    for pattern, conf in ((ADDRESS, 0.9), (FLAT, 0.9), (NAMED_STREET, 0.7)):
        for m in pattern.finditer(text):
            start = m.start()
            lead = CUE_LEAD.match(m.group(0)) if pattern is NAMED_STREET else None
            if lead:
                start = m.start() + lead.end()
            yield T.ADDRESS, start, m.end(), conf


def schools(text: str) -> Iterator[Candidate]:
    """Named schools and nurseries, capitalised or after 'attends'/'goes to'."""
    for m in SCHOOL.finditer(text):
        words = m.group(0).split()
        if len(words) > 1 and words[-1] == "high" and words[-2].isupper():
            continue  # "MARAC high", "DASH high": a risk level, not a school
        if words[0].lower() not in GENERIC_SCHOOL_WORDS or words[0] in ("St", "St."):
            yield T.SCHOOL, m.start(), m.end(), 0.85
            continue
        # "School Oakfield Primary", "New Hollins Academy": a field label or a generic word
        # before the name is dropped, and the named school after it still counts.
        lead = LEADING_GENERIC.match(m.group(0))
        rest = m.group(0)[lead.end() :].split() if lead else []
        if lead and len(rest) > 1 and rest[0].lower() not in GENERIC_SCHOOL_WORDS:
            yield T.SCHOOL, m.start() + lead.end(), m.end(), 0.8
    for m in SCHOOL_FIELD.finditer(text):
        g = 1 if m.group(1) else 2
        yield T.SCHOOL, m.start(g), m.end(g), 0.75
    for m in SAINT_AFTER_SCHOOL_CUE.finditer(text):
        yield T.SCHOOL, m.start(1), m.end(1), 0.75
    for m in SAINT_SCHOOL.finditer(text):
        if m.group(0).split()[0].lower() not in GENERIC_SCHOOL_WORDS:
            yield T.SCHOOL, m.start(), m.end(), 0.8
    for m in SCHOOL_LOWER.finditer(text):
        first = m.group(1).split()[0].lower()
        if first not in GENERIC_SCHOOL_WORDS:
            yield T.SCHOOL, m.start(1), m.end(1), 0.75


RECOGNISERS = (
    postcodes,
    emails,
    ni_numbers,
    numbers,
    vehicles,
    handles,
    dates_of_birth,
    ages,
    addresses,
    schools,
)
