"""A fake Microsoft Graph: the JSON shapes of the Graph docs, recorded calls, injected faults."""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestServer
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from tests.support import activities as act
from tests.support.dates import duty_day_at

TOKEN = "fake-graph-access-token"
TM_GROUP, AP_GROUP = "9a000000-0000-4000-8000-00000000a001", "9a000000-0000-4000-8000-00000000a002"
SM_GROUP, REQ_GROUP = "9a000000-0000-4000-8000-00000000a003", "9a000000-0000-4000-8000-00000000a004"
NESTED_GROUP = "9a000000-0000-4000-8000-00000000a005"
ROTA_SITE, ROTA_LIST = "northdown.sharepoint.com,1111,2222", "3c1f0000-0000-4000-8000-0000000000b1"
MORGAN = act.User("29:demo-morgan", "Morgan Lee", "0b6c1d2e-1111-4a2b-8c3d-000000000007")
MORGAN_MAIL = "morgan.lee@northdown.gov.uk"

LONDON = ZoneInfo("Europe/London")
# The demo list's dates, computed from today (the bot's dev clock only moves forward, so fixed
# dates would fall behind it): Morgan's week is the week of the tests' TUESDAY_10AM (the next
# Tuesday in a week the profile's rotation gives to Tom), and Tom covers the Tuesday and
# Wednesday of the week after (Ewa's by the rotation).
ROTA_WEEK: date = duty_day_at(act.TOM.aad_id, weekday=1, hour=10).astimezone(LONDON).date()
ROTA_WEEK -= timedelta(days=ROTA_WEEK.weekday())  # its Monday
COVER_FROM, COVER_TO = ROTA_WEEK + timedelta(days=8), ROTA_WEEK + timedelta(days=9)


def local_z(day: date, hour: int = 0, minute: int = 0) -> str:
    """`hour:minute` London time on `day`, as Graph writes a UTC time ("2026-11-23T00:00:00Z";
    local midnight in summer time is 23:00 UTC the day before)."""
    moment = datetime.combine(day, clock_time(hour, minute), tzinfo=LONDON).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(person: act.User, title: str, phone: str, mobile: str | None = None) -> dict[str, Any]:
    first, last = person.name.lower().split()
    return {
        "id": person.aad_id,
        "displayName": person.name,
        "mail": f"{first}.{last}@northdown.gov.uk",
        "userPrincipalName": f"{first}.{last}@northdown.gov.uk",
        "businessPhones": [phone],
        "mobilePhone": mobile,
        "jobTitle": title,
        "officeLocation": "Northdown House",
    }


def demo_users() -> dict[str, dict[str, Any]]:
    """The demo people (fictional; Ofcom drama numbers) and Morgan, known only to Graph."""
    users = [
        _user(act.PRIYA, "Family Centre Manager (Northgate)", "01632 960101"),
        _user(act.TOM, "Team Manager, MAP", "01632 960201", "07700 900201"),
        _user(act.EWA, "Team Manager, MAP", "01632 960202"),
        _user(act.SAM, "Advanced Practitioner, MAP", "01632 960203"),
        _user(act.GRACE, "Service Manager, CSPA", "01632 960301"),
        _user(act.DANIEL, "Service Manager, Early Help", "01632 960302"),
        _user(MORGAN, "Team Manager, MAP (locum)", "01632 960204", "07700 900204"),
    ]
    return {u["id"]: u for u in users}


def demo_groups() -> dict[str, list[str]]:
    """Role groups; the MAP managers' group nests a group holding Morgan."""
    return {
        TM_GROUP: [act.TOM.aad_id, act.EWA.aad_id, NESTED_GROUP],
        NESTED_GROUP: [MORGAN.aad_id],
        AP_GROUP: [act.SAM.aad_id],
        SM_GROUP: [act.GRACE.aad_id, act.DANIEL.aad_id],
        REQ_GROUP: [act.PRIYA.aad_id],
    }


def list_item(item_id: int, **fields: str) -> dict[str, Any]:
    """A SharePoint list item as `GET .../items?expand=fields` returns it."""
    return {
        "@odata.etag": f'"{item_id},1"',
        "id": str(item_id),
        "lastModifiedDateTime": f"{datetime.now(UTC) - timedelta(days=3):%Y-%m-%dT%H:%M:%SZ}",
        "fields": {"@odata.etag": f'"{item_id},1"', "id": str(item_id), **fields},
    }


def demo_rota_list() -> list[dict[str, Any]]:
    """Morgan's duty week (the profile's rotation says Tom); Tom covers two days of Ewa's week."""
    return [
        list_item(
            1,
            Title=f"Week {ROTA_WEEK.isocalendar().week}",
            WeekStarting=local_z(ROTA_WEEK),
            DutyManager=MORGAN_MAIL,
        ),
        list_item(
            2,
            Title="Cover",
            CoverStart=local_z(COVER_FROM),
            CoverEnd=local_z(COVER_TO),
            Covering="Tom.Okafor@northdown.gov.uk",
        ),
    ]


def shift(user: act.User, start: str, end: str, group: str = "TAG_duty") -> dict[str, Any]:
    """A published Teams Shifts shift."""
    item = {"displayName": "Duty", "startDateTime": start, "endDateTime": end, "theme": "blue"}
    return {
        "id": f"SHFT_{user.aad_id[-4:]}_{start[:10]}",
        "userId": user.aad_id,
        "schedulingGroupId": group,
        "isStagedForDeletion": False,
        "sharedShift": {**item, "notes": None, "activities": []},
        "draftShift": None,
    }


@dataclass(frozen=True)
class GraphCall:
    """One request the app made to Graph."""

    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    body: Any


@dataclass
class Fault:
    """Answer matching requests with `status` (`times` None: always) after `delay` seconds."""

    method: str
    path_contains: str
    status: int
    times: int | None = 1
    retry_after: int | None = None
    delay: float = 0.0


class FakeCredential:
    """An azure-identity style async credential that hands out a fixed token (or refuses)."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token for the scopes, or Entra ID's refusal."""
        self.scopes.append(scopes)
        if self.refuse:
            raise ClientAuthenticationError(message=f"{self.refuse}: refused by the fake")
        return AccessToken(TOKEN, int(time.time()) + 3600)

    async def close(self) -> None:
        """Nothing to release."""
        self.closed = True

    async def __aenter__(self) -> FakeCredential:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.close()


@dataclass
class FakeGraph:
    """Start with `await graph.start()`; set STEPUP_GRAPH_BASE_URL to `base_url`."""

    users: dict[str, dict[str, Any]] = field(default_factory=demo_users)
    groups: dict[str, list[str]] = field(default_factory=demo_groups)
    list_items: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    shifts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    automatic_replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    calls: list[GraphCall] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _server: TestServer | None = None

    @property
    def base_url(self) -> str:
        """Graph's v1.0 root on this fake."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.port}/v1.0"

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_route("*", "/v1.0/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()

    def fail(self, method: str, path_contains: str, status: int, **kw: Any) -> None:
        """Inject a fault for matching requests (see `Fault`)."""
        self.faults.append(Fault(method, path_contains, status, **kw))

    def of(self, method: str, path_contains: str = "") -> list[GraphCall]:
        """Recorded calls of one method whose path contains a fragment."""
        return [c for c in self.calls if c.method == method and path_contains in c.path]

    def patches(self) -> list[GraphCall]:
        """Every PATCH (hidden posts), with the JSON body as sent."""
        return self.of("PATCH")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body else None
        call = GraphCall(
            request.method, path, dict(request.query), request.headers.get("Authorization"), body
        )
        self.calls.append(call)
        for fault in self.faults:
            if fault.method == request.method and fault.path_contains in path:
                if fault.times is not None:
                    if fault.times <= 0:
                        continue
                    fault.times -= 1
                await asyncio.sleep(fault.delay)
                if fault.status < 400:
                    break  # a pure delay
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return _error(fault.status, "Injected", headers)
        if call.authorization != f"Bearer {TOKEN}":
            return _error(401, "InvalidAuthenticationToken")
        return self._route(request, [unquote(p) for p in path.strip("/").split("/")], call)

    def _route(self, request: web.Request, parts: list[str], call: GraphCall) -> web.Response:
        match parts:
            case ["users", user_id] if request.method == "GET":
                user = self.users.get(user_id)
                if user is None:
                    return _error(404, "Request_ResourceNotFound")
                return web.json_response(_select(user, call.query))
            case ["users", user_id, "mailboxSettings", "automaticRepliesSetting"]:
                if user_id not in self.users:
                    return _error(404, "ErrorItemNotFound")
                setting = self.automatic_replies.get(user_id, {"status": "disabled"})
                return web.json_response({"externalAudience": "none", **setting})
            case ["groups", group_id, "transitiveMembers"]:
                if group_id not in self.groups:
                    return _error(404, "Request_ResourceNotFound")
                members = [self._member(m, call.query) for m in self._flatten(group_id)]
                return self._page(request, members)
            case ["sites", site, "lists", list_id, "items"]:
                items = self.list_items.get((site, list_id))
                if items is None:
                    return _error(404, "itemNotFound")
                return self._page(request, copy.deepcopy(items))
            case ["teams", team_id, "schedule", "shifts"]:
                return self._page(request, copy.deepcopy(self.shifts.get(team_id, [])))
            case ["teams", _, "channels", _, "messages", *_] if request.method == "PATCH":
                return web.Response(status=200)
        return _error(404, "UnknownPath")

    def _flatten(self, group_id: str, seen: set[str] | None = None) -> list[str]:
        seen = seen if seen is not None else set()
        found: list[str] = []
        for member in self.groups.get(group_id, []):
            if member in seen:
                continue
            seen.add(member)
            found.append(member)
            if member in self.groups:
                found += self._flatten(member, seen)
        return found

    def _member(self, member_id: str, query: dict[str, str]) -> dict[str, Any]:
        if member_id in self.users:
            return {"@odata.type": "#microsoft.graph.user", **_select(self.users[member_id], query)}
        return {"@odata.type": "#microsoft.graph.group", "id": member_id, "displayName": "Nested"}

    def _page(self, request: web.Request, values: list[dict[str, Any]]) -> web.Response:
        start = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"value": values[start : start + self.page_size]}
        if start + self.page_size < len(values):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(start + self.page_size)
            encoded = "&".join(f"{k}={quote(v, safe=',/')}" for k, v in query.items())
            body["@odata.nextLink"] = f"{self.base_url}{request.path[5:]}?{encoded}"
        return web.json_response(body)


def _select(entity: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    fields = query.get("$select")
    if not fields:
        return dict(entity)
    wanted = set(fields.split(",")) | {"id"}
    return {k: v for k, v in entity.items() if k in wanted}


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": f"fake Graph: {code}", "innerError": {}}}
    return web.json_response(body, status=status, headers=headers)
