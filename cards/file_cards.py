"""Teams file cards: the consent card that asks to save a file, and the card that shows it.

Teams' personal-chat file flow: the bot sends a file consent card; the person's answer comes
back as a `fileConsent/invoke` with the card's context (and, on accept, an upload URL in their
OneDrive); the bot PUTs the bytes there and sends a file info card pointing at the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Attachment

FILE_CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"


def file_consent_card(
    name: str, description: str, size: int, context: Mapping[str, str]
) -> Attachment:
    """Ask to save `name` (`size` bytes); `context` comes back with the answer, either way."""
    return Attachment(
        content_type=FILE_CONSENT_TYPE,
        name=name,
        content={
            "description": description,
            "sizeInBytes": size,
            "acceptContext": dict(context),
            "declineContext": dict(context),
        },
    )


def file_info_card(upload_info: Mapping[str, Any]) -> Attachment:
    """The uploaded file, as Teams shows it in the chat (from the accepted upload's info)."""
    return Attachment(
        content_type=FILE_INFO_TYPE,
        name=str(upload_info.get("name") or ""),
        content_url=str(upload_info.get("contentUrl") or ""),
        content={
            "uniqueId": str(upload_info.get("uniqueId") or ""),
            "fileType": str(upload_info.get("fileType") or ""),
        },
    )
