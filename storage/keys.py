"""Where the field cipher's keys come from: settings, or a development key file in local mode."""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path

from settings import ROOT, Settings
from storage.crypto import FieldCipher, new_key_ring_entry

log = logging.getLogger(__name__)

DEV_KEYS = ROOT / "var" / "dev-keys.json"


def build_cipher(settings: Settings, dev_keys: Path = DEV_KEYS) -> FieldCipher:
    """The cipher from settings; local mode without keys uses (and creates) a dev key file."""
    ring = settings.encryption_keys.get_secret_value()
    mac = settings.hmac_key.get_secret_value()
    if ring and mac:
        return FieldCipher.from_text(ring, mac)
    if settings.auth_enabled:  # production: the settings validator has already refused this
        raise RuntimeError("production needs STEPUP_ENCRYPTION_KEYS and STEPUP_HMAC_KEY")
    log.warning("keys.development", extra={"path": str(dev_keys)})
    return FieldCipher.from_text(*_dev_keys(dev_keys))


def _dev_keys(path: Path) -> tuple[str, str]:
    if path.exists():
        stored = json.loads(path.read_text())
        return stored["ring"], stored["hmac"]
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    ring = new_key_ring_entry("dev1")
    mac = base64.urlsafe_b64encode(os.urandom(32)).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"ring": ring, "hmac": mac}, handle)
    return ring, mac
