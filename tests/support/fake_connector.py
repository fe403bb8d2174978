"""A fake Bot Connector service: records every call the bot makes and answers like Teams."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.test_utils import TestServer

TENANT_PATH = "emea/6f1c2b7e-0d4a-4c1e-9a57-3b2f8e0d9c11"


@dataclass(frozen=True)
class ConnectorCall:
    """One request the bot made to the connector."""

    op: str  # send | reply | update | delete | create_conversation | get_member | get_team
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any] | None
    returned_id: str | None = None
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def text(self) -> str:
        """The activity text, or "" (cards carry their text in attachments)."""
        return str((self.body or {}).get("text") or "")

    @property
    def member_ids(self) -> list[str]:
        """The members of a conversation the bot asked to create."""
        return [str(m.get("id")) for m in (self.body or {}).get("members") or []]

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Card contents attached to this activity."""
        return [
            a.get("content") or {}
            for a in (self.body or {}).get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass(frozen=True)
class Upload:
    """One PUT the bot made to a fake upload URL (a OneDrive upload session)."""

    name: str
    body: bytes
    content_range: str | None


@dataclass(frozen=True)
class Arrival:
    """One request that reached the connector, answered or refused (what Teams' limits count)."""

    at: float  # time.monotonic()
    conversation_id: str | None  # None: not about a conversation (create, teams)
    status: int


@dataclass
class FakeConnector:
    """Start with `await connector.start()`; point activities' serviceUrl at `service_url`."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[ConnectorCall] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    # Conversation id prefix -> status: every call into a matching conversation fails with it
    # (a personal chat Teams cannot reach, while the channel works); delete the key to heal it.
    failing_conversations: dict[str, int] = field(default_factory=dict)
    # The Authorization header of every connector call, in order (None: sent without one).
    authorizations: list[str | None] = field(default_factory=list)
    # Files the bot uploaded to `upload_url(...)`, and statuses to answer the next uploads with.
    uploads: list[Upload] = field(default_factory=list)
    upload_failures: list[int] = field(default_factory=list)
    # Every connector request in order of arrival, with the status it was answered with.
    arrivals: list[Arrival] = field(default_factory=list)
    # Retry-After values: the next len() calls are answered 429 with the first one, in turn.
    throttled: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def service_url(self) -> str:
        """The serviceUrl to put on inbound activities (with a tenant path, as Teams does)."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.port}/{TENANT_PATH}/"

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()

    def upload_url(self, name: str) -> str:
        """An upload URL as Teams hands one out on accept (it records the PUT)."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.port}/upload/{name}"

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` calls with `status` (throttling, outages)."""
        self.failures.extend([status] * times)

    def throttle(self, times: int, retry_after: str) -> None:
        """Answer the next `times` calls 429 Too Many Requests with this Retry-After header."""
        self.throttled.extend([retry_after] * times)

    def of(self, op: str) -> list[ConnectorCall]:
        """Every recorded call of one kind."""
        return [call for call in self.calls if call.op == op]

    def posted(self) -> list[ConnectorCall]:
        """Every new message the bot sent (sends and replies)."""
        return [call for call in self.calls if call.op in ("send", "reply")]

    async def wait_for(
        self, predicate: Callable[[list[ConnectorCall]], bool], seconds: float = 5.0
    ) -> list[ConnectorCall]:
        """Wait until the recorded calls satisfy `predicate` (for sends made after a reply)."""
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(lambda: predicate(self.calls))
        return self.calls

    async def _record(self, call: ConnectorCall) -> None:
        self.calls.append(replace(call, at=time.monotonic()))
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path
        if path.startswith("/upload/") and request.method == "PUT":
            return await self._upload(request)
        if "/v3/" not in path:
            return web.json_response({"error": "not a connector path"}, status=404)
        parts = [unquote(p) for p in path.split("/v3/", 1)[1].split("/")]
        body = await request.json() if request.can_read_body else None
        self.authorizations.append(request.headers.get("Authorization"))
        conversation = parts[1] if parts[0] == "conversations" and len(parts) > 1 else None
        response = self._refusal(conversation) or await self._route(request.method, parts, body)
        self.arrivals.append(Arrival(time.monotonic(), conversation, response.status))
        return response

    def _refusal(self, conversation: str | None) -> web.Response | None:
        """The injected failure this call gets, if any."""
        if self.throttled:
            return web.json_response(
                {"error": {"code": "TooManyRequests"}},
                status=429,
                headers={"Retry-After": self.throttled.pop(0)},
            )
        if self.failures:
            status = self.failures.pop(0)
            return web.json_response({"error": {"code": "Injected"}}, status=status)
        if conversation is not None:
            for prefix, status in self.failing_conversations.items():
                if conversation.startswith(prefix):
                    return web.json_response({"error": {"code": "Injected"}}, status=status)
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        if self.upload_failures:
            return web.json_response({"error": "Injected"}, status=self.upload_failures.pop(0))
        name = unquote(request.path.removeprefix("/upload/"))
        body = await request.read()
        self.uploads.append(Upload(name, body, request.headers.get("Content-Range")))
        return web.json_response({"id": name, "name": name, "size": len(body)}, status=201)

    async def _route(self, method: str, parts: list[str], body: Any) -> web.Response:
        if parts[0] == "teams" and len(parts) >= 2:
            await self._record(ConnectorCall("get_team", None, None, None))
            return web.json_response({"id": parts[1], "name": "Team", "aadGroupId": None})
        if parts[0] != "conversations":
            return web.json_response({"error": "unknown"}, status=404)
        if len(parts) == 1 and method == "POST":
            new_id = f"a:fake-conversation-{next(self._ids)}"
            await self._record(ConnectorCall("create_conversation", new_id, None, body, new_id))
            return web.json_response({"id": new_id, "activityId": None})
        conversation_id = parts[1]
        if len(parts) >= 3 and parts[2] == "members":
            return await self._member(conversation_id, parts[3] if len(parts) > 3 else None)
        if len(parts) >= 3 and parts[2] == "activities":
            return await self._activity(method, conversation_id, parts[3:], body)
        return web.json_response({"error": "unknown"}, status=404)

    async def _activity(
        self, method: str, conversation_id: str, rest: list[str], body: Any
    ) -> web.Response:
        activity_id = rest[0] if rest else None
        if method == "POST":
            op = "reply" if activity_id else "send"
            new_id = f"bot-activity-{next(self._ids)}"
            await self._record(ConnectorCall(op, conversation_id, activity_id, body, new_id))
            return web.json_response({"id": new_id})
        if method == "PUT" and activity_id:
            await self._record(ConnectorCall("update", conversation_id, activity_id, body))
            return web.json_response({"id": activity_id})
        if method == "DELETE" and activity_id:
            await self._record(ConnectorCall("delete", conversation_id, activity_id, None))
            return web.Response(status=200)
        return web.json_response({"error": "unknown"}, status=404)

    async def _member(self, conversation_id: str, member_id: str | None) -> web.Response:
        await self._record(ConnectorCall("get_member", conversation_id, member_id, None))
        if member_id is None:
            return web.json_response(list(self.members.values()))
        member = self.members.get(member_id)
        if member is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(member)
