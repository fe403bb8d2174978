"""Structured JSON logs that carry ids and event names, never message text or exception text."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType

# Only these `extra` keys reach the log: ids, names, counts and codes. Anything else is dropped,
# so a careless `extra={"text": ...}` cannot leak a family's details.
SAFE_FIELDS = frozenset(
    {
        "correlation_id",
        "request_id",
        "activity_id",
        "activity_type",
        "activity_name",
        "conversation_kind",
        "consultation_id",
        "reference",
        "event",
        "verb",
        "status",
        "http_status",
        "error_type",
        "error_code",
        "mode",
        "count",
        "duration_ms",
        "revision",
        "port",
        "path",
        "types",
        "attempt",
        "key",
    }
)
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# The id of the HTTP request being served, put on every log line written while serving it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; exceptions keep their type and frames but not their message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.msg if isinstance(record.msg, str) else type(record.msg).__name__,
        }
        for key, value in vars(record).items():
            if key in SAFE_FIELDS and key not in _RESERVED and key != "event":
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        current_request = request_id.get()
        if current_request and "request_id" not in entry:
            entry["request_id"] = current_request
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = _describe(record.exc_info[0], record.exc_info[2])
        return json.dumps(entry, ensure_ascii=False)


def _describe(exc_type: type[BaseException], tb: TracebackType | None) -> dict[str, object]:
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    return {"type": exc_type.__qualname__, "frames": frames[-12:]}


def configure_logging(level: str = "INFO") -> None:
    """Send every logger to stderr as JSON lines; quieten chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # These libraries log request URLs and bodies at INFO/DEBUG; bodies may hold message text.
    for noisy in ("aiohttp.access", "msrest", "azure", "httpx", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
