"""PostgreSQL enforces the rules that matter, whatever door a write comes in by.

Two more group roles: ``agreements_head`` (a member of the writer role, who
may also move agreements into signing, in force and terminated) and
``agreements_scheduler`` (a writer who alone writes the digest outbox). For
every login but the schema owner (who runs ``init`` and administers the
roles), triggers refuse:

- an event whose actor is not the login writing it, whose recording time is
  not the present (within five minutes of the database's clock), that does
  not follow the stored chain (its ``prev_hash`` is not the previous event's
  hash), or that enters a head's stage without the head role;
- a change of an agreement's own fields (code, titles, kind, parent,
  officer) once its row is committed, and a counterpart added, changed or
  removed after that;
- at commit, an agreement row whose stage, event count or chain head is not
  what its history says, or whose derived columns changed without an event.

SQLite has no logins: there the file's permissions are the boundary.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

# Frozen as of revision 0010: this file imports nothing from the application.
# The head's stages below are a copy of workflows.stages.HEAD_STAGES as it
# was at this revision (a test compares them); a change there needs a
# revision of its own.
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CREATE_ROLES = """
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['agreements_head', 'agreements_scheduler'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION
        WHEN duplicate_object THEN NULL;
        WHEN insufficient_privilege THEN
          RAISE NOTICE 'cannot create role %: ask a DBA to create it, then run agreements init again', r;
      END;
    END IF;
  END LOOP;
END $$
"""

# heads and the scheduler are writers; only the scheduler writes the outbox;
# heads may register users (granting a login its group role needs more: the
# ADMIN OPTION on that role, which a deployment may give its heads)
_GRANT = """
DO $$
DECLARE s text := current_schema();
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer') THEN
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %I.outbox FROM agreements_writer', s);
    EXECUTE format('REVOKE UPDATE, DELETE ON %I.agreement_parties FROM agreements_writer', s);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head') THEN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer')
       AND NOT pg_has_role('agreements_head', 'agreements_writer', 'MEMBER') THEN
      GRANT agreements_writer TO agreements_head;
    END IF;
    EXECUTE format('GRANT INSERT ON %I.users TO agreements_head', s);
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I.users_id_seq TO agreements_head', s);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_scheduler') THEN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer')
       AND NOT pg_has_role('agreements_scheduler', 'agreements_writer', 'MEMBER') THEN
      GRANT agreements_writer TO agreements_scheduler;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I.outbox TO agreements_scheduler', s);
    EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I.outbox_id_seq TO agreements_scheduler', s);
  END IF;
END $$
"""

_REVOKE = """
DO $$
DECLARE s text := current_schema();
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head') THEN
    EXECUTE format('REVOKE ALL ON %I.users FROM agreements_head', s);
    EXECUTE format('REVOKE ALL ON SEQUENCE %I.users_id_seq FROM agreements_head', s);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_scheduler') THEN
    EXECUTE format('REVOKE ALL ON %I.outbox FROM agreements_scheduler', s);
    EXECUTE format('REVOKE ALL ON SEQUENCE %I.outbox_id_seq FROM agreements_scheduler', s);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer') THEN
    EXECUTE format('GRANT INSERT, UPDATE ON %I.outbox TO agreements_writer', s);
    EXECUTE format('GRANT UPDATE ON %I.agreement_parties TO agreements_writer', s);
  END IF;
END $$
"""

# Is the session's login the owner of the table the trigger fires on (or a
# member of the owning role, a superuser included)? The owner administers the
# schema and could drop these triggers anyway: the rules bind the tracker's roles.
_ADMIN = "pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"

# Is the agreement being opened by this very transaction, i.e. has none of its
# events been committed by an earlier one (events never change, so their xmin
# is the transaction that inserted them)? Its own fields and counterparts may
# be set until then (an import links a new agreement to its parent after
# inserting both).
_NEW = "(NOT EXISTS (SELECT FROM events WHERE agreement_id = {agreement} AND xmin <> pg_current_xact_id()::xid))"

_FUNCTIONS = f"""
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
  IF NEW.to_stage IN ('signing', 'in_force', 'terminated')
     AND NOT (EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head')
              AND pg_has_role(session_user, 'agreements_head', 'MEMBER')) THEN
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

CREATE OR REPLACE FUNCTION agreements_own_fields_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_ADMIN} THEN
    RETURN NEW;
  END IF;
  IF (NEW.id, NEW.code, NEW.title_az, NEW.title_en, NEW.kind, NEW.parent_id, NEW.officer, NEW.created_at)
     IS DISTINCT FROM
     (OLD.id, OLD.code, OLD.title_az, OLD.title_en, OLD.kind, OLD.parent_id, OLD.officer, OLD.created_at)
     AND NOT {_NEW.format(agreement="OLD.id")} THEN
    RAISE EXCEPTION 'the own fields of agreement % (code, titles, kind, parent, officer) are fixed when it is opened', OLD.code
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION agreements_parties_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_ADMIN} THEN
    RETURN NEW;
  END IF;
  IF NOT {_NEW.format(agreement="NEW.agreement_id")} THEN
    RAISE EXCEPTION 'the counterparts of an agreement are fixed when it is opened'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION agreements_row_matches_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  agreement integer;
  current_row record;
  last_event record;
  stage_now text;
BEGIN
  IF {_ADMIN} THEN
    RETURN NULL;
  END IF;
  -- (each branch is prepared only when it runs: NEW has the fields of its own table)
  IF TG_TABLE_NAME = 'events' THEN
    agreement := NEW.agreement_id;
  ELSE
    agreement := NEW.id;
  END IF;
  SELECT id, code, stage, event_count, last_hash INTO current_row FROM agreements WHERE id = agreement;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT seq, hash INTO last_event FROM events WHERE agreement_id = agreement ORDER BY seq DESC LIMIT 1;
  SELECT to_stage INTO stage_now FROM events
    WHERE agreement_id = agreement AND to_stage IS NOT NULL ORDER BY seq DESC LIMIT 1;
  IF last_event.hash IS DISTINCT FROM current_row.last_hash
     OR last_event.seq IS DISTINCT FROM current_row.event_count
     OR stage_now IS DISTINCT FROM current_row.stage THEN
    RAISE EXCEPTION 'agreement % does not match its history (its stage and chain change only with an event)',
      current_row.code USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_TABLE_NAME = 'agreements' AND TG_OP = 'UPDATE' THEN
    IF OLD.last_hash IS NOT DISTINCT FROM current_row.last_hash AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
      RAISE EXCEPTION 'agreement % changed without an event: its derived columns change only with one',
        current_row.code USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NULL;
END $$;
"""

_TRIGGERS = """
CREATE TRIGGER events_guard BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION agreements_event_guard();
CREATE TRIGGER agreements_own_fields BEFORE UPDATE ON agreements
  FOR EACH ROW EXECUTE FUNCTION agreements_own_fields_guard();
CREATE TRIGGER agreement_parties_guard BEFORE INSERT ON agreement_parties
  FOR EACH ROW EXECUTE FUNCTION agreements_parties_guard();
CREATE CONSTRAINT TRIGGER agreements_match_history AFTER INSERT OR UPDATE ON agreements
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION agreements_row_matches_history();
CREATE CONSTRAINT TRIGGER events_match_row AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION agreements_row_matches_history();
"""

_DROP = """
DROP TRIGGER IF EXISTS events_match_row ON events;
DROP TRIGGER IF EXISTS agreements_match_history ON agreements;
DROP TRIGGER IF EXISTS agreement_parties_guard ON agreement_parties;
DROP TRIGGER IF EXISTS agreements_own_fields ON agreements;
DROP TRIGGER IF EXISTS events_guard ON events;
DROP FUNCTION IF EXISTS agreements_row_matches_history();
DROP FUNCTION IF EXISTS agreements_parties_guard();
DROP FUNCTION IF EXISTS agreements_own_fields_guard();
DROP FUNCTION IF EXISTS agreements_event_guard();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CREATE_ROLES)
    op.execute(_GRANT)
    op.execute(_FUNCTIONS)
    op.execute(_TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_DROP)
    op.execute(_REVOKE)
