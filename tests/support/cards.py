"""Validate cards against Microsoft's official Adaptive Cards 1.5 JSON schema."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

# Teams adds one host property to the card root; the official schema forbids unknown ones.
_MSTEAMS = {
    "type": "object",
    "properties": {
        "width": {"enum": ["Full"]},
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "text", "mentioned"],
                "properties": {
                    "type": {"const": "mention"},
                    "text": {"type": "string", "pattern": "^<at>.+</at>$"},
                    "mentioned": {
                        "type": "object",
                        "required": ["id", "name"],
                        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
            },
        },
    },
    "additionalProperties": False,
}


@cache
def _validator() -> jsonschema.protocols.Validator:
    text = (resources.files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text()
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def card_errors(card: dict[str, Any]) -> list[str]:
    """Every schema violation in `card` (empty when valid)."""
    root = dict(card)
    msteams = root.pop("msteams", None)
    errors = [e.message[:200] for e in _validator().iter_errors(root)]
    if root.get("version") != "1.5":
        errors.append("Teams cards must declare version 1.5")
    if msteams is not None:
        errors += [
            e.message[:200] for e in jsonschema.Draft7Validator(_MSTEAMS).iter_errors(msteams)
        ]
        for entity in msteams.get("entities", []):
            if entity.get("text") and entity["text"] not in json.dumps(root):
                errors.append("a mention entity's text does not appear in the card")
    return errors


def assert_valid_card(card: dict[str, Any]) -> None:
    """Fail with every violation listed."""
    errors = card_errors(card)
    assert not errors, errors
