"""The "my requests" card: one line a request, each linking to its thread in the channel.

Only what the channel card shows already: reference, service, state, who has it and the next
deadline. Nothing about the family is stored in clear, and nothing of it is shown here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cards.common import card, local_time, plain, text
from cards.links import thread_link
from cards.request_card import STATUS_LABELS
from domain.lifecycle import Urgency
from services.queue import QueueLine, Section


@dataclass(frozen=True)
class ListContext:
    """What the card needs besides the lines: names, the time zone, the team's group id."""

    names: Mapping[str, str]
    timezone: str
    group_id: str | None
    next_deadline: Callable[[QueueLine], tuple[str, datetime] | None]
    now: datetime


def my_requests_card(sections: Sequence[Section], ctx: ListContext) -> dict[str, Any]:
    """Every section with its lines; a section with none says so in words."""
    body: list[dict[str, Any]] = [text("My requests", weight="Bolder", size="Medium")]
    if not sections:
        body.append(text("You hold no role that has step-up requests to list."))
    for section in sections:
        body.append(text(section.title, weight="Bolder", separator=True))
        if not section.lines:
            body.append(text(section.empty, isSubtle=True, spacing="None"))
        body += [_line(line, ctx) for line in section.lines]
    return card(body)


def _line(line: QueueLine, ctx: ListContext) -> dict[str, Any]:
    link = thread_link(line.channel_id, line.thread_id, ctx.group_id)
    reference = f"[{line.reference}]({link})" if link else line.reference
    heading = f"{reference} · {plain(line.service)} · {STATUS_LABELS[line.status]}"
    if line.urgency is Urgency.URGENT:
        heading += " · URGENT"
    who = (
        ctx.names.get(line.assignee_id, "someone no longer in the directory")
        if line.assignee_id
        else "nobody yet"
    )
    detail = [f"With {plain(who)}"]
    due = ctx.next_deadline(line)
    if due is not None:
        late = " (overdue)" if due[1] <= ctx.now else ""
        detail.append(f"{due[0]} {local_time(due[1], ctx.timezone)}{late}")
    if line.escalated:
        detail.append("escalated")
    container: dict[str, Any] = {
        "type": "Container",
        "spacing": "Small",
        "items": [
            text(heading, spacing="None"),
            text(" · ".join(detail), isSubtle=True, size="Small", spacing="None"),
        ],
    }
    if link:
        container["selectAction"] = {"type": "Action.OpenUrl", "url": link}
    return container
