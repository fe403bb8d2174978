"""Our own `POST /api/messages` handler.

botbuilder 4.17.1's `CloudAdapter.process` answers HTTP 500 to every invoke that returns a body
(it serialises an already-serialised dict) and to a malformed bearer token. The SDK is archived,
so we validate the request, authenticate, run the turn with `process_activity` and write the
invoke response ourselves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botbuilder.schema.teams import TeamsChannelData

from bot import invokes

log = logging.getLogger(__name__)

# A Teams activity is a few KiB sent by Microsoft's datacentres: seconds are plenty.
BODY_SECONDS = 15.0

# The invokes the bot serves (bot/teams_bot.py); Teams sends no other kind to this app.
SERVED_INVOKES = frozenset(
    {invokes.CARD_ACTION, invokes.TASK_FETCH, invokes.TASK_SUBMIT, invokes.FILE_CONSENT}
)

_MAX_ID = 1024
# Teams activities nest a handful of levels; far deeper JSON only exhausts the stack later.
_MAX_DEPTH = 64
# NUL (PostgreSQL text refuses it) and lone surrogates (not encodable as UTF-8) arrive escaped
# in valid JSON and crash whatever stores, seals or logs them: each becomes U+FFFD at the edge.
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")
# Teams' tenant, user and group ids are GUIDs (36 characters) and its team and channel ids are
# thread ids well under 100: longer ones are forged, and would not fit where they are stored.
_ID_LIMITS = {
    # Message ids are 13 digits, invoke ids under 100 characters. The bot replies to them in
    # the connector's URL (`;messageid=<id>`), where an 8 KB forged one broke the call (and the
    # turn) instead of being refused here.
    ("id",): 512,
    ("replyToId",): 512,
    ("from", "aadObjectId"): 64,
    ("conversation", "tenantId"): 64,
    ("channelData", "tenant", "id"): 64,
    ("channelData", "team", "aadGroupId"): 64,
    ("channelData", "team", "id"): 200,
    ("channelData", "teamsTeamId"): 200,
    ("channelData", "channel", "id"): 200,
    ("channelData", "teamsChannelId"): 200,
}
# Display names the handlers read as text (a team's name is stored with its install): a number
# or an object there failed the turn. Absent or null is fine; anything else must be a string.
_TEXT_FIELDS = (
    ("from", "name"),
    ("recipient", "name"),
    ("conversation", "name"),
    ("channelData", "team", "name"),
    ("channelData", "channel", "name"),
)
_MEMBER_LISTS = ("membersAdded", "membersRemoved")


class BadActivity(ValueError):
    """The request is not an activity we can process; the message says why (no content)."""


def parse_activity(payload: Any) -> Activity:
    """Check the envelope a turn needs and build the botbuilder Activity."""
    if not isinstance(payload, dict):
        raise BadActivity("the body must be a JSON object")
    if _depth(payload) > _MAX_DEPTH:
        raise BadActivity("the activity is nested too deeply")
    payload = _cleaned(payload)
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise BadActivity("the activity has no type")
    service_url = payload.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        raise BadActivity("the activity has no valid serviceUrl")
    conversation = payload.get("conversation")
    if not isinstance(conversation, dict) or not _short_str(conversation.get("id")):
        raise BadActivity("the activity has no conversation id")
    sender = payload.get("from")
    if kind in (ActivityTypes.message, ActivityTypes.invoke) and (
        not isinstance(sender, dict) or not _short_str(sender.get("id"))
    ):
        raise BadActivity("the activity has no sender id")
    recipient = payload.get("recipient")
    if not isinstance(recipient, dict) or not _short_str(recipient.get("id")):
        raise BadActivity("the activity has no recipient id")
    if kind == ActivityTypes.invoke:
        if not _short_str(payload.get("name")):
            raise BadActivity("the invoke has no name")
        # Teams' invokes all carry an object; botbuilder's handlers deserialise it unguarded.
        if not isinstance(payload.get("value"), dict):
            raise BadActivity("the invoke's value must be an object")
    for path, limit in _ID_LIMITS.items():
        value = _at(payload, path)
        if value is not None and not isinstance(value, str):
            raise BadActivity(f"{'.'.join(path)} must be a string")
        if isinstance(value, str) and len(value) > limit:
            raise BadActivity(f"{'.'.join(path)} is longer than Teams ever sends")
    for path in _TEXT_FIELDS:
        value = _at(payload, path)
        if value is not None and not isinstance(value, str):
            raise BadActivity(f"{'.'.join(path)} must be a string")
    for field in _MEMBER_LISTS:
        members = payload.get(field)
        if members is not None and not _accounts(members):
            raise BadActivity(f"{field} must be a list of accounts, each with an id")
    channel_data = payload.get("channelData")
    if channel_data is None:
        payload["channelData"] = {}  # botbuilder's Teams handler reads it without a guard
    elif not isinstance(channel_data, dict):
        raise BadActivity("the activity's channelData must be an object")
    try:
        TeamsChannelData().deserialize(payload["channelData"])  # as the Teams handler will
    except Exception:  # msrest raises several types; none may become a failed turn
        raise BadActivity("the activity's channelData does not match Teams' schema") from None
    try:
        activity = Activity().deserialize(payload)
    except Exception:  # msrest raises several types; none may become a 500
        raise BadActivity("the activity does not match the Bot Framework schema") from None
    return activity


def _depth(payload: Any) -> int:
    """How deeply objects and arrays nest (counted without recursion)."""
    deepest, stack = 0, [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _cleaned(value: Any) -> Any:
    """The payload with every unsafe character replaced (depth is already bounded)."""
    if isinstance(value, str):
        return _UNSAFE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def _at(payload: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = payload
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _accounts(members: object) -> bool:
    """Whether `members` is a list of channel accounts as Teams sends them."""
    return isinstance(members, list) and all(
        isinstance(member, dict)
        and _short_str(member.get("id"))
        and all(
            member.get(key) is None or isinstance(member.get(key), str)
            for key in ("name", "aadObjectId")
        )
        for member in members
    )


def _short_str(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID


def _bad_request(reason: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def _timed_out() -> web.Response:
    """408, and the connection closed: the rest of a trickled body is not waited for."""
    response = web.json_response(
        {"error": "the body did not arrive in time"}, status=HTTPStatus.REQUEST_TIMEOUT
    )
    response.force_close()
    return response


def invoke_body(body: Any) -> Any:
    """The JSON body of an invoke response, whether botbuilder left a dict or a model."""
    if body is None or isinstance(body, dict | list | str | int | float | bool):
        return body
    return serializer_helper(body)


def _lacks_expiry(auth_header: str) -> bool:
    """Whether the bearer token parses but carries no numeric `exp` claim.

    botbuilder checks `exp` only when a token has one (PyJWT's default), so a signed token
    without it would never expire. Read unverified: botbuilder verifies the signature next,
    and a token this cannot parse is left for it to refuse.
    """
    scheme, _, token = auth_header.partition(" ")
    if scheme != "Bearer" or not token:
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    exp = claims.get("exp")
    return isinstance(exp, bool) or not isinstance(exp, int | float)


def messages_handler(
    adapter: CloudAdapter,
    bot: Bot,
    *,
    require_expiry: bool = False,
    body_seconds: float = BODY_SECONDS,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Build the aiohttp handler bound to one adapter and bot.

    `require_expiry` (production) refuses a bearer token without an `exp` claim; a body that
    has not fully arrived `body_seconds` after its headers gets 408 and the connection closes.
    """

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _bad_request("Content-Type must be application/json")
        try:
            async with asyncio.timeout(body_seconds):
                body = await request.text()
        except TimeoutError:
            return _timed_out()
        except web.RequestPayloadError:  # e.g. Content-Encoding: gzip on a body that is not
            return _bad_request("the body could not be read as its Content-Encoding says")
        except UnicodeDecodeError:
            return _bad_request("the body is not valid JSON")
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            return _bad_request("the body is not valid JSON")
        except RecursionError:  # the parser's own stack gave out: thousands of levels deep
            return _bad_request("the body is nested too deeply")
        try:
            activity = parse_activity(payload)
        except BadActivity as exc:
            log.info("activity.rejected", extra={"error_code": str(exc)})
            return _bad_request(str(exc))

        auth_header = request.headers.get("Authorization", "")
        if require_expiry and _lacks_expiry(auth_header):
            log.warning(
                "auth.rejected",
                extra={"activity_type": activity.type, "error_type": "TokenWithoutExpiry"},
            )
            return _bad_request("unauthorized", HTTPStatus.UNAUTHORIZED)
        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except Exception as exc:  # PermissionError, jwt errors, bare Exception: all mean "no"
            log.warning(
                "auth.rejected",
                extra={"activity_type": activity.type, "error_type": type(exc).__name__},
            )
            return _bad_request("unauthorized", HTTPStatus.UNAUTHORIZED)

        if activity.type == ActivityTypes.invoke and activity.name not in SERVED_INVOKES:
            # botbuilder's own handlers for these (message extensions, tabs, sign-in...) would
            # only answer 501 after deserialising the value unguarded: a typed field of the
            # wrong type there failed the turn with an ERROR. This bot offers none of them.
            log.info("invoke.not_served", extra={"error_code": "invoke_not_served"})
            return _bad_request("this bot does not handle that invoke", HTTPStatus.NOT_IMPLEMENTED)

        response = await adapter.process_activity(auth, activity, bot.on_turn)
        if response is None:
            return web.Response(status=HTTPStatus.CREATED)
        if response.body is None:
            return web.Response(status=response.status or HTTPStatus.OK)
        return web.json_response(invoke_body(response.body), status=response.status or 200)

    return handle
