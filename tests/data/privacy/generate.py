"""Seeded generator of the tuning corpus, and converter of the hand-written held-out set.

Run: python tests/data/privacy/generate.py  (rewrites tuning.jsonl and heldout.jsonl)

Markup used by the templates and by heldout.txt:
  <<TYPE:text>>  family personal data of TYPE (codes in CODES)
  {{text}}       text that must be kept verbatim
All people, numbers and places are fictional; phones are Ofcom drama ranges.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from stdnum.gb import nhs

HERE = Path(__file__).parent
V = TypeVar("V")
CODES = {
    "N": "name",
    "DOB": "date_of_birth",
    "AGE": "age",
    "ADDR": "address",
    "PC": "postcode",
    "PH": "phone",
    "EM": "email",
    "NHS": "nhs_number",
    "NI": "ni_number",
    "CASE": "case_reference",
    "SCH": "school",
    "VRM": "vehicle_registration",
    "SOC": "social_handle",
}
MARK = re.compile(r"<<([A-Z]+):(.*?)>>|\{\{(.*?)\}\}", re.S)


def parse(markup: str) -> tuple[str, list[dict[str, object]], list[dict[str, int]]]:
    """Strip the markup; return the text, family spans and must-keep spans."""
    out, family, keep, pos = [], [], [], 0
    length = 0
    for m in MARK.finditer(markup):
        out.append(markup[pos : m.start()])
        length += m.start() - pos
        value = m.group(2) if m.group(1) else m.group(3)
        if m.group(1):
            family.append({"type": CODES[m.group(1)], "start": length, "end": length + len(value)})
        else:
            keep.append({"start": length, "end": length + len(value)})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(markup[pos:])
    return "".join(out), family, keep


# ---- pools (generator only; the held-out set uses other names and styles) ----------------
CULTURES = {
    "british": (
        [
            "Kayden",
            "Tyler",
            "Alfie",
            "Harley",
            "Lacey",
            "Macy",
            "Evie",
            "Mason",
            "Liam",
            "Jessica",
            "Bella",
            "Kenzie",
            "Reece",
            "Jayden",
            "Tayla",
            "Demi",
            "Paige",
            "Lexi",
        ],
        ["Kayleigh", "Gemma", "Stacey", "Dean", "Lee", "Craig", "Leanne", "Jodie"],
        [
            "Smith",
            "Jones",
            "Taylor",
            "Walker",
            "Wright",
            "Robinson",
            "Thompson",
            "Hall",
            "Green",
            "Harrison",
            "Cooper",
            "Turner",
            "Moore",
            "Parker",
            "Shaw",
            "Holmes",
        ],
    ),
    "south_asian": (
        [
            "Aarav",
            "Ayaan",
            "Zara",
            "Aisha",
            "Hamza",
            "Inaya",
            "Riya",
            "Arjun",
            "Simran",
            "Harpreet",
            "Zainab",
            "Bilal",
        ],
        ["Shazia", "Imtiaz", "Rukhsana", "Gurpreet", "Sunita", "Tariq", "Nasreen"],
        [
            "Khan",
            "Begum",
            "Hussain",
            "Patel",
            "Ahmed",
            "Akhtar",
            "Singh",
            "Kaur",
            "Chaudhry",
            "Miah",
        ],
    ),
    "polish": (
        ["Zofia", "Kacper", "Oliwia", "Jakub", "Wiktoria", "Szymon", "Zuzanna"],
        ["Agnieszka", "Tomasz", "Katarzyna", "Piotr", "Magdalena"],
        ["Kowalski", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Nowicka"],
    ),
    "romanian": (
        ["Andrei", "Ionut", "Bianca", "Denisa", "Florin", "Larisa"],
        ["Mihaela", "Cristian", "Elena", "Vasile"],
        ["Popescu", "Ionescu", "Dumitru", "Stoica", "Munteanu"],
    ),
    "nigerian": (
        ["Chidi", "Adaeze", "Tobenna", "Oluwatobi", "Blessing", "Precious", "Favour", "Damilola"],
        ["Ngozi", "Emeka", "Funmilayo", "Babatunde", "Chiamaka"],
        ["Okonkwo", "Nwosu", "Eze", "Balogun", "Okeke", "Ogunleye"],
    ),
    "somali": (
        ["Hodan", "Ayaan", "Hibaq", "Mahad", "Ifrah", "Liban", "Sagal"],
        ["Fadumo", "Mohamed", "Halima", "Ahmed", "Sahra"],
        ["Warsame", "Farah", "Jama", "Egal", "Osman", "Duale"],
    ),
    "caribbean": (
        ["Jermaine", "Tiana", "Shanice", "Kemar", "Jada", "Malachi", "Nia"],
        ["Marcia", "Delroy", "Paulette", "Winston"],
        ["Campbell", "Williams", "Francis", "Grant", "Thomas"],
    ),
    "chinese": (
        ["Jiahui", "Haoran", "Yuxuan", "Mei", "Zihan"],
        ["Lihua", "Jun", "Xiaoling"],
        ["Zhang", "Liu", "Huang", "Wu", "Lin", "Xu"],
    ),
    "traveller": (
        ["Paddy", "Johnjo", "Bridie", "Mikey", "Kathleen", "Patsy"],
        ["Margaret", "Martin", "Winnie", "Bridget"],
        ["McDonagh", "Maughan", "Connors", "Joyce", "Stokes", "Doherty"],
    ),
}
WORD_NAMES = [
    "Rose",
    "Hope",
    "Storm",
    "Faith",
    "River",
    "Summer",
    "Grace",
    "Willow",
    "Ivy",
    "Ruby",
    "Autumn",
    "Skye",
    "Jack",
    "Blessing",
    "Precious",
]
STREETS = [
    "Elm Road",
    "Birch Close",
    "Acacia Avenue",
    "Mill Lane",
    "Hollins Court",
    "Station Road",
    "Jubilee Crescent",
    "Larch Grove",
    "Canal Street",
    "Orchard Way",
    "Beacon Drive",
    "Cedar Gardens",
    "Foundry Terrace",
    "Poplar Walk",
]
TOWNS = ["Eastfield", "Stanton", "Ashby Moor", "Kingsmead"]
SCHOOLS = [
    "Oakfield Primary",
    "St Mary's RC Primary School",
    "Little Acorns Nursery",
    "Hilltop Academy",
    "Northdown High School",
    "Brookside Infants",
    "Westbury Junior School",
    "Sunnyside Day Nursery",
    "Ashby Moor Academy",
    "St Aidan's C of E Primary",
]
INDICATORS = [
    "domestic abuse",
    "parental mental health",
    "parental substance misuse",
    "neglect",
    "child criminal exploitation",
    "child sexual exploitation",
    "missing from home",
    "self-harm",
    "emotional abuse",
    "situation could reduce the child's safety",
    "non-engagement with services",
    "online harm",
    "homelessness",
    "physical abuse",
]
NICKNAMES = {
    "Bethany": "Beth",
    "Oluwaseun": "Seun",
    "Rhiannon": "Rhi",
    "Imran": "Im",
    "Jasmine": "Jas",
    "Megan": "Meg",
    "Siobhan": "Siobhan",
    "Nadia": "Nads",
}
MAP_STAFF = ["Tom", "Ewa", "Sam", "Callum", "Chloe", "Tom Okafor", "Ewa Nowak", "Sam Reid"]
AUTHORS = [  # (name, email, service, role, phone)
    (
        "Priya Shah",
        "priya.shah@northdown.gov.uk",
        "Family Centre Northgate",
        "FC Manager",
        "01632 960101",
    ),
    (
        "Rhiannon Price",
        "rhiannon.price@northdown.gov.uk",
        "Family Centre Riverside",
        "Family Centre Manager",
        "01632 960111",
    ),
    (
        "Imran Qureshi",
        "imran.qureshi@northdown.gov.uk",
        "Family Support Programme North",
        "FSP Manager",
        "0113 496 0122",
    ),
    (
        "Bethany Clarke",
        "bethany.clarke@northdown.gov.uk",
        "FSP South",
        "FSP Manager",
        "0113 496 0123",
    ),
    (
        "Kwame Asante",
        "kwame.asante@northdown.gov.uk",
        "Family Centre Northgate",
        "Senior Family Support Worker",
        "01632 960112",
    ),
    (
        "Aoife Byrne",
        "aoife.byrne@northdown.gov.uk",
        "Family Centre Eastfield",
        "FC Manager",
        "01632 960113",
    ),
    (
        "Nadia Rahman",
        "nadia.rahman@northdown.gov.uk",
        "Family Centre Kingsmead",
        "Family Centre Manager",
        "020 7946 0101",
    ),
    (
        "Oluwaseun Adeyemi",
        "oluwaseun.adeyemi@northdown.gov.uk",
        "Family Support Programme South",
        "Team Leader",
        "020 7946 0102",
    ),
    (
        "Helen Tang",
        "helen.tang@northdown.gov.uk",
        "Family Centre Southbrook",
        "FC Manager",
        "01632 960114",
    ),
    (
        "Siobhan Kelly",
        "siobhan.kelly@northdown.gov.uk",
        "Family Centre Hollins Vale",
        "FC Manager",
        "01632 960116",
    ),
    (
        "Megan Tranter",
        "megan.tranter@northdown.gov.uk",
        "Family Centre Kingsmead",
        "DSL",
        "020 7946 0103",
    ),
    (
        "Jasmine Bailey",
        "jasmine.bailey@northdown.gov.uk",
        "FSP East",
        "FSP Manager",
        "0113 496 0125",
    ),
    (
        "Yusuf Abdi",
        "yusuf.abdi@northdown.gov.uk",
        "Family Support Programme East",
        "Team Leader",
        "0113 496 0127",
    ),
    (
        "Ellie Marsh",
        "ellie.marsh@northdown.gov.uk",
        "Family Centre Westbury",
        "FC Manager",
        "01632 960117",
    ),
]


class Gen:
    """Builds one marked-up message at a time from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, seq: Sequence[V]) -> V:
        return self.r.choice(seq)

    # ---- family items ---------------------------------------------------------------------
    def family(self) -> tuple[list[str], list[str], list[str]]:
        kids, parents, surnames = CULTURES[self.pick(list(CULTURES))]
        if self.r.random() < 0.2:
            kids = kids + WORD_NAMES
        return kids, parents, surnames

    def age(self) -> str:
        return str(self.r.randint(1, 17))

    def date(self, year_lo: int, year_hi: int) -> str:
        d, m, y = self.r.randint(1, 28), self.r.randint(1, 12), self.r.randint(year_lo, year_hi)
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        style = self.r.randrange(4)
        if style == 0:
            return f"{d:02d}/{m:02d}/{y}"
        if style == 1:
            return f"{d}.{m}.{str(y)[2:]}"
        if style == 2:
            return f"{d} {months[m - 1]} {y}"
        return f"{d}/{m}/{y}"

    def phone(self) -> str:
        return self.pick(
            [
                f"07700 900{self.r.randint(100, 999)}",
                f"07700900{self.r.randint(100, 999)}",
                f"01632 960{self.r.randint(400, 999)}",
                f"0113 496 0{self.r.randint(500, 999)}",
                f"020 7946 0{self.r.randint(500, 999)}",
                f"+44 7700 900{self.r.randint(100, 999)}",
            ]
        )

    def nhs_number(self) -> str:
        while True:
            base = str(self.r.randint(400000000, 799999999))
            valid = [base + d for d in "0123456789" if nhs.is_valid(base + d)]
            if valid:
                n = valid[0]
                return self.pick([f"{n[:3]} {n[3:6]} {n[6:]}", n])

    def ni(self) -> str:
        a = self.pick(["AB", "CE", "JG", "KL", "PR", "SW", "TY", "WP"])
        d = "".join(str(self.r.randint(0, 9)) for _ in range(6))
        s = self.pick("ABCD")
        return self.pick([f"{a}{d}{s}", f"{a} {d[:2]} {d[2:4]} {d[4:]} {s}"])

    def postcode(self) -> str:
        return (
            f"ND{self.r.randint(1, 19)} {self.r.randint(1, 9)}{self.pick('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{self.pick('ABDEFGHJLNPQRSTUWXYZ')}"
        )

    def vrm(self) -> str:
        letters = "ABCDEFGHJKLMNOPRSTUVWXY"
        return f"{self.pick(['ND', 'YK', 'MA', 'BF'])}{self.r.randint(10, 24)} " + "".join(
            self.pick(letters) for _ in range(3)
        )

    def case_ref(self) -> str:
        n = self.r.randint(1000000, 9999999)
        return self.pick(
            [
                f"EHM <<CASE:{n}>>",
                f"EHM no. <<CASE:{n}>>",
                f"LCS ID <<CASE:{n}>>",
                f"Mosaic <<CASE:{n}>>",
                f"police ref <<CASE:{self.r.randint(10, 99)}/{self.r.randint(10000, 99999)}/25>>",
                f"EHM ref <<CASE:EH{n}>>",
                f"UPN <<CASE:A{self.r.randint(10**11, 10**12 - 1)}>>",
                f"Home Office ref <<CASE:B{n}>>",
                f"crime number <<CASE:ND-{n}>>",
            ]
        )

    def sentences(self) -> list[str]:
        """One to four sentences of family detail, each holding at least one item."""
        kids, parents, surnames = self.family()
        kid, kid2 = self.r.sample(kids, 2)
        parent, surname = self.pick(parents), self.pick(surnames)
        initial1, initial2 = self.r.sample("BCDEFGHJKLMNPRST", 2)
        street = f"{self.r.randint(1, 140)} {self.pick(STREETS)}"
        pool = [
            f"Child is <<N:{kid}>> (<<AGE:{self.age()}>>), lives with mum <<N:{parent}>>.",
            f"<<N:{kid}>>'s mum has disclosed {self.pick(INDICATORS)}.",
            f"Concerns for <<N:{kid}>> <<N:{surname}>> and sibling <<N:{kid2}>>.",
            f"Mum <<N:{parent} {surname}>> is not engaging.",
            f"<<N:{initial1}>> and <<N:{initial2}>> (<<AGE:{self.age()}>> and <<AGE:{self.age()}>>)"
            f" are the children.",
            f"<<N:{kid}>> DOB <<DOB:{self.date(2008, 2024)}>>.",
            f"YP is <<N:{kid}>> <<N:{surname.upper()}>>, born <<DOB:{self.date(2008, 2012)}>>.",
            f"<<N:{kid}>> is <<AGE:{self.age()}>> and attends <<SCH:{self.pick(SCHOOLS)}>>.",
            f"the <<AGE:{self.age()} year old>> has been missing school.",
            f"Family live at <<ADDR:{street}>>, {self.pick(TOWNS)} <<PC:{self.postcode()}>>.",
            f"Address is <<ADDR:{street}>>.",
            f"postcode <<PC:{self.postcode()}>>.",
            f"Mum's mobile is <<PH:{self.phone()}>>.",
            f"dad can be reached on <<PH:{self.phone()}>>.",
            f"Mum's email <<EM:{parent.lower()}{self.r.randint(1, 99)}@gmail.com>>.",
            f"NHS no <<NHS:{self.nhs_number()}>>.",
            f"<<N:{kid}>>'s NHS number is <<NHS:{self.nhs_number()}>>.",
            f"Dad's NI number <<NI:{self.ni()}>>.",
            f"{self.case_ref()} for reference.",
            f"<<N:{kid}>> goes to <<SCH:{self.pick(SCHOOLS)}>>.",
            f"Dad's partner drives <<VRM:{self.vrm()}>> and has been seen outside the school.",
            f"<<N:{kid}>> is on snapchat as <<SOC:{kid.lower()}_{self.r.randint(1, 99)}x>>.",
            f"Older sibling posts as <<SOC:@{kid.lower()}.{self.r.randint(1, 99)}>> on TikTok.",
            f"baby <<N:{self.pick(WORD_NAMES)}>> is <<AGE:{self.r.randint(2, 11)} months old>>.",
            f"Mrs <<N:{surname}>> says the children are not safe at home.",
            f"{self.pick(['sister', 'brother'])} <<N:{self.pick(WORD_NAMES).lower()}>> is also "
            f"known.",
            f"<<N:{self.pick(WORD_NAMES)}>> (<<AGE:{self.age()}>>) told staff she is scared.",
            f"<<N:{kid}>>, <<AGE:{self.age()}>>, and <<N:{kid2}>>, <<AGE:{self.age()}>>.",
            f"<<N:{initial1}>> is <<AGE:{self.age()}>> and lives with nan.",
            f"<<N:{kid}>> <<AGE:{self.age()}>>yrs and <<N:{kid2}>> <<AGE:{self.age()}>>yrs.",
            f"Kids are <<N:{kid}>> <<AGE:{self.age()}>> and <<N:{kid2}>> <<AGE:{self.age()}>>.",
            f"The children (<<AGE:{self.age()}>>, <<AGE:{self.age()}>> and <<AGE:{self.age()}>>) "
            f"are at home.",
            f"{self.pick(['Lad', 'Girl', 'YP', 'Boy'])} is <<AGE:{self.age()}>>, going missing.",
            f"<<AGE:{self.age()} yr old>> {self.pick(['boy', 'girl'])} seen with older males.",
            f"mum <<N:{parent}>> (<<AGE:{self.r.randint(17, 45)}>>) is pregnant again.",
            f"Child: <<N:{kid}>>, <<AGE:{self.age()}>>.",
            f"They are staying at <<ADDR:Flat {self.r.randint(1, 40)}, "
            f"{self.pick(['Kestrel', 'Beaumont', 'Harrow', 'Victoria'])} House>>.",
            f"Dad lives on <<ADDR:the {self.pick(['Brookfield', 'Millbank', 'Holme'])} estate>>.",
            f"family moved to <<ADDR:{self.pick(STREETS)}>> last week.",
            f"placed in a B&B at <<ADDR:{self.r.randint(1, 90)} {self.pick(STREETS)}>>.",
            f"they have a caravan at <<ADDR:Plot {self.r.randint(1, 20)}, "
            f"{self.pick(['Greenacres', 'Moss Lane', 'Riverbank'])} site>>.",
            f"mum is sofa surfing in <<ADDR:{self.pick(STREETS)}>>.",
            f"Incident at <<ADDR:{self.r.randint(1, 140)}{self.pick(['a', 'b', ''])} "
            f"{self.pick(STREETS)}>> on Saturday.",
            f"{self.pick(['Dad', 'Mum'])} <<N:{parent}>> <<N:{surname}>> d.o.b <<DOB:"
            f"{self.date(1975, 2000)}>>.",
            f"stepdad <<N:{self.pick(parents)}>> hit <<N:{kid}>>.",
            f"<<N:{initial1}>>'s brother <<N:{initial2}>> (<<AGE:{self.age()}>>) is also scared.",
            f"Ms <<N:{initial1}>> has {self.pick(INDICATORS)}.",
            f"The <<N:{surname}>> family are known to police.",
            f"school report <<N:{kid}>> (Y{self.r.randint(1, 11)}) is withdrawn.",
            f"{self.pick(['she', 'he', 'She', 'He'])}'s <<AGE:{self.age()}>> and scared to go "
            f"home.",
            f"{self.pick(['Mum', 'Dad', 'Nan'])} (<<N:{parent}>>) is struggling.",
            f"Name: <<N:{kid} {surname}>>\nDOB: <<DOB:{self.date(2010, 2023)}>>\n"
            f"Address: <<ADDR:{street}>>, <<PC:{self.postcode()}>>",
            f"• child: <<N:{kid}>>, <<AGE:{self.age()}>>\n• mum: <<N:{parent}>>",
            f"<<N:{kid}-{self.pick(['Mae', 'Jay', 'Lee', 'Rose', 'Ann'])}>> hasn't been seen since "
            f"Friday.",
            f"Dad is at <<ADDR:Flat {self.r.randint(1, 9)}, {self.r.randint(10, 99)} "
            f"{self.pick(['Kirkgate', 'Eastgate', 'Broadway', 'Highfield'])}>>.",
            f"EHM ref is <<CASE:EHM-{self.r.randint(1000000, 9999999)}>>, sorry!",
            f"kids hang around on <<ADDR:the {self.pick(['Moorside', 'Longfield'])} estate>>.",
            f"grandad <<N:{self.pick(parents)}>> rang, <<N:{kid}>> hasn't come home.",
            f"<<N:{kid}>> the eldest (<<AGE:{self.age()}>>) is a young carer.",
            f"her youngest <<N:{kid2}>> has bruising.",
            f"<<N:{kid}>> <<AGE:{self.age()}>> rang police last night.",
            f"Baby <<N:{kid2}>> (<<AGE:{self.r.randint(2, 12)} weeks>>) has a bruise.",
            f"Mum and baby (<<AGE:{self.r.randint(2, 12)} weeks>>) are in a refuge.",
            f"Placed at <<ADDR:{self.pick(['Station', 'Crown', 'Albion'])} Hotel, "
            f"{self.r.randint(1, 99)} {self.pick(STREETS)}>>.",
            f"Police log <<CASE:{self.r.randint(100, 9999)} {self.r.randint(1, 28)}/"
            f"{self.r.randint(1, 12)}>>.",
        ]
        return self.r.sample(pool, self.r.randint(1, 4))

    # ---- the message ----------------------------------------------------------------------
    def chatter(self) -> tuple[str, dict[str, str | None]]:
        """A short clean reply, question or notice: no family data at all."""
        name, email, service, role, phone = self.pick(AUTHORS)
        first = name.split()[0]
        staff = self.pick(MAP_STAFF)
        text = self.pick(
            [
                f"Thanks {{{{{staff}}}}}, will update {{{{EHM}}}} now. {{{{{first}}}}}",
                f"Hi {{{{{staff}}}}}, any update on my request from {{{{yesterday}}}}? "
                f"{{{{{first}}}}}",
                f"Is anyone on duty this afternoon? I can wait till {{{{tomorrow}}}}. "
                f"{{{{{NICKNAMES.get(first, first)}}}}}",
                f"{{{{{staff.lower()}}}}} thanks, will ring you after "
                f"{{{{{self.r.randint(1, 4)}}}}}",
                f"Outcome: threshold met, sent to {{{{North Area Assessment Team}}}}. Thanks "
                f"{{{{{staff}}}}}!",
                f"I'm on leave from {{{{Friday}}}} - {{{{Megan}}}} will cover {{{{{service}}}}}.",
                f"Our FSW {{{{{self.pick(['Katie', 'Jenny', 'Mo', 'Dionne'])}}}}} will attend the "
                f"{{{{TAF}}}} on {{{{{self.date(2026, 2026)}}}}}.",
                f"HV {{{{{self.pick(['Sandra', 'Bev', 'Lorraine'])}}}}} is also worried, she will "
                f"join the call.",
                f"Does the {{{{Walsall}}}} consent rule apply here? {{{{{first}}}}}",
                f"Reminder: no names or {{{{EHM}}}} numbers in this channel please. "
                f"{{{{{first}}}}}",
                f"@{{{{{self.pick(['Tom Okafor', 'Ewa Nowak', 'Chloe Whitaker'])}}}}} "
                f"are you on duty "
                f"today? My number is {{{{{phone}}}}}.",
                f"{{{{Grace}}}} and {{{{Daniel}}}} have reviewed the disagreement. {{{{{first}}}}}",
                f"Sorry, posted in the wrong channel - ignore. {{{{{first}}}}}",
                f"Hi {{{{{staff}}}}}, I'm free after {{{{3.30}}}}. {{{{{first}}}}}",
            ]
        )
        if self.r.random() < 0.2:
            text = _lower_markup(text)
        return text, {"name": name, "email": email}

    def message(self, clean: bool) -> tuple[str, dict[str, str | None]]:
        if clean and self.r.random() < 0.4:
            return self.chatter()
        name, email, service, role, phone = self.pick(AUTHORS)
        first = name.split()[0]
        greet = self.pick(
            [
                "Hi {{" + self.pick(MAP_STAFF) + "}},",
                "Hi all,",
                "Morning MAP team,",
                "Hello,",
                "Hi {{Tom}} and {{Ewa}},",
                "@{{Tom Okafor}}",
                "Good afternoon,",
            ]
        )
        inds = self.r.sample(INDICATORS, self.r.randint(1, 3))
        ind_text = ", ".join("{{" + i + "}}" for i in inds)
        ask = self.pick(
            [
                f"requesting a step up consultation for a family open to {{{{{service}}}}}.",
                f"we would like a step up consultation please, family open to "
                f"{{{{{service}}}}} since "
                f"{{{{{self.pick(['January', 'March', 'last summer', '2024'])}}}}}.",
                f"{{{{URGENT}}}} - step up request from {{{{{service}}}}}.",
                f"please can I request a consultation re a family we hold at {{{{{service}}}}}.",
            ]
        )
        ind_line = self.pick(
            [
                f"{{{{L4 indicators}}}}: {ind_text}.",
                f"{{{{Level 4 indicators}}}} identified: {ind_text}.",
                f"{{{{L4}}}} - {ind_text}.",
            ]
        )
        body = [] if clean else self.sentences()
        extra = self.pick(
            [
                "Management oversight is recorded on {{EHM}}.",
                "Case supervision held with my manager, recorded on {{EHM}} case notes.",
                "I will send the {{EHM}} number privately.",
                f"{{{{TAF}}}} meeting is on {{{{{self.date(2026, 2026)}}}}} at {{{{10am}}}}.",
                f"Supervision with "
                f"{{{{{self.pick(['Grace Mensah', 'Daniel Hughes', 'Fiona Doyle'])}}}}} "
                f"on {{{{{self.date(2026, 2026)}}}}}.",
                "The school {{DSL}} has also raised concerns.",
                "{{Mr Patel the DSL}} has agreed to attend the {{TAF}}.",
                "Family has been open to {{Early Help}} for {{6 months}}.",
                "",
            ]
        )
        contact = self.pick(
            [
                f"Please call me on {{{{{phone}}}}}.",
                f"I'm on {{{{{self.phone()}}}}} today.",
                f"My mobile is {{{{{phone}}}}}.",
                "Thanks",
                "Many thanks",
            ]
        )
        sig = self.pick(
            [
                f"{{{{{name}}}}}, {{{{{role}}}}}, {{{{{email}}}}}",
                f"{{{{{name}}}}}\n{{{{{role}}}}} - {{{{{service}}}}}\n{{{{{email}}}}}",
                f"{{{{{first}}}}} ({{{{{email}}}}})",
                f"{{{{{name}}}}} | {{{{{email}}}}} | {{{{{phone}}}}}",
                f"Thanks, {{{{{NICKNAMES.get(first, first)}}}}}",
            ]
        )
        sep = self.pick([" ", "\n"])
        parts = [greet, ask, ind_line, *body, extra, contact]
        text = sep.join(p for p in parts if p) + self.pick(["\n", " - ", "\n\n"]) + sig
        if self.r.random() < 0.12:
            text = _lower_markup(text)
        return text, {"name": name, "email": email}


def _lower_markup(text: str) -> str:
    """Informal all-lower-case version; codes inside <<...:>> keep their case."""
    return re.sub(r"(<<[A-Z]+:)|([^<]+|<)", lambda m: m.group(1) or m.group(2).lower(), text)


def record(idx: str, markup: str, author: dict[str, str | None], split: str) -> dict[str, object]:
    text, family, keep = parse(markup)
    return {"id": idx, "set": split, "author": author, "text": text, "family": family, "keep": keep}


def handwritten(name: str = "heldout", prefix: str = "h") -> list[dict[str, object]]:
    """Parse NAME.txt: blocks split by lines of '---', first line 'author: Name <email>'."""
    out = []
    blocks = (HERE / f"{name}.txt").read_text(encoding="utf-8").split("\n---\n")
    for i, block in enumerate(b.strip("\n") for b in blocks):
        if not block or block.startswith("#"):
            continue
        head, _, body = block.partition("\n")
        m = re.fullmatch(r"author: (.+?) <(.*)>", head.strip())
        if not m:
            raise ValueError(f"{name} block {i} has no author line")
        author = {"name": m.group(1), "email": m.group(2) or None}
        out.append(record(f"{prefix}{i:03d}", body, author, name))
    return out


def main() -> None:
    gen = Gen(20261123)
    rows = []
    for i in range(480):
        markup, author = gen.message(clean=i % 4 == 0)
        rows.append(record(f"t{i:03d}", markup, author, "tuning"))
    sets = (
        ("tuning.jsonl", rows),
        ("heldout.jsonl", handwritten()),
        ("blind.jsonl", handwritten("blind", "b")),
    )
    for name, data in sets:
        with (HERE / name).open("w", encoding="utf-8") as fh:
            for row in data:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
