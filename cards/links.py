"""Teams deep links the cards and texts use (the form Teams shows under "Copy link")."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def thread_link(channel_id: str | None, thread_id: str | None, group_id: str | None) -> str | None:
    """The Teams deep link to a channel thread (its root message), when it has one:
    https://teams.microsoft.com/l/message/<channelId>/<messageId>?groupId=…&parentMessageId=…"""
    if not (channel_id and thread_id):
        return None
    query: dict[str, str] = {}
    if group_id:
        query["groupId"] = group_id
    query["parentMessageId"] = thread_id
    path = f"{quote(channel_id, safe=':@')}/{quote(thread_id, safe='')}"
    return f"https://teams.microsoft.com/l/message/{path}?{urlencode(query)}"
