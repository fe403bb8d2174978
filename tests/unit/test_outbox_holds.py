"""HeldMessages: a throttled outbox message is left alone until its conversation has a slot."""

from __future__ import annotations

from services.outbox_holds import HeldMessages
from services.pacing import MARGIN_SECONDS, Pacer
from tests.unit.test_pacing import FakeTime, book

CHANNEL = "19:c@thread.tacv2"


def holds_on_a_full_channel() -> tuple[HeldMessages, FakeTime]:
    clock = FakeTime()
    pacer = Pacer(now=clock, jitter=lambda: 0.0)
    book(pacer, clock, CHANNEL, 60)  # the channel's 30 s window is full for the next 30 s
    return HeldMessages(pacer, patience=1.0), clock


def test_a_message_is_held_while_its_conversation_has_no_slot_within_patience() -> None:
    holds, clock = holds_on_a_full_channel()
    holds.hold(1, CHANNEL)
    holds.hold(2, CHANNEL)
    assert holds.held(1)
    assert holds.held_ids() == [1, 2]
    assert not holds.held(3)  # never refused: tried like any other


def test_the_hold_ends_once_the_slot_is_within_patience() -> None:
    holds, clock = holds_on_a_full_channel()
    holds.hold(1, CHANNEL)
    # The 60 calls were booked over the first ~16 s (8 per 2.25 s); the first ages out at 30 s.
    clock.t += 30 + MARGIN_SECONDS - 1.0
    assert holds.held_ids() == []
    assert not holds.held(1)


def test_a_sent_message_is_forgotten_and_the_oldest_go_first_past_the_bound() -> None:
    holds, _ = holds_on_a_full_channel()
    holds.max_held = 2
    for message_id in (1, 2, 3):
        holds.hold(message_id, CHANNEL)
    assert holds.held_ids() == [2, 3]  # 1 was forgotten: it is only tried again, never lost
    holds.forget(2)
    assert holds.held_ids() == [3]
