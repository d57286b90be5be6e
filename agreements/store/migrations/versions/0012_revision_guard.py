"""Who may put the record right, enforced by PostgreSQL too: a correction or
retraction of an event that entered a head's stage (signing, in force,
terminated), and the voiding of an agreement that ever entered one, need the
head role, as the event touched did (migration 0010 checks the moves
themselves). SQLite has no logins: there the file's permissions are the
boundary.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

# Frozen as of revision 0012: this file imports nothing from the application.
# The head's stages below are a copy of workflows.stages.HEAD_STAGES as it
# was at this revision.
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_HEAD_STAGES = "('signing', 'in_force', 'terminated')"
_ADMIN = "pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION agreements_revision_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {_ADMIN} OR NEW.kind NOT IN ('correction', 'retraction', 'void') THEN
    RETURN NEW;
  END IF;
  IF EXISTS (
       SELECT FROM events
       WHERE agreement_id = NEW.agreement_id AND to_stage IN {_HEAD_STAGES}
         AND (NEW.kind = 'void' OR seq = NEW.target_seq))
     AND NOT (EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head')
              AND pg_has_role(session_user, 'agreements_head', 'MEMBER')) THEN
    RAISE EXCEPTION 'a % touching a move into a head''s stage needs the head role (agreements_head); % is not a head',
      NEW.kind, session_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER events_revision_guard BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION agreements_revision_guard();
"""

_DROP = """
DROP TRIGGER IF EXISTS events_revision_guard ON events;
DROP FUNCTION IF EXISTS agreements_revision_guard();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_DROP)
