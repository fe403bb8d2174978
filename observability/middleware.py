"""HTTP middleware: a request id on every request, its log lines and its response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from observability.logs import request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reuse a well-formed incoming X-Request-Id, else make one; echo it back."""
    incoming = request.headers.get("X-Request-Id", "")
    rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
    token = request_id.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-Id"] = rid
        raise
    finally:
        request_id.reset(token)
    response.headers["X-Request-Id"] = rid
    return response
