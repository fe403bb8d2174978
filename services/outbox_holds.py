"""Outbox messages held back by Teams' limits, left alone until their conversation has a slot.

Without this, every wake of the outbox (one per freed slot) claimed every throttled message
again, loaded its request and drew its card, only for the pacer to refuse it once more: with a
hundred cards waiting for one channel's 60 calls in 30 s, that was most of the process's CPU
(measured by bench/load_bench.py: 291 ms of CPU per post and press, 37 before pacing).

Per process, in memory, like the pacer whose windows it reads: a restart or another instance
simply tries the message again. A message is never dropped here, only not claimed for now.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from services.pacing import Pacer

# Enough for any burst a council's channel sees; past it the oldest holds are forgotten (those
# messages are then tried once more, as before).
MAX_HELD = 5_000


@dataclass
class HeldMessages:
    """Message id -> the conversation whose limits hold it, for as long as they do."""

    pacer: Pacer
    patience: float  # a message whose slot is at most this far off is tried (and waits for it)
    max_held: int = MAX_HELD
    _waiting: OrderedDict[int, str] = field(default_factory=OrderedDict)

    def hold(self, message_id: int, conversation: str) -> None:
        """The pacer refused this message for `conversation`."""
        self._waiting[message_id] = conversation
        self._waiting.move_to_end(message_id)
        while len(self._waiting) > self.max_held:
            self._waiting.popitem(last=False)

    def forget(self, message_id: int) -> None:
        """Sent, or failed for another reason: no longer held."""
        self._waiting.pop(message_id, None)

    def held(self, message_id: int) -> bool:
        """Whether this message's conversation still has no slot within our patience."""
        conversation = self._waiting.get(message_id)
        if conversation is None:
            return False
        if self._blocked(conversation):
            return True
        del self._waiting[message_id]
        return False

    def held_ids(self) -> list[int]:
        """Every message still held (the claim skips them); the others are let go."""
        blocked: dict[str, bool] = {}  # one look at the pacer per conversation
        found: list[int] = []
        for message_id, conversation in list(self._waiting.items()):
            if conversation not in blocked:
                blocked[conversation] = self._blocked(conversation)
            if blocked[conversation]:
                found.append(message_id)
            else:
                del self._waiting[message_id]
        return found

    def _blocked(self, conversation: str) -> bool:
        return self.pacer.wait(conversation) > self.patience
