"""Refusals name roles as the profile spells them (its acronyms in capitals)."""

from __future__ import annotations

import re

from domain.roles import ROLE_TITLES, Role
from profiles.loader import load_profile
from tests.support.dates import DEMO_PROFILE


def test_every_role_has_a_title_with_the_profiles_acronyms_in_capitals() -> None:
    acronyms = load_profile(DEMO_PROFILE).acronyms
    assert set(ROLE_TITLES) == set(Role)
    for title in ROLE_TITLES.values():
        for acronym in acronyms:
            for word in re.findall(rf"\b{acronym}\b", title, flags=re.IGNORECASE):
                assert word == acronym, title
