"""Users with roles; on PostgreSQL, the database roles agreements_reader and
agreements_writer with their grants on this schema.

The roles are cluster-wide and made NOLOGIN: a DBA grants them to login
roles (docs/deployment.md). Creating them needs CREATEROLE; an owner without
it gets the grants only if a DBA created the roles beforehand, and a notice
otherwise.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

# Frozen as of revision 0007: this file imports nothing from the application
# (agreements.*, workflows.*), so a later change there cannot change what this
# revision does to a database. The application's column type UTCDateTime (in
# agreements/store/tables.py at commit 4cf5eaf) is a TypeDecorator over
# sa.DateTime: in DDL it is plain DateTime (DATETIME on SQLite, TIMESTAMP
# WITHOUT TIME ZONE on PostgreSQL), which is what this revision creates with
# sa.DateTime(); its bind/result conversion (aware UTC <-> naive UTC) plays no
# part in a migration that only creates tables.
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

READER, WRITER = "agreements_reader", "agreements_writer"

# Each role is created when missing; a concurrent creation or a missing
# CREATEROLE privilege is not an error (the grants below then need the role
# to exist already).
_CREATE_ROLES = """
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['agreements_reader', 'agreements_writer'] LOOP
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

# Grants on the current schema, for the roles that exist. The writer reads
# everything and writes what the application writes: history only by INSERT
# (the triggers refuse changes to the owner too), recipients also by DELETE,
# users and the schema version not at all (registering users is the owner's
# act). Tables the owner creates later (APScheduler's job table, on the
# service's first start) get the same grants by default.
_GRANT = """
DO $$
DECLARE s text := current_schema();
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_reader') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO agreements_reader', s);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO agreements_reader', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO agreements_reader', s);
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO agreements_writer', s);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO agreements_writer', s);
    EXECUTE format('GRANT INSERT, UPDATE ON %I.agreements, %I.agreement_parties, %I.job_runs, %I.recipients, %I.outbox TO agreements_writer', s, s, s, s, s);
    EXECUTE format('GRANT INSERT ON %I.events TO agreements_writer', s);
    EXECUTE format('GRANT DELETE ON %I.recipients TO agreements_writer', s);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO agreements_writer', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO agreements_writer', s);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO agreements_writer', s);
  END IF;
END $$
"""

_REVOKE = """
DO $$
DECLARE s text := current_schema(); r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['agreements_reader', 'agreements_writer'] LOOP
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', s, r);
      EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', s, r);
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM %I', s, r);
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM %I', s, r);
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', s, r);
    END IF;
  END LOOP;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'officer', 'head')", name="ck_users_role"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE_ROLES)
        op.execute(_GRANT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REVOKE)
    op.drop_table("users")
