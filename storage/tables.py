"""Table definitions (SQLAlchemy Core). Alembic migrations create them; this is the reference."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("team_thread_id", String(200), nullable=False),
    # The Graph team id (AAD group GUID); Teams' own team id is a thread id Graph cannot use.
    Column("aad_group_id", String(64), nullable=True),
    Column("team_name", String(200), nullable=True),
    Column("service_url", String(500), nullable=False),
    Column("installed_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("team_thread_id"),
)

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "user:<aad object id>" for a 1:1 chat, "channel:<channel id>" for a channel.
    Column("key", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reference", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("key"),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("reference", String(32), nullable=False),
    Column("requester_id", String(64), nullable=False),
    Column("service", String(120), nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("checklist", JSON, nullable=True),
    Column("status", String(30), nullable=False),
    Column("assignee_id", String(64), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("reviewer_id", String(64), nullable=True),
    Column("outcome", String(30), nullable=True),
    Column("area_team", String(120), nullable=True),
    Column("contact_created", Boolean, nullable=False),
    Column("review_level", Integer, nullable=False),
    Column("details_provided", Boolean, nullable=False),
    Column("escalations", JSON, nullable=False),
    Column("posted_at", UTCDateTime(), nullable=False),
    Column("acknowledge_due", UTCDateTime(), nullable=True),
    Column("callback_due", UTCDateTime(), nullable=True),
    Column("acknowledged_at", UTCDateTime(), nullable=True),
    Column("called_back_at", UTCDateTime(), nullable=True),
    Column("outcome_at", UTCDateTime(), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    # When the next flow timer falls due (domain.timers.schedule), written by the tick; every
    # save clears it (NULL: work it out again). Migration 0010.
    Column("timer_due_at", UTCDateTime(), nullable=True),
    # Optimistic concurrency: every write says which version it read.
    Column("version", Integer, nullable=False),
    # Where the request lives in Teams, so its card can be updated after a restart.
    Column("channel_id", String(200), nullable=True),
    Column("thread_id", String(64), nullable=True),
    Column("card_activity_id", String(200), nullable=True),
    Column("source", String(20), nullable=False),
    UniqueConstraint("reference"),
    UniqueConstraint("channel_id", "thread_id", name="uq_consultations_thread"),
)

# The states an escalation can still apply in (domain.lifecycle.ESCALATIONS, checked by a test):
# the escalation tick reads only these, through a partial index that holds only these rows, so
# years of closed requests cost it nothing. Written out because the index predicate and the
# query must say the very same literals for SQLite and PostgreSQL to match them (migration 0008).
ESCALATION_STATES = ("acknowledged", "assigned", "submitted")
_IN_ESCALATION_STATE = consultations.c.status.in_(ESCALATION_STATES)
Index(
    "ix_consultations_escalation_open",
    consultations.c.posted_at,
    consultations.c.id,
    sqlite_where=_IN_ESCALATION_STATE,
    postgresql_where=_IN_ESCALATION_STATE,
)

# "My requests" for a requester (newest first) and a report's period (migration 0011); the
# plain status index of migration 0003, which the hand-over and the queue read through.
Index("ix_consultations_requester", consultations.c.requester_id, consultations.c.posted_at)
Index("ix_consultations_posted_at", consultations.c.posted_at)
Index("ix_consultations_status", consultations.c.status)

# Every state a flow timer can run in (the non-terminal ones), literal for the same reason.
OPEN_STATES = (
    "acknowledged",
    "assigned",
    "called_back",
    "disputed",
    "outcome_recorded",
    "reviewed",
    "submitted",
    "under_review",
)
_IN_OPEN_STATE = consultations.c.status.in_(OPEN_STATES)
Index(
    "ix_consultations_timer_due",
    consultations.c.timer_due_at,
    consultations.c.id,
    sqlite_where=_IN_OPEN_STATE,
    postgresql_where=_IN_OPEN_STATE,
)

consultation_events = Table(
    "consultation_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consultation_id", String(32), ForeignKey("consultations.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=True),
    Column("data", JSON, nullable=False),
    UniqueConstraint("consultation_id", "seq", name="uq_consultation_events_seq"),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

# --- escalations (migration 0003) ---------------------------------------------------------------

# One row per escalation ever recorded: the primary key makes "at most once" a database rule.
escalations = Table(
    "escalations",
    metadata,
    Column(
        "consultation_id",
        String(32),
        ForeignKey("consultations.id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("key", String(40), primary_key=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

# Messages an escalation must send, written in the same transaction that records it. Ids and a
# kind only: the text is rendered when it is sent. Migration 0003 also indexes consultations.status.
escalation_outbox = Table(
    "escalation_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # What the message is about: a consultation, or a flow case (migration 0012), never both.
    Column("consultation_id", String(32), ForeignKey("consultations.id"), nullable=True),
    Column("case_id", String(32), ForeignKey("flow_cases.id"), nullable=True),
    Column("escalation_key", String(40), nullable=False),
    # A person's Entra object id, or "thread" / "card" (domain.escalation.THREAD, CARD).
    Column("recipient", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("status", String(10), nullable=False),  # pending | sent
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_until", UTCDateTime(), nullable=True),
    Column("claim_token", String(32), nullable=True),
    Column("last_error", String(80), nullable=True),  # an exception class name, never its text
    Column("sent_at", UTCDateTime(), nullable=True),
    UniqueConstraint(
        "consultation_id", "escalation_key", "recipient", name="uq_escalation_outbox_recipient"
    ),
    UniqueConstraint(
        "case_id", "escalation_key", "recipient", name="uq_escalation_outbox_case_recipient"
    ),
    CheckConstraint("(consultation_id IS NULL) <> (case_id IS NULL)", name="one_subject"),
    # The claim seeks the pending rows in the order it takes them (0008; it replaced an index on
    # next_attempt_at alone, which made the claim walk every row ever sent); the prune of sent
    # rows reads sent_at.
    Index("ix_escalation_outbox_claim", "status", "next_attempt_at", "id"),
    Index("ix_escalation_outbox_sent_at", "sent_at"),
)

# The private case details, sealed with storage.crypto (AES-256-GCM; key id in each value).
# `ehm_fingerprint` is an HMAC of the EHM number: re-referrals match without decrypting.
case_details = Table(
    "case_details",
    metadata,
    Column(
        "consultation_id",
        String(32),
        ForeignKey("consultations.id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("ehm_sealed", Text, nullable=True),
    Column("oversight_sealed", Text, nullable=True),
    Column("phone_sealed", Text, nullable=True),
    Column("ehm_fingerprint", String(64), nullable=True, index=True),
    Column("provided_by", String(64), nullable=False),
    Column("provided_at", UTCDateTime(), nullable=False),
    # The retention purge starts from the rows not yet purged (0008), not from every closed one.
    Column("purged_at", UTCDateTime(), nullable=True, index=True),
)

# A private form in progress: its state and what was typed so far (sealed), so a restart or a
# rejected submission loses nothing. One draft per person and consultation.
dialog_drafts = Table(
    "dialog_drafts",
    metadata,
    Column(
        "consultation_id",
        String(32),
        ForeignKey("consultations.id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("person_id", String(64), primary_key=True),
    Column("dialog", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("values_sealed", Text, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Who looked at (or was refused) private details: append-only, like the events.
access_audit = Table(
    "access_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("consultation_id", String(32), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("allowed", Boolean, nullable=False),
)

# Audit-export offers (file consent cards): which request, for whom, until when, and the answer,
# claimed once so that a replayed or crafted consent uploads nothing (0009).
audit_exports = Table(
    "audit_exports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("consultation_id", String(32), ForeignKey("consultations.id"), nullable=False),
    Column("offered_to", String(64), nullable=False),
    Column("offered_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("answered_at", UTCDateTime(), nullable=True),
)

# Covers set in the bot by a MAP team manager ("Ewa covers Tom from Wednesday to Friday"),
# on top of the profile's rota. Kept, never edited: the row is the audit record.
rota_covers = Table(
    "rota_covers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("covering", String(64), nullable=False),
    Column("covered", String(64), nullable=True),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

# Once-only announcements (e.g. "duty:2026-11-23" for that week's rota post): the key is claimed
# by inserting it, so two instances or a restart never post twice.
announcements = Table(
    "announcements",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
)

# --- cases of the flows defined only in the profile (migration 0012) --------------------------

# A case of any flow but step up (domain/process/engine.py): its state and the people bound to
# it; `terminal` lets the tick read only the open ones.
flow_cases = Table(
    "flow_cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("flow", String(40), nullable=False),
    Column("reference", String(32), nullable=False),
    Column("state", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("service", String(120), nullable=True),
    Column("owner_id", String(64), nullable=True, index=True),
    Column("previous_owner_id", String(64), nullable=True),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("terminal", Boolean, nullable=False),
    UniqueConstraint("reference"),
)
Index("ix_flow_cases_open", flow_cases.c.terminal, flow_cases.c.flow)

# Each step, append-only: the verb, who, when, the state after and the form's answers.
flow_case_events = Table(
    "flow_case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("flow_cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("verb", String(60), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", String(64), nullable=True),
    Column("state", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_flow_case_events_seq"),
)

# One row per timer firing: the primary key makes "each timer once" a database rule.
flow_case_firings = Table(
    "flow_case_firings",
    metadata,
    Column("case_id", String(32), ForeignKey("flow_cases.id"), primary_key=True),
    Column("key", String(60), primary_key=True),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
)

flow_case_counters = Table(
    "flow_case_counters",
    metadata,
    Column("flow", String(40), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)
