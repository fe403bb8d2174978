"""The service a post names: exactly one of the profile's, by name or key."""

from __future__ import annotations

import pytest

from domain.named_service import service_named_in

SERVICES = {
    "fc-northgate": "Family Centre Northgate",
    "fc-riverside": "Family Centre Riverside",
    "fsp-north": "Family Support Programme North",
    "fsp-north-east": "Family Support Programme North East",
}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Step up please for a Family Centre Riverside case", "fc-riverside"),
        ("family centre  riverside, step up please", "fc-riverside"),
        ("<at>Step Up Bot</at> Family Centre Northgate consultation", "fc-northgate"),
        ("Step up, fc-riverside", "fc-riverside"),
        ("Family Support Programme North East: step up", "fsp-north-east"),
        ("Family Support Programme North, step up", "fsp-north"),
        ("Family Centre Riverside (Family Centre Riverside) again", "fc-riverside"),
        ("Step up please", None),
        ("Family Centre Riverside and Family Centre Northgate", None),
        ("Family Centre Riversider", None),
        ("FC Riverside", None),
    ],
)
def test_the_one_service_a_post_names(text: str, key: str | None) -> None:
    assert service_named_in(text, SERVICES) == key
