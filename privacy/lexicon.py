"""Word lists the screen consults: shipped name/word lists and hand-kept cue words."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _load(name: str) -> frozenset[str]:
    """Read one shipped, lower-case, one-per-line list from privacy/data."""
    text = resources.files("privacy").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(text.split())


def strong_names() -> frozenset[str]:
    """Given names and surnames that are not English words (kayden, zofia, okonkwo)."""
    return _load("names_strong.txt")


def weak_names() -> frozenset[str]:
    """Names that are also English words (rose, hope, storm, brown): need context."""
    return _load("names_weak.txt")


def given_names() -> frozenset[str]:
    """Given names, strong or weak (used where a surname would not fit)."""
    return _load("given_names.txt")


def english_words() -> frozenset[str]:
    """Lower-case English words (SCOWL british-english plus chat abbreviations)."""
    return _load("english_words.txt")


def _words(text: str) -> frozenset[str]:
    """A frozen set of the whitespace-separated words in text."""
    return frozenset(text.split())


# Weak names that are given names and so are names when capitalised mid-sentence; the
# other weak names (surnames such as Brown, Hall, Council) need a stronger cue.
GIVEN_WORD_NAMES = _words(
    """rose hope storm faith river summer grace autumn sky skye rain willow ivy holly daisy
    poppy ruby amber jade pearl crystal honey blossom star sunny brook dawn joy patience mercy
    charity precious blessing gift favour goodness peace lucky princess prince hunter rocky
    robin wren heather hazel fern iris lily violet olive rosemary ginger misty phoenix raven
    angel destiny harmony melody journey legend miracle treasure liberty royal saint ocean
    marvellous comfort happiness wisdom praise victory memory promise lark clover marigold
    meadow jack will mark bill pat sue bob tom kit max ray jan may june april august rob sam
    guy dean glen carol penny sandy cliff rusty bunny cherry candy""",
)
# Words after which a month name is a date, not a girl called June.
MONTH_BEFORE = _words(
    "since in from until till til by of early late mid end last next this during out due back "
    "before after around"
)
MONTHS = _words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""",
)
# Words naming a family member or the child: the name that follows is family data.
RELATIONS = _words(
    """mum mom mummy mother dad daddy father stepdad stepmum step-dad step-mum nan nana nanny
    gran granny grandma grandmother grandad grandfather grandparent aunt auntie aunty uncle
    cousin brother sister bro sis sibling siblings son daughter baby babies child children
    kid kids toddler infant partner boyfriend girlfriend bf gf husband wife ex ex-partner
    carer carers twin twins half-brother half-sister niece nephew yp cyp pupil stepson
    stepdaughter fiance fiancee teen teenager eldest youngest oldest""",
)
TITLES = _words("mr mrs ms miss mx")
# Professionals named by role are kept ("Mr Patel the DSL", "HV Sarah").
ROLE_WORDS = frozenset(
    p.strip()
    for p in """dsl, dsls, sw, social worker, headteacher, head teacher, teacher, class teacher,
    senco, hv, health visitor, gp, school nurse, nurse, midwife, police officer, pc, dc, ds,
    pcso, lead professional, key worker, keyworker, fsw, family support worker, manager, tm,
    ap, practitioner, paediatrician, psychologist, camhs worker, yot worker, probation officer,
    idva, isva, housing officer, therapist, counsellor, deputy head, principal, head,
    consultant, advisor, adviser, coordinator, co-ordinator, chair, mentor, solicitor""".split(",")
)
GREETINGS = _words(
    """hi hello hey dear morning afternoon evening thanks thank cheers regards hiya cc fao
    attn ta""",
)
# Capitalised, but never a person: days, chat words, brands, section words.
NOT_NAMES = _words(
    """i a monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu
    thurs fri sat sun teams outlook whatsapp zoom ofsted camhs nspcc cafcass nhs ok
    okay hi hello thanks urgent re fw fwd asap pls please council christmas easter eid
    diwali ramadan halloween google facebook instagram snapchat tiktok youtube twitter
    liquid logic mosaic ehm lcs barnardos barnardo's january february march september
    october november december""",
)
# Function words that also occur as (mostly Chinese) names: never names on their own.
FUNCTION_WORDS = _words(
    """he she it we they you his her its our their this that these those there here who what
    which when where why how him them me my mine your yours us an the and or but if so as at by
    for in of on to up do did does done be been being am are is was were will would can could
    may might must shall should has have had not no yes all any some""",
)
# Words that cannot be a name at the start of a sentence even when unknown to the lexicon.
NAME_VERBS = _words(
    """is was has had have attends attended lives lived said says told disclosed reported
    presents presented remains stays stayed goes went refuses refused missed misses struggles
    struggled became becomes moved continues continued shared alleged alleges cannot can't
    can will would won't isn't wasn't hasn't doesn't didn't does did needs needed""",
)
# Capital abbreviations that follow "mum's"/"dad's" as a field, not as initials ("dad's NI").
FIELD_ABBREVIATIONS = _words(
    """ni nino dob nhs gp hv sw edd uc pip dla esa jsa mh dv da sm ce cse ehcp sen send iq
    id ref no tel mob num reg cin cp lac iro mash fd eh taf gcp dash marac mappa pcso pc dc"""
)
