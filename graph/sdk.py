"""Loads the msgraph-sdk request builders this app navigates, once, with their warnings muted.

msgraph-sdk 1.65's generated builder modules call `warnings.warn(DeprecationWarning)` in a
class body, i.e. when the module is first imported, which the SDK does lazily in the middle of
a request. Importing them here, up front, keeps that out of request handling (and out of the
test suite, which turns warnings into errors).
"""

from __future__ import annotations

import importlib
import warnings

_G = "msgraph.generated."
_BUILDERS = (
    "groups.groups_request_builder",
    "groups.item.group_item_request_builder",
    "groups.item.transitive_members.transitive_members_request_builder",
    "users.users_request_builder",
    "users.item.user_item_request_builder",
    "users.item.mailbox_settings.mailbox_settings_request_builder",
    "sites.sites_request_builder",
    "sites.item.site_item_request_builder",
    "sites.item.lists.lists_request_builder",
    "sites.item.lists.item.list_item_request_builder",
    "sites.item.lists.item.items.items_request_builder",
    "teams.teams_request_builder",
    "teams.item.team_item_request_builder",
    "teams.item.schedule.schedule_request_builder",
    "teams.item.schedule.shifts.shifts_request_builder",
    "teams.item.channels.channels_request_builder",
    "teams.item.channels.item.channel_item_request_builder",
    "teams.item.channels.item.messages.messages_request_builder",
    "teams.item.channels.item.messages.item.chat_message_item_request_builder",
    "teams.item.channels.item.messages.item.replies.replies_request_builder",
    "teams.item.channels.item.messages.item.replies.item.chat_message_item_request_builder",
)


def load() -> None:
    """Import every builder above (idempotent: Python caches modules)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        importlib.import_module("kiota_abstractions.default_query_parameters")
        for name in _BUILDERS:
            importlib.import_module(_G + name)


load()
