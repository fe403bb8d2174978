"""Composition root: `create_app(settings)` builds the aiohttp app; `python app.py` serves it."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import observability.metrics
from bot.adapter import create_adapter, use_connector_threads
from bot.announcer import DutyAnnouncer
from bot.audit import AuditView
from bot.audit_export import AuditExporter, ExportPlace
from bot.blocking_guard import guard_for
from bot.commands import Commands
from bot.dev_routes import add_dev_routes
from bot.flow_cases import FlowCases
from bot.guard import ChannelGuard, screener_for
from bot.http import messages_handler
from bot.messenger import Messenger, NoRoute
from bot.notifier import EscalationNotifier
from bot.outbound_tokens import use_nonblocking_tokens
from bot.pacing import PacedAdapter
from bot.requests import RequestFlow
from bot.signing_keys import use_nonblocking_key_refresh
from bot.teams_bot import BotDeps, StepUpBot
from bot.views import ViewBuilder
from cards.audit_card import VERB_EXPORT_AUDIT, VERB_VIEW_AUDIT
from dialogs.details_flow import DetailsDialog
from domain.escalation import EscalationTimescales
from domain.process.engine import Choices
from domain.process.model import Flow
from domain.roles import Role
from graph.directory import GraphDirectory
from graph.local_directory import ProfileDirectory
from graph.mailbox import OutOfOffice
from graph.refresh import GraphRefresh
from graph.wiring import graph_directory, start_graph
from observability.middleware import request_ids
from profiles.domain_map import policy_from_profile
from profiles.loader import load_profile
from profiles.process_loader import ProcessError, council_process, directory_of
from profiles.schema import Profile
from reports.schedule import send_quarterly_summary
from scheduler.runner import Ticker
from services.clock import Clock, MovableClock, SystemClock
from services.consultations import ConsultationService
from services.details import DetailsService
from services.directory import Directory
from services.escalations import EscalationService
from services.flow_cases import FlowCaseService
from services.outbox_holds import HeldMessages
from services.pacing import OUTBOX_WAIT_SECONDS
from services.policy import Policy
from services.queue import QueueService
from services.rota import RotaService
from settings import Settings
from storage import migrate
from storage.conversations import ConversationStore
from storage.db import create_engine
from storage.escalation_queries import SqlEscalationUnitOfWork
from storage.keys import build_cipher
from storage.queue_queries import SqlQueueReader
from storage.rota_store import RotaStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger("stepup")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Invokes and posts are small; 256 KiB leaves room for a large card submission and no more.
MAX_BODY_BYTES = 256 * 1024


@dataclass
class Runtime:
    """Everything built at start-up, reachable from handlers through the app."""

    settings: Settings
    profile: Profile
    clock: Clock
    engine: AsyncEngine | None = None
    conversations: ConversationStore | None = None
    ticker: Ticker | None = None
    adapter: PacedAdapter | None = None
    deliver_outbox: Callable[[], Awaitable[object]] | None = None  # the outbox, now
    consultations: ConsultationService | None = None
    details: DetailsService | None = None
    rota: RotaService | None = None
    directory: Directory | None = None
    policy: Policy | None = None
    graph: GraphRefresh | None = None
    messenger: Messenger | None = None
    flow_cases: FlowCases | None = None
    views: ViewBuilder | None = None
    guard: ChannelGuard | None = None
    handle_activity: Handler | None = None


RUNTIME = web.AppKey("runtime", Runtime)


def create_app(
    settings: Settings, *, clock: Clock | None = None, profile: Profile | None = None
) -> web.Application:
    """Build the app. Resources open on start-up and close on clean-up, side by side."""
    if clock is None:
        clock = MovableClock() if settings.dev_tools_enabled else SystemClock()
    runtime = Runtime(
        settings=settings,
        profile=profile or load_profile(settings.profile_path),
        clock=clock,
    )
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_ids])
    app[RUNTIME] = runtime
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_bot)
    app.cleanup_ctx.append(_scheduler)
    app.router.add_post("/api/messages", api_messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if settings.dev_tools_enabled:
        add_dev_routes(app, runtime)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    settings = runtime.settings
    if settings.migrate_on_start:
        # Before the app's own engine: with a migration login, the app's login may not exist
        # until the migrate step has created it.
        owner = settings.migration_database_url
        await migrate.upgrade_as(
            settings.database_url, owner.get_secret_value() if owner is not None else None
        )
    runtime.engine = create_engine(settings.database_url)
    runtime.conversations = ConversationStore(runtime.engine)
    yield
    await runtime.engine.dispose()


async def _bot(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    assert runtime.conversations is not None
    settings = runtime.settings
    if not settings.auth_enabled:
        # Settings let local mode run only on loopback, and with credentials only on request.
        log.warning(
            "auth.disabled",
            extra={
                "mode": settings.mode.value,
                "insecure_local_mode": settings.insecure_local_mode,
            },
        )
    adapter = runtime.adapter = create_adapter(settings)
    use_connector_threads(asyncio.get_running_loop())
    use_nonblocking_key_refresh()
    use_nonblocking_tokens()
    assert runtime.engine is not None
    directory = runtime.directory = _directory(runtime)
    runtime.policy = policy_from_profile(runtime.profile)
    if isinstance(directory, GraphDirectory):
        # Start-up check: a token, people, roles and the rota, or one line saying what to fix.
        # The tick then keeps the rota and the directory fresh (runtime.graph.tick()).
        runtime.graph = await start_graph(directory, runtime.policy, runtime.clock)
    cipher = build_cipher(settings)
    engine = runtime.engine

    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, cipher, read_only=read_only)

    runtime.rota = RotaService(RotaStore(engine), directory, runtime.clock, runtime.policy)
    # Out of office (automatic replies) only with Graph: a duty manager away hands to the deputy.
    availability = OutOfOffice(directory.graph) if isinstance(directory, GraphDirectory) else None
    runtime.consultations = ConsultationService(
        unit_of_work, directory, runtime.clock, runtime.policy, availability
    )
    runtime.details = DetailsService(unit_of_work, runtime.clock, runtime.policy)
    messenger = runtime.messenger = Messenger(
        adapter,
        runtime.conversations,
        runtime.clock,
        bot_id=settings.bot_id,
        app_id=settings.app_id,
        tenant_id=runtime.profile.tenant_id,
    )
    views = ViewBuilder(
        directory,
        runtime.profile,
        runtime.consultations,
        messenger,
        dialogs=settings.teams_dialogs,
    )
    details = DetailsDialog(
        runtime.details,
        directory,
        messenger,
        views,
        runtime.clock,
        runtime.consultations.deliveries,
    )
    requests = RequestFlow(
        runtime.consultations, directory, messenger, runtime.profile, views, details
    )
    queue = QueueService(
        SqlQueueReader(engine),
        runtime.clock,
        runtime.policy.calendar,
        runtime.profile.timescales.urgent_ack_working_minutes,
    )
    exports = AuditExporter(
        engine,
        directory,
        runtime.clock,
        messenger,
        ExportPlace(settings.exports_via_teams, settings.export_dir, settings.auth_enabled),
        runtime.profile.working_hours.timezone,
    )
    flow_cases = runtime.flow_cases = _flow_cases(runtime, unit_of_work, directory, messenger)
    commands = Commands(
        requests,
        directory,
        runtime.profile,
        runtime.rota,
        runtime.clock,
        queue,
        messenger,
        exports,
        flow_cases,
    )
    guard = guard_for(
        directory,
        screener_for(runtime.profile, await directory.everyone()),
        messenger,
        runtime.profile,
        runtime.conversations,
    )
    bot = StepUpBot(
        BotDeps(
            profile=runtime.profile,
            conversations=runtime.conversations,
            clock=runtime.clock,
            requests=requests,
            commands=commands,
            card_verbs={
                **requests.card_verbs(),
                **commands.card_verbs(),
                **(flow_cases.card_verbs() if flow_cases is not None else {}),
                VERB_VIEW_AUDIT: AuditView(
                    engine, directory, runtime.clock, runtime.profile.working_hours.timezone
                ).handle,
                VERB_EXPORT_AUDIT: exports.press,
            },
            exports=exports,
            details=details,
            directory=directory,
            guard=guard,
        )
    )
    runtime.views = views
    runtime.guard = guard
    runtime.handle_activity = messages_handler(
        adapter,
        bot,
        require_expiry=settings.auth_enabled,
        body_seconds=settings.http_idle_seconds,
    )
    log.info("bot.ready", extra={"mode": settings.mode.value})
    # Block mode with Graph (ChannelMessage.UpdatePolicyViolation.All); warn mode without.
    (log.info if guard.mode == "block" else log.warning)("guard.mode", extra={"mode": guard.mode})
    yield
    if availability is not None:
        await availability.close()
    if isinstance(directory, GraphDirectory):
        await directory.close()


def _flow_cases(
    runtime: Runtime,
    unit_of_work: Callable[..., SqlUnitOfWork],
    directory: Directory,
    messenger: Messenger,
) -> FlowCases | None:
    """The profile's flows beside step up (Surrey's step down), when the flow files fit it."""
    profile = runtime.profile
    try:
        process = council_process(profile)
    except ProcessError:
        return None  # _step_up_flow says so once, for both
    assert runtime.policy is not None
    service = FlowCaseService(
        unit_of_work,
        directory,
        runtime.clock,
        runtime.policy.calendar,
        process,
        choices=Choices(directory_of(profile).lists),
        profile_keys={p.aad_object_id: p.key for p in profile.people},
        service_names={s.key: s.name for s in profile.services},
    )
    return FlowCases(service, directory, messenger, timezone=profile.working_hours.timezone)


def _directory(runtime: Runtime) -> Directory:
    """Who people are: Microsoft Graph when STEPUP_GRAPH_ENABLED, else the profile's people."""
    return graph_directory(runtime.settings, runtime.profile) or ProfileDirectory(runtime.profile)


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    tick = _escalation_tick(runtime)
    runtime.ticker = Ticker(
        timezone=runtime.profile.working_hours.timezone,
        tick_seconds=runtime.settings.tick_seconds,
        tick=tick,
        soon=runtime.deliver_outbox,
    )
    if runtime.adapter is not None:  # a throttled send wakes the outbox when its slot comes
        runtime.adapter.on_throttled = runtime.ticker.wake
    runtime.ticker.start()
    yield
    await runtime.ticker.stop()


def _escalation_tick(runtime: Runtime) -> Callable[[], Awaitable[None]]:
    """Each tick: escalations due, the outbox, the week's rota post, and retention."""
    assert runtime.engine is not None and runtime.directory is not None
    assert runtime.policy is not None and runtime.consultations is not None
    assert runtime.messenger is not None and runtime.views is not None
    engine, minutes = runtime.engine, runtime.profile.timescales.urgent_ack_working_minutes
    flow = _step_up_flow(runtime.profile)
    escalations = EscalationService(
        lambda: SqlEscalationUnitOfWork(engine),
        runtime.directory,
        runtime.clock,
        EscalationTimescales(runtime.policy.calendar, minutes),
        EscalationNotifier(
            runtime.messenger,
            runtime.directory,
            runtime.consultations,
            runtime.views,
            timezone=runtime.profile.working_hours.timezone,
            urgent_minutes=minutes,
            flow=flow,
            calendar=runtime.policy.calendar,
            flow_cases=runtime.flow_cases.deliver if runtime.flow_cases is not None else None,
        ),
        flow=flow,
        holds=_holds(runtime.adapter),
    )

    runtime.deliver_outbox = escalations.dispatch
    assert runtime.rota is not None
    announcer = DutyAnnouncer(
        runtime.rota,
        RotaStore(engine),
        runtime.messenger,
        runtime.directory,
        runtime.policy,
        runtime.clock,
        runtime.profile.channel.id,
    )

    details, consultations = runtime.details, runtime.consultations
    assert details is not None
    # The flow's weekly hand-over rule: the states whose untaken requests follow the duty rota.
    moves_at_handover = frozenset(flow.handover.move_in) if flow and flow.handover else frozenset()
    purged_at: list[float] = []
    started: list[bool] = []

    async def send_summary(card: dict[str, Any]) -> None:
        # Each service manager privately; one unreachable manager does not stop the others.
        assert runtime.messenger is not None and runtime.directory is not None
        for manager in await runtime.directory.with_role(Role.SERVICE_MANAGER):
            try:
                await runtime.messenger.send_private(manager, card)
            except NoRoute:
                log.warning("report.not_sent", extra={"error_code": "no_route"})

    async def tick() -> None:
        # First: the screen's private notes the turn could not deliver (memory only; each
        # failure is caught there), so a failing database tick below does not hold them up.
        if runtime.guard is not None:
            await runtime.guard.retry_private()
        if not started:
            # The flow or the calendar may have changed since the stored timer times were
            # worked out: the first tick works every open case out again.
            await escalations.forget_timer_times()
            started.append(True)
        if moves_at_handover:  # the rota moved on: untaken requests follow it (both told)
            try:
                await consultations.follow_rota(moves_at_handover)
            except Exception:  # noqa: BLE001 - the escalations below must run whatever happens
                log.exception("handover.failed")
        if runtime.flow_cases is not None:  # the other flows' timers, sent by the dispatch below
            try:
                await runtime.flow_cases.fire_due()
            except Exception:  # noqa: BLE001 - the escalations below must run whatever happens
                log.exception("flow.timers_failed")
        report = await escalations.tick()
        if report.sent:
            observability.metrics.current().escalations_sent.add(report.sent)
        if runtime.graph is not None:  # the rota list and the directory, when due
            await runtime.graph.tick()
        await announcer.tick()
        try:  # a report that cannot be built must not stop the retention purge below
            await send_quarterly_summary(
                engine, RotaStore(engine), runtime.profile, runtime.clock.now(), send_summary
            )
        except Exception:  # noqa: BLE001 - logged by type; tried again on the next tick
            log.exception("summary.failed")
        # Retention: erase old sealed details at most hourly (the update is idempotent).
        if not purged_at or time.monotonic() - purged_at[-1] > 3600:
            purged_at.append(time.monotonic())
            await details.purge_expired()

    return tick


def _holds(adapter: PacedAdapter | None) -> HeldMessages | None:
    """The outbox leaves a throttled message alone while the pacer has no slot for it."""
    if adapter is None or adapter.pacer is None:
        return None
    return HeldMessages(adapter.pacer, patience=OUTBOX_WAIT_SECONDS)


def _step_up_flow(profile: Profile) -> Flow | None:
    """The step-up flow whose timers the tick runs beside the four escalations of
    domain.escalation; a profile the flow files do not fit runs those four alone, and says so."""
    try:
        return council_process(profile).flow("step_up")
    except ProcessError as exc:
        log.warning("timers.flow_not_loaded", extra={"problems": len(exc.problems)})
        return None


async def api_messages(request: web.Request) -> web.StreamResponse:
    """Bot Framework endpoint; the handler exists once the bot context has started."""
    handler = request.app[RUNTIME].handle_activity
    if handler is None:
        return web.json_response({"error": "starting"}, status=503)
    return await handler(request)


async def healthz(_request: web.Request) -> web.Response:
    """The process is up and serving HTTP."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Database reachable, migrations applied, scheduler ticking."""
    runtime = request.app[RUNTIME]
    checks: dict[str, str] = {}
    started = time.perf_counter()
    try:
        assert runtime.engine is not None
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if await migrate.is_up_to_date(runtime.engine) else "pending"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks.setdefault("migrations", "unknown")
    ticker = runtime.ticker
    checks["scheduler"] = "ok" if ticker is not None and ticker.healthy() else "not running"
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return web.json_response(body, status=200 if ready else 503)


if __name__ == "__main__":
    from cli import main

    sys.exit(main())
