"""The tables: agreements, their counterparts and their append-only history;
scheduled job runs; digest recipients and outbox; users."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_az: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    officer: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32), index=True)
    stage_since: Mapped[date | None] = mapped_column(Date)
    stage_since_precision: Mapped[str] = mapped_column(String(12))
    # the earliest day and the form of stage_since when it is a month, a
    # year, a span or a lower bound (workflows.date_forms.When.columns; 0011)
    stage_since_from: Mapped[date | None] = mapped_column(Date)
    stage_since_form: Mapped[str | None] = mapped_column(String(12))
    # entered by mistake: a void event (0011) takes it out of every list
    voided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # its history holds a correction or a retraction (0011)
    revised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    suspended_from: Mapped[str | None] = mapped_column(String(32))
    awaiting: Mapped[str | None] = mapped_column(String(16))
    # the day of the entry that set ``awaiting`` (its latest bound), so that a
    # document filed late changes whose move it is only from its own day (0011)
    awaiting_on: Mapped[date | None] = mapped_column(Date)
    # the entry-into-force rule its history last recorded (workflows.entry_force.Rule.text; 0013)
    entry_rule: Mapped[str | None] = mapped_column(String(120))
    signed_on: Mapped[date | None] = mapped_column(Date)
    in_force_on: Mapped[date | None] = mapped_column(Date)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    # Summaries of the history (workflows.stall_summary.SUMMARY_COLUMNS), kept
    # by agreements.writes.apply.append_event through fold_event in the same
    # transaction as each event (migration 0005), so that the stall scan of
    # "today" and the date checks of a move read one row, not the history.
    # ``last_event_on``: the latest date of any dated event; ``undated_events``:
    # how many events have no date (the summaries below assume none).
    last_event_on: Mapped[date | None] = mapped_column(Date)
    undated_events: Mapped[int] = mapped_column(Integer, default=0)
    # the latest exact day (or a round's last day) of an opening, move, round or signature
    last_substantive_on: Mapped[date | None] = mapped_column(Date)
    # workflows.stall.clock_start over the whole history
    clock_since: Mapped[date | None] = mapped_column(Date)
    # the last acknowledgement's "until" and note; the latest "until" of any
    ack_until: Mapped[date | None] = mapped_column(Date)
    ack_note: Mapped[str | None] = mapped_column(Text)
    ack_max_until: Mapped[date | None] = mapped_column(Date)
    # the outcome of the last flag event (cleared, acknowledged, overdue, critical)
    last_flag: Mapped[str | None] = mapped_column(String(16))
    # the hash of the last event: the head of the tamper-evident chain (0006)
    last_hash: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (read once by the declarative mapping)

    parties: Mapped[list[AgreementParty]] = relationship(
        order_by="AgreementParty.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    parent: Mapped[Agreement | None] = relationship(remote_side=[id])

    @property
    def party_codes(self) -> list[str]:
        return [p.party for p in self.parties]


class AgreementParty(Base):
    __tablename__ = "agreement_parties"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    party: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_agreement_parties_party", "party"),)


class Event(Base):
    """One entry of an agreement's history. Rows are inserted, never changed."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(12))
    occurred_until: Mapped[date | None] = mapped_column(Date)
    # the earliest day and the form of a date given as a month, a year, a
    # span or a lower bound (workflows.date_forms.When.columns; 0011)
    occurred_from: Mapped[date | None] = mapped_column(Date)
    date_form: Mapped[str | None] = mapped_column(String(12))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    open_articles: Mapped[int | None] = mapped_column(Integer)
    awaiting: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(Text)
    # an opening event's record of the agreement's own fields (hash_chain.subject_of),
    # and what an import file stated as actor and recording time (0009)
    subject: Mapped[str | None] = mapped_column(Text)
    stated_actor: Mapped[str | None] = mapped_column(String(200))
    stated_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the event a correction or retraction is about, and what a correction
    # supersedes, as canonical JSON (workflows.corrections; 0011)
    target_seq: Mapped[int | None] = mapped_column(Integer)
    correction: Mapped[str | None] = mapped_column(Text)
    # one party's act (workflows.acts; 0013): the party, the kind of act, the
    # day it was received (latest day, earliest day where the form has its
    # own, and the form), the instrument (law, decree, order and its number);
    # and the rule an entry_rule event records (workflows.entry_force)
    party: Mapped[str | None] = mapped_column(String(16))
    act_kind: Mapped[str | None] = mapped_column(String(32))
    received_on: Mapped[date | None] = mapped_column(Date)
    received_from: Mapped[date | None] = mapped_column(Date)
    received_form: Mapped[str | None] = mapped_column(String(12))
    instrument: Mapped[str | None] = mapped_column(Text)
    entry_rule: Mapped[str | None] = mapped_column(String(120))
    # sha256 of this event's content and of the previous event's hash (0006)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    agreement: Mapped[Agreement] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("agreement_id", "seq", name="uq_events_agreement_seq"),
        Index("ix_events_occurred_on", "occurred_on"),
        Index("ix_events_agreement_on", "agreement_id", "occurred_on"),  # migration 0003
        Index("ix_events_actor", "actor"),  # migration 0003
        CheckConstraint("date_precision IN ('day', 'not_after', 'unknown')", name="ck_events_precision"),
        CheckConstraint("(date_precision = 'unknown') = (occurred_on IS NULL)", name="ck_events_date_known"),
    )


class JobRun(Base):
    """One scheduled job's claim on one period (a day, an ISO week).

    The unique constraint makes a period run once, whatever the number of
    schedulers, retries or restarts.
    """

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("job_id", "period", name="uq_job_runs_job_period"),)


# --------------------------------------------------------------------------- weekly digests


class Recipient(Base):
    """Someone who gets the weekly digest, in their language, about what they follow.

    Filters are stored as comma-separated lists; empty means "everything".
    """

    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    parties: Mapped[str | None] = mapped_column(Text)
    kinds: Mapped[str | None] = mapped_column(Text)
    officer: Mapped[str | None] = mapped_column(String(200))
    only_needs_action: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("locale IN ('az', 'en')", name="ck_recipients_locale"),)


class OutboxMessage(Base):
    """One digest for one recipient and one ISO week: rendered once, sent at most once.

    The unique constraint on (recipient, week) means a week's digest is queued
    once per person, whatever retries or restarts happen. ``message`` keeps
    the exact bytes, so a retry sends the same message with the same Message-ID.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    week: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # queued | sending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("recipient", "week", name="uq_outbox_recipient_week"),
        Index("ix_outbox_status", "status"),
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'skipped')", name="ck_outbox_status"),
    )


class User(Base):
    """Someone who may act in a shared tracker, with a role (viewer, officer,
    head). While the table is empty, anyone may act."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("role IN ('viewer', 'officer', 'head')", name="ck_users_role"),)
