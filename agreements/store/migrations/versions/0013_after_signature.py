"""After signature: each party's acts, the entry-into-force rule, and the
approved end of a non-binding instrument.

- ``events.party``, ``events.act_kind``, ``events.instrument``: one party's
  act (signature, approval, ratification, notification...) and the
  instrument (law, decree, order and its number);
  ``events.received_on``, ``events.received_from``, ``events.received_form``:
  the day a notification was received (it counts when received), as an
  interval in the form it was given in;
- ``events.entry_rule`` and ``agreements.entry_rule``: the rule by which the
  agreement enters into force, as an ``entry_rule`` event records it, and
  the last one recorded;
- PostgreSQL: an act names its party and its kind (a check constraint), and
  the head's stages of migrations 0010 and 0012 gain ``approved``, where a
  non-binding instrument ends.

Existing events keep their hashes: the chain hashes the new columns only when
one of them is set.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

# Frozen as of revision 0013: this file imports nothing from the application.
# The head's stages below are a copy of workflows.stages.HEAD_STAGES as it
# was at this revision; the functions are those of 0010 and 0012 with it.
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_EVENT_COLUMNS = (
    ("party", sa.String(16)),
    ("act_kind", sa.String(32)),
    ("received_on", sa.Date()),
    ("received_from", sa.Date()),
    ("received_form", sa.String(12)),
    ("instrument", sa.Text()),
    ("entry_rule", sa.String(120)),
)
_AGREEMENT_COLUMNS = (("entry_rule", sa.String(120)),)

_ADMIN = "pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"
_HEAD = (
    "(EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head') "
    "AND pg_has_role(session_user, 'agreements_head', 'MEMBER'))"
)


def _event_guard(stages: str) -> str:
    """Migration 0010's event guard with the head's ``stages``."""
    return f"""
CREATE OR REPLACE FUNCTION agreements_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  previous text;
  present timestamp := now() AT TIME ZONE 'UTC';
BEGIN
  IF {_ADMIN} THEN
    RETURN NEW;
  END IF;
  IF NEW.actor IS DISTINCT FROM session_user::text THEN
    RAISE EXCEPTION 'an event is recorded as the login that writes it (%), not as %', session_user, NEW.actor
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.to_stage IN {stages}
     AND NOT {_HEAD} THEN
    RAISE EXCEPTION 'moving an agreement into % needs the head role (agreements_head); % is not a head',
      NEW.to_stage, session_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.recorded_at NOT BETWEEN present - interval '5 minutes' AND present + interval '5 minutes' THEN
    RAISE EXCEPTION 'an event is recorded at the present time (% UTC by the database), not at %', present, NEW.recorded_at
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.seq = 1 THEN
    previous := NULL;
  ELSE
    SELECT hash INTO previous FROM events WHERE agreement_id = NEW.agreement_id AND seq = NEW.seq - 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'event % of agreement % has no event before it', NEW.seq, NEW.agreement_id
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF NEW.prev_hash IS DISTINCT FROM previous THEN
    RAISE EXCEPTION 'event % of agreement % does not follow the stored chain', NEW.seq, NEW.agreement_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


def _revision_guard(stages: str) -> str:
    """Migration 0012's revision guard with the head's ``stages``."""
    return f"""
CREATE OR REPLACE FUNCTION agreements_revision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_ADMIN} OR NEW.kind NOT IN ('correction', 'retraction', 'void') THEN
    RETURN NEW;
  END IF;
  IF EXISTS (
       SELECT FROM events
       WHERE agreement_id = NEW.agreement_id AND to_stage IN {stages}
         AND (NEW.kind = 'void' OR seq = NEW.target_seq))
     AND NOT {_HEAD} THEN
    RAISE EXCEPTION 'a % touching a move into a head''s stage needs the head role (agreements_head); % is not a head',
      NEW.kind, session_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


_HEAD_STAGES = "('signing', 'in_force', 'terminated', 'approved')"
_HEAD_STAGES_BEFORE = "('signing', 'in_force', 'terminated')"
_ACT_CHECK = (
    "ALTER TABLE events ADD CONSTRAINT ck_events_act "
    "CHECK (kind <> 'act' OR (party IS NOT NULL AND act_kind IS NOT NULL)) NOT VALID"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # an earlier revision of the same run may have updated agreement rows
        # (0011's backfill): fire their deferred checks now, or PostgreSQL
        # refuses to alter a table with pending trigger events
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, type_ in _EVENT_COLUMNS:
        op.add_column("events", sa.Column(name, type_))
    for name, type_ in _AGREEMENT_COLUMNS:
        op.add_column("agreements", sa.Column(name, type_))
    if postgres:
        op.execute("SET CONSTRAINTS ALL DEFERRED")
        op.execute(_ACT_CHECK)
        op.execute(_event_guard(_HEAD_STAGES))
        op.execute(_revision_guard(_HEAD_STAGES))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_event_guard(_HEAD_STAGES_BEFORE))
        op.execute(_revision_guard(_HEAD_STAGES_BEFORE))
        op.execute("ALTER TABLE events DROP CONSTRAINT ck_events_act")
    # native DROP COLUMN: no table rebuild, so the triggers stay as they are
    for name, _ in _EVENT_COLUMNS:
        bind.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {name}")
    for name, _ in _AGREEMENT_COLUMNS:
        bind.exec_driver_sql(f"ALTER TABLE agreements DROP COLUMN {name}")
