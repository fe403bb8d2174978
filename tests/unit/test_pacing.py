"""The Pacer's windows, app limit, Retry-After parsing and memory bound, on an injected clock."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from services.pacing import (
    APP_WINDOW,
    CONVERSATION_WINDOWS,
    MARGIN_SECONDS,
    RETRY_AFTER_CAP_SECONDS,
    Pacer,
    Throttled,
    Window,
    conversation_key,
    pace,
    patience,
    patience_left,
    retry_after_seconds,
)


class FakeTime:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def busiest(times: list[float], seconds: float) -> int:
    """The most of `times` inside any half-open window [x, x + seconds)."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        best = max(best, sum(1 for t in ordered[i:] if t < start + seconds))
    return best


def book(pacer: Pacer, clock: FakeTime, conversation: str, n: int) -> list[float]:
    """Reserve n calls at the same moment; the times they were booked for."""
    return [clock.t + pacer.reserve(conversation) for _ in range(n)]


def test_a_burst_into_one_conversation_keeps_every_window() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    times = book(pacer, clock, "a:chat", 80)
    assert times[:7] == [clock.t] * 7  # the first seven go at once
    assert times[7] == pytest.approx(clock.t + 1 + MARGIN_SECONDS)  # the 8th: after 1.25 s
    assert busiest(times, 1.0 + MARGIN_SECONDS) <= 7
    assert busiest(times, 2.0 + MARGIN_SECONDS) <= 8
    assert busiest(times, 30.0 + MARGIN_SECONDS) <= 60
    assert times[60] >= times[0] + 30 + MARGIN_SECONDS


def test_the_hour_window_holds_1800() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    times = book(pacer, clock, "a:chat", 1801)
    assert busiest(times, 3600.0 + MARGIN_SECONDS) == 1800
    assert times[1800] >= times[0] + 3600 + MARGIN_SECONDS


def test_conversations_do_not_wait_for_each_other_but_share_the_app_limit() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    first = [clock.t + pacer.reserve(f"a:chat-{i}") for i in range(APP_WINDOW.limit)]
    assert first == [clock.t] * APP_WINDOW.limit  # 30 conversations, one call each: at once
    late = clock.t + pacer.reserve("a:chat-31")
    assert late == pytest.approx(clock.t + APP_WINDOW.seconds + MARGIN_SECONDS)


def test_random_traffic_never_exceeds_a_window() -> None:
    rng = random.Random(18)
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    booked: dict[str, list[float]] = {}
    for _ in range(1500):
        clock.t += rng.expovariate(40)  # ~40 asks a second, more than the app allows
        conversation = f"a:chat-{rng.randrange(6)}"
        booked.setdefault(conversation, []).append(clock.t + pacer.reserve(conversation))
    everything = [t for times in booked.values() for t in times]
    assert busiest(everything, APP_WINDOW.seconds + MARGIN_SECONDS) <= APP_WINDOW.limit
    for times in booked.values():
        for window in CONVERSATION_WINDOWS[:3]:
            assert busiest(times, window.seconds + MARGIN_SECONDS) <= window.limit


def test_a_channels_threads_count_as_the_channel() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    times = [clock.t + pacer.reserve(f"19:c@thread.tacv2;messageid={i}") for i in range(8)]
    assert times[7] > clock.t + 1  # eight threads of one channel: the 8th waits
    assert conversation_key("19:c@thread.tacv2;messageid=5") == "19:c@thread.tacv2"


def test_a_wait_longer_than_allowed_books_nothing() -> None:
    clock = FakeTime()
    pacer = Pacer(windows=(Window(1, 10.0),), now=clock, jitter=lambda: 0.0)
    assert pacer.reserve("a:chat") == 0
    assert pacer.reserve("a:chat", max_wait=1.0) > 1.0  # refused: not booked
    assert pacer.reserve("a:chat") == pytest.approx(10 + MARGIN_SECONDS)  # still the 2nd slot


def test_a_block_holds_the_conversation_with_jitter() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.5)
    assert pacer.block("a:chat", 3.0) == pytest.approx(3.5)
    assert pacer.reserve("a:chat") == pytest.approx(3.5)
    assert pacer.reserve("a:other") == 0
    assert pacer.block("a:chat", 10_000) == pytest.approx(RETRY_AFTER_CAP_SECONDS + 0.5)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    assert retry_after_seconds("7", now=now) == 7
    assert retry_after_seconds(" 2.5 ", now=now) == 2.5
    later = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert retry_after_seconds(later, now=now) == pytest.approx(42)
    earlier = format_datetime(now - timedelta(minutes=5), usegmt=True)
    assert retry_after_seconds(earlier, now=now) == 0
    assert retry_after_seconds("86400", now=now) == RETRY_AFTER_CAP_SECONDS
    for unreadable in (None, "", "soon", "nan", "Mon, 99 Foo 2026"):
        assert retry_after_seconds(unreadable, now=now) is None


def test_memory_is_bounded() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0, max_conversations=100)
    for i in range(1000):
        pacer.reserve(f"a:chat-{i}")
        clock.t += 0.05
    assert pacer.conversations == 100  # the least recently used are forgotten
    assert pacer.app_stamps <= APP_WINDOW.limit + 1  # old app times are dropped
    clock.t += 3600 + 61  # an hour and a sweep later, idle conversations are gone
    pacer.reserve("a:new")
    assert pacer.conversations == 1
    longest = max(w.limit for w in CONVERSATION_WINDOWS)
    for _ in range(longest + 50):
        pacer.reserve("a:new")
    assert len(pacer._conversations["a:new"].stamps) == longest


def test_pace_raises_throttled_beyond_the_patience_left() -> None:
    async def scenario() -> None:
        clock = FakeTime()
        pacer = Pacer(windows=(Window(1, 5.0),), now=clock, jitter=lambda: 0.0)
        with patience(1.0, now=clock):
            await pace(pacer, "a:chat")  # free: no wait
            with pytest.raises(Throttled) as raised:
                await pace(pacer, "a:chat")
            assert raised.value.retry_in == pytest.approx(5 + MARGIN_SECONDS)
            with patience(60.0, now=clock):  # an inner patience cannot extend the outer one
                assert patience_left(now=clock) == pytest.approx(1.0)
        await pace(None, "a:chat")  # pacing off: never waits

    asyncio.run(scenario())


def test_senders_held_up_by_a_stalled_loop_do_not_all_go_at_once() -> None:
    """A stall (a long turn, a busy machine) must not release every late sender together: each
    books its slot when it sends, so the window holds after the stall too (the real clock)."""

    async def scenario() -> list[float]:
        window = Window(2, 0.2)
        pacer = Pacer(windows=(window,), app_window=Window(100, 1.0), margin=0.0)
        sent: list[float] = []

        async def send() -> None:
            with patience(10.0):
                await pace(pacer, "19:channel@thread.tacv2")
            sent.append(time.monotonic())

        tasks = [asyncio.create_task(send()) for _ in range(8)]
        await asyncio.sleep(0.05)  # all of them waiting for their slots
        time.sleep(0.6)  # noqa: ASYNC251 - the stall under test: the loop held past most slots
        await asyncio.gather(*tasks)
        return sent

    sent = sorted(asyncio.run(scenario()))
    assert len(sent) == 8
    crowded = [b - a for a, b in zip(sent, sent[2:], strict=False) if b - a < 0.2 - 0.01]
    assert crowded == [], sent  # never three calls in less than the window


def test_invoke_answers_and_traces_are_never_paced_but_messages_are() -> None:
    from botbuilder.core import TurnContext
    from botbuilder.schema import Activity, ActivityTypes, ConversationAccount

    from bot.adapter import CachingAuthentication
    from bot.pacing import PacedAdapter

    async def scenario() -> None:
        clock = FakeTime()
        pacer = Pacer(now=clock, jitter=lambda: 0.0)
        pacer.block("a:chat", 60.0)  # Teams said 429 for this chat: a minute's hold
        adapter = PacedAdapter(CachingAuthentication.__new__(CachingAuthentication), pacer)
        chat = ConversationAccount(id="a:chat")
        turn = TurnContext(adapter, Activity(type=ActivityTypes.invoke, conversation=chat))
        answer = Activity(type=ActivityTypes.invoke_response, value={"status": 200})
        trace = Activity(type=ActivityTypes.trace, conversation=chat, channel_id="msteams")
        with patience(0.0, now=clock):
            await adapter.send_activities(turn, [answer, trace])  # no wait, no connector call
            assert turn.turn_state[adapter._INVOKE_RESPONSE_KEY] is answer
            message = Activity(type=ActivityTypes.message, conversation=chat, text="hello")
            with pytest.raises(Throttled):
                await adapter.send_activities(turn, [message])

    asyncio.run(scenario())


def test_a_throttled_turn_is_a_warning_with_a_busy_answer(caplog: pytest.LogCaptureFixture) -> None:
    from botbuilder.core import BotAdapter, TurnContext
    from botbuilder.schema import Activity, ActivityTypes, ConversationAccount, ResourceResponse

    from bot.adapter import on_turn_error

    class Recording(BotAdapter):
        def __init__(self) -> None:
            super().__init__()
            self.sent: list[Activity] = []

        async def send_activities(
            self, context: TurnContext, activities: list[Activity]
        ) -> list[ResourceResponse]:
            self.sent.extend(activities)
            return [ResourceResponse(id="1") for _ in activities]

        async def update_activity(self, context: TurnContext, activity: Activity) -> None: ...

        async def delete_activity(self, context: TurnContext, reference: object) -> None: ...

    async def scenario(error: Exception) -> str:
        adapter = Recording()
        chat = ConversationAccount(id="a:chat")
        turn = TurnContext(adapter, Activity(type=ActivityTypes.message, conversation=chat))
        await on_turn_error(turn, error)
        [answer] = adapter.sent
        return str(answer.text)

    with caplog.at_level(logging.WARNING):
        busy = asyncio.run(scenario(Throttled(3.0)))
        broken = asyncio.run(scenario(RuntimeError("boom")))
    assert "Teams is busy" in busy and "Sorry, something went wrong" in broken
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["turn.throttled"] == logging.WARNING
    assert levels["turn.failed"] == logging.ERROR


def test_wait_tells_the_slot_book_would_give_without_booking_it() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    assert pacer.wait("a:chat") == 0.0  # a conversation never used goes at once
    book(pacer, clock, "a:chat", 7)
    expected = 1 + MARGIN_SECONDS  # the 8th call waits for the 1 s window
    assert pacer.wait("a:chat") == pytest.approx(expected)
    assert pacer.wait("a:chat") == pytest.approx(expected)  # nothing was booked by asking
    assert pacer.reserve("a:chat") == pytest.approx(expected)
    assert pacer.wait("b:chat") == 0.0  # another conversation is free...


def test_wait_counts_the_app_window_too() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    for n in range(APP_WINDOW.limit):  # the app's calls for this second, one per conversation
        pacer.reserve(f"c{n}:chat")
    # ...until the app has used its window: a new conversation then waits like any other.
    assert pacer.wait("new:chat") == pytest.approx(APP_WINDOW.seconds + MARGIN_SECONDS)


async def test_a_refused_call_names_the_conversation_teams_counts_it_against() -> None:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    book(pacer, clock, "19:c@thread.tacv2", 7)
    with patience(0.1, now=clock), pytest.raises(Throttled) as refused:
        await pace(pacer, "19:c@thread.tacv2;messageid=42")
    assert refused.value.conversation == "19:c@thread.tacv2"
