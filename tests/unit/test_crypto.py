"""Field encryption: sealed values open only with the right key and context; keys rotate."""

from __future__ import annotations

import base64
import os

import pytest

from storage.crypto import (
    DecryptError,
    FieldCipher,
    KeyConfigError,
    new_key_ring_entry,
    parse_key_ring,
)

MAC = base64.urlsafe_b64encode(os.urandom(32)).decode()


def _cipher(ring: str) -> FieldCipher:
    return FieldCipher.from_text(ring, MAC)


def test_a_sealed_value_opens_with_the_same_context_and_hides_the_text() -> None:
    cipher = _cipher(new_key_ring_entry("k1"))
    token = cipher.seal("7304518", context="ehm:abc")
    assert "7304518" not in token and token.startswith("v1:k1:")
    assert cipher.open(token, context="ehm:abc") == "7304518"
    assert cipher.seal("7304518", context="ehm:abc") != token  # a fresh nonce every time


@pytest.mark.parametrize("context", ["ehm:other-row", "phone:abc", ""])
def test_a_value_moved_to_another_row_or_column_does_not_open(context: str) -> None:
    cipher = _cipher(new_key_ring_entry("k1"))
    with pytest.raises(DecryptError):
        cipher.open(cipher.seal("7304518", context="ehm:abc"), context=context)


def test_a_tampered_value_does_not_open_and_the_error_holds_no_text() -> None:
    cipher = _cipher(new_key_ring_entry("k1"))
    token = cipher.seal("7304518", context="c")
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptError) as error:
        cipher.open(tampered, context="c")
    assert "7304518" not in str(error.value)


def test_rotation_new_key_first_old_values_still_open_then_re_seal() -> None:
    old = new_key_ring_entry("k1")
    token = _cipher(old).seal("0113 496 0577", context="p")
    rotated = _cipher(f"{new_key_ring_entry('k2')},{old}")
    assert rotated.open(token, context="p") == "0113 496 0577"
    assert rotated.needs_rotation(token)
    fresh = rotated.rotate(token, context="p")
    assert fresh.startswith("v1:k2:") and not rotated.needs_rotation(fresh)
    with pytest.raises(DecryptError):
        _cipher(new_key_ring_entry("k2")).open(token, context="p")  # old key dropped too soon


def test_fingerprints_match_equal_values_only_and_depend_on_the_key() -> None:
    cipher = _cipher(new_key_ring_entry("k1"))
    assert cipher.fingerprint("7304518") == cipher.fingerprint("7304518")
    assert cipher.fingerprint("7304518") != cipher.fingerprint("7304519")
    other = FieldCipher.from_text(
        new_key_ring_entry("k1"), base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    assert other.fingerprint("7304518") != cipher.fingerprint("7304518")


@pytest.mark.parametrize(
    "ring",
    [
        "",
        "no-colon",
        "k1:c2hvcnQ",
        f"{new_key_ring_entry('k1')},{new_key_ring_entry('k1')}",
        "bad id!:" + "A" * 43,
    ],
)
def test_an_unusable_key_ring_is_refused_without_echoing_it(ring: str) -> None:
    with pytest.raises(KeyConfigError) as error:
        parse_key_ring(ring)
    if ":" in ring:
        assert ring.split(":", 1)[1][:20] not in str(error.value)
