"""Pace the bot's calls to Teams: sliding windows per conversation and for the whole app.

Teams answers HTTP 429 to a bot that posts faster than its documented limits (Microsoft Learn,
"Optimize your bot with rate limiting in Teams"): per bot per thread 7 operations in 1 s, 8 in
2 s, 60 in 30 s and 1800 in 3600 s, and 50 requests a second for the whole app in a tenant.
`Pacer.reserve` books the earliest moment at which one more call keeps every window (each
widened by a safety margin) under its limit, for the conversation and for the app, and says
how long to wait for it. It is pure: the clock and the jitter are injected.

A "conversation" is what Teams counts as a thread: a 1:1 chat, a group chat or a channel. The
replies in a channel's threads are counted against the channel (`conversation_key`), which is
the cautious reading of "per thread" (Microsoft's answers call a channel one thread).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Window:
    """At most `limit` calls in any `seconds`."""

    limit: int
    seconds: float


# Per bot per thread (Teams' table, the same for sends, updates and conversation creation).
CONVERSATION_WINDOWS = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
# Teams allows 50 RPS per app per tenant for everything the app does (roster reads, Graph-free
# connector calls, a second instance): this process keeps to 30 and leaves the rest as headroom.
APP_WINDOW = Window(30, 1.0)
# Each window is treated as this much longer, so network jitter between our clock and Teams'
# cannot squeeze a window's calls into less than its length on arrival.
MARGIN_SECONDS = 0.25
# How long a send may wait for its slot: a turn (Teams waits 15 s for the HTTP answer) and the
# outbox (a longer wait hands the message back, uncounted, instead of holding the tick).
TURN_WAIT_SECONDS = 4.0
OUTBOX_WAIT_SECONDS = 1.0
# A 429's Retry-After is honoured up to this, plus up to JITTER_SECONDS of random jitter (so
# throttled senders do not all come back at once); a 429 without one waits DEFAULT_RETRY.
RETRY_AFTER_CAP_SECONDS = 300.0
JITTER_SECONDS = 1.0
DEFAULT_RETRY_SECONDS = 2.0
# Memory: a conversation with no call in its longest window (and no block) is forgotten; at
# most this many are remembered (the least recently used goes first).
MAX_CONVERSATIONS = 10_000
SWEEP_SECONDS = 60.0
# A sender woken this much later than its slot books again (see `pace`).
LATE_SECONDS = 0.05


class Throttled(Exception):
    """Not sent: Teams' limits (or its 429) allow the call only in `retry_in` seconds."""

    def __init__(self, retry_in: float, conversation: str | None = None) -> None:
        super().__init__(f"retry in {retry_in:.1f} s")
        self.retry_in = retry_in
        # The conversation (as Teams counts it) whose limits held the call back, when known:
        # the outbox leaves the message alone until that conversation has a slot again.
        self.conversation = conversation


def throttled(error: BaseException) -> bool:
    """Whether a send failed only because Teams' limits held it back (not a counted failure)."""
    return isinstance(error, Throttled)


def conversation_key(conversation_id: str) -> str:
    """The thread Teams counts a call against: a channel thread's replies count for the channel."""
    return conversation_id.split(";messageid=", 1)[0]


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A Retry-After header (delta-seconds or an HTTP date) as seconds from `now`, capped;
    None when there is none or it cannot be read."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            at = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        seconds = (at - now).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_SECONDS)


@dataclass
class _Conversation:
    # Booked call times, oldest first; only the last `limit` of the largest window matter.
    stamps: deque[float]
    blocked_until: float = 0.0


@dataclass
class Pacer:
    """Books call slots so that no conversation window and no app window is exceeded."""

    windows: tuple[Window, ...] = CONVERSATION_WINDOWS
    app_window: Window = APP_WINDOW
    margin: float = MARGIN_SECONDS
    now: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random  # in [0, 1): scaled by JITTER_SECONDS
    max_conversations: int = MAX_CONVERSATIONS
    _conversations: OrderedDict[str, _Conversation] = field(default_factory=OrderedDict)
    _app: list[float] = field(default_factory=list)  # booked app-wide call times, sorted
    _swept_at: float = -math.inf

    @property
    def conversations(self) -> int:
        """How many conversations the pacer remembers."""
        return len(self._conversations)

    @property
    def app_stamps(self) -> int:
        """How many app-wide call times it holds."""
        return len(self._app)

    def held_for(self) -> float:
        """Seconds until the last 429 block ends (0 when no conversation is blocked)."""
        now = self.now()
        return max([0.0] + [c.blocked_until - now for c in self._conversations.values()])

    def reserve(self, conversation_id: str, *, max_wait: float = math.inf) -> float:
        """Book the earliest call slot for this conversation; returns the wait in seconds.

        When the wait would exceed `max_wait` nothing is booked (the caller does not send).
        """
        return self.book(conversation_id, max_wait=max_wait)[0]

    def book(self, conversation_id: str, *, max_wait: float = math.inf) -> tuple[float, float]:
        """As `reserve`, also saying when the slot is: (wait, at), on this pacer's clock."""
        now = self.now()
        self._forget_old(now)
        conversation = self._conversation(conversation_key(conversation_id))
        at = self._app_slot(self._conversation_slot(conversation, now))
        wait = at - now
        if wait > max_wait:
            return wait, at
        conversation.stamps.append(at)
        insort(self._app, at)
        return wait, at

    def wait(self, conversation_id: str) -> float:
        """Seconds until the earliest slot `book` would give this conversation now (its own
        windows, any 429 block, the app's window), booking nothing."""
        now = self.now()
        self._forget_old(now)
        conversation = self._conversations.get(conversation_key(conversation_id))
        start = now if conversation is None else self._conversation_slot(conversation, now)
        return max(0.0, self._app_slot(start) - now)

    def release(self, conversation_id: str, at: float) -> None:
        """Give back the slot booked at `at` (the call did not go then)."""
        conversation = self._conversations.get(conversation_key(conversation_id))
        if conversation is not None:
            _remove_near(conversation.stamps, at)
        i = bisect_left(self._app, at - _SAME)
        if i < len(self._app) and abs(self._app[i] - at) <= _SAME:
            del self._app[i]

    def block(self, conversation_id: str, seconds: float | None) -> float:
        """Teams said 429: no call to this conversation for `seconds` (or the default) plus
        jitter; returns the wait until then."""
        now = self.now()
        base = DEFAULT_RETRY_SECONDS if seconds is None else min(seconds, RETRY_AFTER_CAP_SECONDS)
        until = now + base + self.jitter() * JITTER_SECONDS
        conversation = self._conversation(conversation_key(conversation_id))
        conversation.blocked_until = max(conversation.blocked_until, until)
        return conversation.blocked_until - now

    # --- helpers ------------------------------------------------------------------------------

    def _conversation_slot(self, conversation: _Conversation, now: float) -> float:
        """The earliest time >= now that keeps every window of this conversation."""
        stamps = conversation.stamps
        start = max(now, conversation.blocked_until, stamps[-1] if stamps else now)
        for window in self.windows:
            if len(stamps) >= window.limit:
                start = max(start, stamps[-window.limit] + window.seconds + self.margin)
        return start

    def _conversation(self, key: str) -> _Conversation:
        conversation = self._conversations.get(key)
        if conversation is None:
            longest = max((w.limit for w in self.windows), default=1)
            conversation = self._conversations[key] = _Conversation(deque(maxlen=longest))
            while len(self._conversations) > self.max_conversations:
                self._conversations.popitem(last=False)
        self._conversations.move_to_end(key)
        return conversation

    def _app_slot(self, start: float) -> float:
        """The earliest time >= start at which one more app-wide call keeps its window."""
        span = self.app_window.seconds + self.margin
        candidates = [start] + [s + span for s in self._app if s + span > start]
        for at in sorted(candidates):
            if self._app_allows(at, span):
                return at
        return max(start, self._app[-1] + span) if self._app else start  # pragma: no cover

    def _app_allows(self, at: float, span: float) -> bool:
        """No `limit + 1` app calls (this one included) within less than `span` seconds."""
        limit, stamps = self.app_window.limit, self._app
        i = bisect_right(stamps, at)
        merged = stamps[max(0, i - limit) : i] + [at] + stamps[i : i + limit]
        position = min(i, limit)
        for first in range(max(0, position - limit), position + 1):
            last = first + limit
            if last < len(merged) and merged[last] - merged[first] < span:
                return False
        return True

    def _forget_old(self, now: float) -> None:
        """Drop app times out of their window; now and then, conversations gone idle."""
        horizon = now - self.app_window.seconds - self.margin
        drop = bisect_right(self._app, horizon)
        if drop:
            del self._app[:drop]
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        longest = max((w.seconds for w in self.windows), default=0.0) + self.margin
        idle = [
            key
            for key, c in self._conversations.items()
            if c.blocked_until <= now and (not c.stamps or c.stamps[-1] <= now - longest)
        ]
        for key in idle:
            del self._conversations[key]


# Two booked times this close are the same slot.
_SAME = 1e-9


def _remove_near(stamps: deque[float], at: float) -> None:
    for i, stamp in enumerate(stamps):
        if abs(stamp - at) <= _SAME:
            del stamps[i]
            return


# --- how long the current task may wait -------------------------------------------------------

_deadline: ContextVar[float | None] = ContextVar("pacing_deadline", default=None)


@contextmanager
def patience(seconds: float, now: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Sends made inside wait at most until `seconds` from now, all together (never longer
    than an enclosing patience allows)."""
    deadline = now() + seconds
    outer = _deadline.get()
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def patience_left(now: Callable[[], float] = time.monotonic) -> float:
    """Seconds a send may still wait here (TURN_WAIT_SECONDS outside any `patience`)."""
    deadline = _deadline.get()
    return TURN_WAIT_SECONDS if deadline is None else max(0.0, deadline - now())


async def pace(pacer: Pacer | None, conversation_id: str) -> None:
    """Wait for this conversation's slot, or raise Throttled when it is further than allowed.

    Slots are booked ahead, first come first served. A sender woken late (the event loop held
    by a long turn or a busy machine) gives its slot back and books again from now: otherwise
    every late sender goes at once when the loop resumes, while the book says they were spread
    out (16 calls in one second were measured that way under load).
    """
    if pacer is None:
        return
    while True:
        allowed = patience_left(pacer.now)
        wait, at = pacer.book(conversation_id, max_wait=allowed)
        if wait > allowed:
            raise Throttled(wait, conversation_key(conversation_id))
        if wait <= 0:
            return
        await asyncio.sleep(wait)
        if pacer.now() - at <= LATE_SECONDS:
            return
        pacer.release(conversation_id, at)
