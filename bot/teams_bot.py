"""The Teams activity handler: routes each kind of activity to a small handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import ActivityTypes, ChannelAccount, ConversationReference
from botbuilder.schema.teams import TeamInfo

from bot import invokes
from bot.audit_export import AuditExporter
from bot.commands import Commands, channel_command
from bot.guard import ChannelGuard
from bot.inbound import Inbound, Where, describe
from bot.messenger import channel_key, user_key
from bot.people import sender_key, sender_of
from bot.requests import RequestFlow
from bot.texts import help_text, welcome_text
from cards.details import DIALOG_ID
from dialogs.details_flow import DetailsDialog
from profiles.schema import Profile
from services.clock import Clock
from services.directory import Directory
from storage.conversations import ConversationStore, Installation

log = logging.getLogger(__name__)
# A post this long is screened in a worker thread: ~0.1 s of screen would stall every other turn.
SCREEN_IN_THREAD_OVER = 4_000


@dataclass(frozen=True)
class BotDeps:
    """What the handlers need, built once by the composition root."""

    profile: Profile
    conversations: ConversationStore
    clock: Clock
    requests: RequestFlow | None = None
    commands: Commands | None = None
    details: DetailsDialog | None = None
    guard: ChannelGuard | None = None
    directory: Directory | None = None
    card_verbs: Mapping[str, invokes.CardHandler] = field(default_factory=dict)
    exports: AuditExporter | None = None


class StepUpBot(TeamsActivityHandler):
    """Teams edge of the Step Up bot. Handlers log ids and event names, never text."""

    def __init__(self, deps: BotDeps) -> None:
        self._deps = deps

    # --- installation -------------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Act only on our council's tenant: anyone holding the app package can install it, and
        another tenant's install, once stored, would route our private chats to their service.
        Invokes are answered (Teams waits for a body) by on_invoke_activity's own check."""
        activity = turn_context.activity
        if activity.type != ActivityTypes.invoke and not self._from_our_tenant(describe(activity)):
            log.info(
                "activity.ignored",
                extra={"activity_type": str(activity.type), "error_code": "other_tenant"},
            )
            return
        await super().on_turn(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """Remember the team (and its Graph group id) the bot was installed in."""
        await self._remember_installation(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Note the removal; stored references stay for the audit trail."""
        inbound = describe(turn_context.activity)
        if inbound.team_thread_id:
            await self._deps.conversations.mark_removed(
                inbound.team_thread_id, self._deps.clock.now()
            )
        log.info("bot.removed", extra={"conversation_kind": inbound.where.value})

    async def on_teams_members_added_dispatch(
        self,
        members_added: list[ChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        """Skip botbuilder's lookup of each added member on the connector: only the ids matter
        here, and a member it cannot find (gone again, throttled) would fail the whole turn."""
        await self.on_teams_members_added(members_added, team_info, turn_context)

    async def on_teams_members_added(
        self,
        teams_members_added: list[ChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        """Welcome the team when the bot itself is added; greet people in a 1:1 chat."""
        bot_id = turn_context.activity.recipient.id
        if not any(member.id == bot_id for member in teams_members_added):
            return
        inbound = await self._remember_installation(turn_context)
        if inbound.where is Where.PERSONAL:
            await turn_context.send_activity(help_text(self._deps.profile))
        else:
            await turn_context.send_activity(welcome_text(self._deps.profile))
        log.info("bot.welcomed", extra={"conversation_kind": inbound.where.value})

    # --- messages -----------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Route a message by where it was posted."""
        inbound = describe(turn_context.activity)
        if not self._from_our_tenant(inbound):
            log.info("message.ignored", extra={"error_code": "other_tenant"})
            return
        if inbound.where is Where.PERSONAL:
            await self._remember_user(turn_context, inbound)
            if self._deps.commands is not None:
                await self._deps.commands.handle(turn_context)
            else:
                await turn_context.send_activity(MessageFactory.text(help_text(self._deps.profile)))
        elif inbound.where in (Where.CHANNEL_POST, Where.THREAD_REPLY):
            if inbound.channel_id != self._deps.profile.channel.id:
                log.info("message.ignored", extra={"error_code": "other_channel"})
                return
            await self._remember_channel(turn_context, inbound)
            log.info(
                "channel.message",
                extra={"activity_id": inbound.message_id, "conversation_kind": inbound.where.value},
            )
            await self._guard_and_route(turn_context, inbound)
        else:
            log.info("message.ignored", extra={"conversation_kind": inbound.where.value})

    async def _guard_and_route(self, turn_context: TurnContext, inbound: Inbound) -> None:
        """Screen first; then a top-level post may become a request."""
        deps = self._deps
        author = await sender_of(turn_context, deps.directory) if deps.directory else None
        types: list[str] = []
        if deps.guard is not None:
            if len(turn_context.activity.text or "") > SCREEN_IN_THREAD_OVER:
                screening = await asyncio.to_thread(deps.guard.screen, turn_context, author)
            else:
                screening = deps.guard.screen(turn_context, author)
            if screening.found:
                types = [t.value for t in screening.types()]
                await deps.guard.warn(turn_context, inbound, screening, author)
        command = channel_command(turn_context.activity) if deps.commands is not None else None
        if command is not None and deps.commands is not None:
            await deps.commands.answer_in_channel(turn_context, command)  # not a request
        elif inbound.where is Where.CHANNEL_POST and deps.requests is not None:
            await deps.requests.on_channel_post(turn_context, inbound)
        thread = (
            inbound.message_id if inbound.where is Where.CHANNEL_POST else (inbound.root_message_id)
        )
        if types and deps.requests is not None and inbound.channel_id and thread:
            await deps.requests.record_screening(inbound.channel_id, thread, types)

    async def on_teams_message_edit(self, turn_context: TurnContext) -> None:
        """An edited post keeps its request as it was; only the ids are logged."""
        log.info("message.edited", extra={"activity_id": turn_context.activity.id})

    async def on_teams_message_soft_delete(self, turn_context: TurnContext) -> None:
        """A deleted post leaves its request open: the card in the thread still tracks it."""
        log.info("message.deleted", extra={"activity_id": turn_context.activity.id})

    # --- invokes (card buttons and dialogs) ---------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Answer every invoke with a body we build; never leave one to the SDK's 500 path."""
        activity = turn_context.activity
        name = activity.name or ""
        if name == invokes.FILE_CONSENT:
            return await self._file_consent(turn_context)
        if name not in (invokes.CARD_ACTION, invokes.TASK_FETCH, invokes.TASK_SUBMIT):
            return await super().on_invoke_activity(turn_context)
        reason = invokes.invalid_invoke(name, activity.value)
        if reason is not None:
            log.info("invoke.rejected", extra={"activity_name": name, "error_code": reason})
            return invokes.bad_invoke(reason)
        if not self._from_our_tenant(describe(activity)):
            # As for messages: another council's people never act on our requests.
            log.info("invoke.ignored", extra={"activity_name": name, "error_code": "other_tenant"})
            refusal = "This card is not available here."
            return invokes.ok(
                invokes.card_message(refusal)
                if name == invokes.CARD_ACTION
                else invokes.task_message(refusal)
            )
        if name == invokes.CARD_ACTION:
            return invokes.ok(await self._card_action(turn_context, activity.value["action"]))
        data = activity.value.get("data") or {}
        details = self._deps.details
        if details is None or data.get("dialog") != DIALOG_ID or self._deps.directory is None:
            return invokes.ok(invokes.task_message("This dialog is not available."))
        person = await sender_of(turn_context, self._deps.directory)
        if person is None:
            action = "details.open" if name == invokes.TASK_FETCH else "details.give"
            await details.refuse_unknown(sender_key(turn_context), data, action)
        if name == invokes.TASK_FETCH:
            return invokes.ok(await details.fetch(person, data))
        return invokes.ok(await details.submit_task(person, data))

    async def _file_consent(self, turn_context: TurnContext) -> InvokeResponse:
        # Our tenant only, as for every other invoke; the exporter checks the offer itself.
        if self._deps.exports is None or not self._from_our_tenant(describe(turn_context.activity)):
            log.info("invoke.ignored", extra={"activity_name": invokes.FILE_CONSENT})
            return invokes.bad_invoke("this file is not available here")
        return await self._deps.exports.answer(turn_context)

    async def _card_action(self, turn_context: TurnContext, action: dict[str, object]) -> dict:
        verb = str(action["verb"])
        handler = self._deps.card_verbs.get(verb)
        if handler is None:
            log.info("card.unknown_verb", extra={"activity_id": turn_context.activity.id})
            return invokes.card_message(
                "This button is no longer supported. Please use the latest card in the thread."
            )
        data = action.get("data") or {}
        assert isinstance(data, dict)
        if self._deps.requests is not None:
            replaced = await self._deps.requests.replaced_card(turn_context, data)
            if replaced is not None:
                return replaced
        return await handler(turn_context, data)

    # --- helpers ------------------------------------------------------------------------------

    def _from_our_tenant(self, inbound: Inbound) -> bool:
        # Teams and the playground both send the tenant: one without it is not our council's.
        return inbound.tenant_id == self._deps.profile.tenant_id

    async def _remember_installation(self, turn_context: TurnContext) -> Inbound:
        inbound = describe(turn_context.activity)
        now = self._deps.clock.now()
        if inbound.where is Where.PERSONAL:
            await self._remember_user(turn_context, inbound)
            return inbound
        if inbound.team_thread_id:
            team = turn_context.activity.channel_data.get("team", {})
            await self._deps.conversations.save_installation(
                Installation(
                    tenant_id=inbound.tenant_id or self._deps.profile.tenant_id,
                    team_thread_id=inbound.team_thread_id,
                    aad_group_id=inbound.aad_group_id,
                    team_name=team.get("name") if isinstance(team, dict) else None,
                    service_url=inbound.service_url,
                    installed_at=now,
                )
            )
            log.info("bot.installed", extra={"conversation_kind": inbound.where.value})
        return inbound

    async def _remember_user(self, turn_context: TurnContext, inbound: Inbound) -> None:
        if not inbound.sender_aad_id:
            return
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        await self._save(user_key(inbound.sender_aad_id), "user", reference)

    async def _remember_channel(self, turn_context: TurnContext, inbound: Inbound) -> None:
        if not inbound.channel_id:
            return
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        # Strip the thread part so a send through this reference starts a new thread.
        reference.conversation.id = inbound.channel_id
        reference.activity_id = None
        # And the poster: a channel send needs no recipient (the reference built from the
        # installation has none), and with it every post by someone else rewrote the row.
        reference.user = None
        await self._save(channel_key(inbound.channel_id), "channel", reference)

    async def _save(self, key: str, kind: str, reference: ConversationReference) -> None:
        await self._deps.conversations.save_reference(
            key, kind, reference.serialize(), self._deps.clock.now()
        )
