"""An attacker with an officer's PostgreSQL login, tried with real login roles:
what the database itself refuses (migration 0010), whatever door a write
comes in by, and who the tracker says is acting."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from agreements.store.hash_chain import HASHED_FIELDS, event_hash
from agreements.store.tables import Agreement, Event
from tests.support import PG_OWNER, ROOT, SEED, database_rows, ok, refused
from workflows.stages import HEAD_STAGES

# every test here runs on PostgreSQL (pg_db); the `cli` fixture's own backend need not vary
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def pg_seeded(pg_db, cli, monkeypatch):
    """The seed history in a PostgreSQL schema, imported by its owner."""
    monkeypatch.setenv("AGREEMENTS_DB", pg_db.url)
    ok(cli("import", str(SEED)))
    return pg_db


def _sql(url: str, *statements: str, params: dict | None = None) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement), params or {})
    finally:
        engine.dispose()


def _refused_by_database(url: str, statement: str, fragment: str, params: dict | None = None) -> None:
    with pytest.raises(Exception, match=fragment):
        _sql(url, statement, params=params)


def _next_event(db, code: str, **changes) -> dict:
    """The values of a correctly chained next event of ``code``: what an
    attacker who read the history could compute and insert."""
    with db.read() as session:
        agreement = session.scalars(select(Agreement).where(Agreement.code == code)).one()
        last = session.scalars(
            select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq.desc())
        ).first()
        values = {f: getattr(last, f) for f in HASHED_FIELDS}
    values.update(
        seq=values["seq"] + 1,
        kind="note",
        from_stage=agreement.stage,
        to_stage=None,
        note="inserted with SQL",
        recorded_at=datetime.now(UTC),
        subject=None,
        stated_actor=None,
        stated_recorded_at=None,
    )
    values.update(changes)
    values["prev_hash"] = agreement.last_hash
    values["hash"] = event_hash(code, agreement.last_hash, values)
    values["agreement_id"] = agreement.id
    return values


_INSERT_EVENT = (
    "INSERT INTO events (agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, "
    "occurred_until, recorded_at, actor, place, note, reason, reference, outcome, open_articles, awaiting, "
    "source, subject, stated_actor, stated_recorded_at, prev_hash, hash) VALUES (:agreement_id, :seq, :kind, "
    ":from_stage, :to_stage, :occurred_on, :date_precision, :occurred_until, :recorded_at, :actor, :place, "
    ":note, :reason, :reference, :outcome, :open_articles, :awaiting, :source, :subject, :stated_actor, "
    ":stated_recorded_at, :prev_hash, :hash)"
)


def _plain(values: dict) -> dict:
    moment = values["recorded_at"].astimezone(UTC).replace(tzinfo=None)
    return values | {"recorded_at": moment}


# --------------------------------------------------------------------------- the agreement row


@pytest.mark.parametrize(
    "statement, fragment",
    [
        ("UPDATE agreements SET stage = 'in_force' WHERE code = 'RA-MDA'", "does not match its history"),
        ("UPDATE agreements SET in_force_on = '2020-01-01' WHERE code = 'RA-MDA'", "changed without an event"),
        ("UPDATE agreements SET last_flag = NULL, clock_since = NULL WHERE code = 'RA-TUR'", "without an event"),
        ("UPDATE agreements SET title_en = 'Another title' WHERE code = 'RA-MDA'", "fixed when it is opened"),
        ("UPDATE agreements SET officer = 'someone' WHERE code = 'RA-MDA'", "fixed when it is opened"),
        (
            "UPDATE agreements SET parent_id = (SELECT id FROM agreements WHERE code = 'RA-TUR') WHERE code = 'RA-MDA'",
            "fixed when it is opened",
        ),
        (
            "INSERT INTO agreement_parties (agreement_id, party, position) "
            "SELECT id, 'GEO', 5 FROM agreements WHERE code = 'RA-MDA'",
            "counterparts of an agreement are fixed",
        ),
        ("UPDATE agreement_parties SET party = 'GEO'", "permission denied"),
        ("DELETE FROM agreement_parties", "permission denied"),
        (
            "INSERT INTO agreements (code, title_az, title_en, kind, stage, stage_since_precision, event_count, "
            "created_at, version, undated_events) VALUES ('XX-NEW', 'a', 'b', 'other', 'in_force', 'unknown', 0, "
            "now(), 1, 0)",
            "does not match its history",
        ),
    ],
)
def test_an_officer_cannot_write_an_agreement_row_with_sql(pg_seeded, pg_login, statement, fragment):
    _name, officer = pg_login("agreements_writer")
    before = database_rows(pg_seeded)
    _refused_by_database(officer, statement, fragment)
    assert database_rows(pg_seeded) == before


# --------------------------------------------------------------------------- events


def test_an_officer_cannot_insert_an_event_as_the_head(pg_seeded, pg_login):
    head, _head_url = pg_login("agreements_head")
    _name, officer = pg_login("agreements_writer")
    forged = _next_event(pg_seeded, "RA-MDA", actor=head)
    before = database_rows(pg_seeded)
    _refused_by_database(officer, _INSERT_EVENT, "recorded as the login that writes it", _plain(forged))
    assert database_rows(pg_seeded) == before


def test_a_reader_cannot_record_an_act_or_a_rule_by_any_door(pg_seeded, pg_login, cli):
    reader_name, reader = pg_login("agreements_reader")
    before = database_rows(pg_seeded)
    refused(cli("--db", reader, "act", "RA-CHE", "--party", "CHE", "--kind", "approval", "--on", "2017-01-10"))
    refused(cli("--db", reader, "entry-rule", "RA-CHE", "on-last-notification"))
    forged = _next_event(pg_seeded, "RA-CHE", actor=reader_name, kind="act", from_stage=None, note=None)
    _refused_by_database(reader, _INSERT_EVENT, "permission denied", _plain(forged))
    assert database_rows(pg_seeded) == before


def test_an_officer_cannot_backdate_an_event(pg_seeded, pg_login):
    name, officer = pg_login("agreements_writer")
    forged = _next_event(pg_seeded, "RA-MDA", actor=name, recorded_at=datetime.now(UTC) - timedelta(days=400))
    _refused_by_database(officer, _INSERT_EVENT, "recorded at the present time", _plain(forged))


def test_an_officer_cannot_enter_a_heads_stage_with_sql(pg_seeded, pg_login):
    name, officer = pg_login("agreements_writer")
    forged = _next_event(pg_seeded, "RA-TUR", actor=name, kind="stage_change", to_stage="signing")
    _refused_by_database(officer, _INSERT_EVENT, "needs the head role", _plain(forged))


def test_an_event_off_the_stored_chain_is_refused(pg_seeded, pg_login):
    name, officer = pg_login("agreements_writer")
    forged = _next_event(pg_seeded, "RA-MDA", actor=name)
    _refused_by_database(
        officer, _INSERT_EVENT, "does not follow the stored chain", _plain(forged) | {"prev_hash": "0" * 64}
    )


def test_a_lone_event_cannot_move_the_row(pg_seeded, pg_login):
    """A correct event of the officer's own is accepted only with the row
    brought along; alone, the row no longer matches and the commit fails."""
    name, officer = pg_login("agreements_writer")
    forged = _next_event(pg_seeded, "RA-MDA", actor=name)
    _refused_by_database(officer, _INSERT_EVENT, "does not match its history|agreement", _plain(forged))


# --------------------------------------------------------------------------- through the command line


def test_the_acting_user_is_the_login_and_as_may_only_name_it(pg_seeded, pg_login, cli):
    name, officer = pg_login("agreements_writer")
    before = database_rows(pg_seeded)
    refused(cli("--db", officer, "note", "RA-MDA", "as someone else", "--as", "boss"), "your database login")
    assert database_rows(pg_seeded) == before
    ok(cli("--db", officer, "note", "RA-MDA", "as myself", "--as", name))
    ok(cli("--db", officer, "note", "RA-MDA", "as myself again"))
    history = json.loads(ok(cli("--db", officer, "history", "RA-MDA", "--format", "json")))["history"]
    assert [e["actor"] for e in history[-2:]] == [name, name]


def test_only_a_head_login_moves_into_a_heads_stage(pg_seeded, pg_login, cli, tmp_path):
    head, head_url = pg_login("agreements_head")
    _officer, officer = pg_login("agreements_writer")
    before = database_rows(pg_seeded)
    refused(cli("--db", officer, "advance", "RA-TUR", "--to", "signing"), "needs the head role")
    refused(cli("--db", officer, "sign", "RA-TUR", "--on", "2020-01-01"), "needs the head role")
    # the same signature by import
    doc = json.loads(ok(cli("export")))
    tur = next(a for a in doc["agreements"] if a["code"] == "RA-TUR")
    last = tur["events"][-1]
    tur["events"].append(dict(last, kind="signature", to=None, on="2026-11-30", date_precision="day", hash=None))
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused(cli("--db", officer, "import", str(path)), "needs the head role")
    assert database_rows(pg_seeded) == before
    ok(cli("--db", head_url, "advance", "RA-TUR", "--to", "signing"))
    shown = json.loads(ok(cli("--db", officer, "history", "RA-TUR", "--format", "json")))["history"][-1]
    assert (shown["to"], shown["actor"]) == ("signing", head)


def test_an_import_records_the_importing_login(pg_seeded, pg_login, cli, tmp_path):
    name, officer = pg_login("agreements_writer")
    doc = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": "XS-IMP",
                "title_az": "S",
                "title_en": "A",
                "kind": "other",
                "parties": ["GEO"],
                "events": [{"kind": "opened", "to": "draft", "on": "2020-01-10", "actor": "the head"}],
            }
        ],
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ok(cli("--db", officer, "import", str(path)))
    event = json.loads(ok(cli("--db", officer, "history", "XS-IMP", "--format", "json")))["history"][0]
    assert (event["actor"], event["stated_actor"]) == (name, "the head")


def test_a_reader_and_an_officer_cannot_run_the_scheduler_or_send(pg_seeded, pg_login, cli):
    _reader, reader = pg_login("agreements_reader")
    _officer, officer = pg_login("agreements_writer")
    before = database_rows(pg_seeded)
    refused(cli("--db", reader, "scheduler", "run", "--once"), "viewer")
    refused(cli("--db", officer, "scheduler", "run", "--once"), "scheduler's role")
    refused(cli("--db", officer, "digest", "send", "--week", "2026-W48"), "scheduler's role")
    assert database_rows(pg_seeded) == before
    _refused_by_database(
        officer,
        "INSERT INTO outbox (recipient, week, locale, subject, message_id, message, status, attempts, queued_at) "
        "VALUES ('x@example.org', '2026-W48', 'en', 's', '<m@x>', 'bytes', 'queued', 0, now())",
        "permission denied",
    )
    scheduler, scheduler_url = pg_login("agreements_scheduler")
    code, out, err = cli("--db", scheduler_url, "scheduler", "run", "--once")
    assert code == 0 and "stall_scan" in out, err
    flags = json.loads(ok(cli("--db", scheduler_url, "log", "--event-kind", "flag", "--format", "json")))
    assert flags and {f["actor"] for f in flags} == {scheduler}


def test_the_owner_grants_a_login_its_role_and_an_officer_cannot(pg_seeded, pg_login, cli):
    name, url = pg_login()
    _officer, officer = pg_login("agreements_writer")
    refused(cli("--db", url, "note", "RA-MDA", "before"), "no tracker role")  # no grant: it cannot even read
    refused(
        cli("--db", officer, "users", "add", name, "--email", "x@example.org", "--role", "head"),
        "adding users needs the head role",
    )
    refused(
        cli("users", "add", "no_such_login", "--email", "x@example.org", "--role", "officer"), "not a PostgreSQL login"
    )
    ok(cli("users", "add", name, "--email", "x@example.org", "--role", "officer"))
    ok(cli("--db", url, "note", "RA-MDA", "now an officer"))
    refused(cli("--db", url, "advance", "RA-TUR", "--to", "signing"), "needs the head role")


def test_the_migration_names_the_heads_stages_of_the_lifecycle():
    """Migrations 0010 and 0013 are frozen; the latest copy of the head's stages must be the lifecycle's."""
    path = ROOT / "agreements" / "store" / "migrations" / "versions" / "0010_database_rules.py"
    spec = importlib.util.spec_from_file_location("rules_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    listed = "IN (" + ", ".join(f"'{s}'" for s in ("signing", "in_force", "terminated")) + ")"
    assert listed in module._FUNCTIONS
    # migration 0013 adds `approved`, where a non-binding instrument ends (issue 14): its copy is the lifecycle's
    path = ROOT / "agreements" / "store" / "migrations" / "versions" / "0013_after_signature.py"
    spec = importlib.util.spec_from_file_location("rules_0013", path)
    assert spec is not None and spec.loader is not None
    latest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(latest)
    assert (
        "(" + ", ".join(f"'{s}'" for s in ("signing", "in_force", "terminated", "approved")) + ")"
        == latest._HEAD_STAGES
    )
    assert f"IN {latest._HEAD_STAGES}" in latest._event_guard(latest._HEAD_STAGES)
    assert set(HEAD_STAGES) == {"signing", "in_force", "approved", "terminated"}


def test_the_owner_is_the_tracker_administrator(pg_seeded):
    with pg_seeded.read() as session:
        assert session.scalar(text("SELECT session_user")) == PG_OWNER


# --------------------------------------------------------------------------- revisions (migration 0012)

_INSERT_REVISION = _INSERT_EVENT.replace(", prev_hash, hash)", ", target_seq, correction, prev_hash, hash)").replace(
    ", :prev_hash, :hash)", ", :target_seq, :correction, :prev_hash, :hash)"
)


def _head_move(db, code: str) -> int:
    with db.read() as session:
        agreement = session.scalars(select(Agreement).where(Agreement.code == code)).one()
        return session.scalars(
            select(Event.seq).where(Event.agreement_id == agreement.id, Event.to_stage.in_(HEAD_STAGES))
        ).first()


@pytest.mark.parametrize("kind", ["correction", "retraction", "void"])
def test_an_officer_cannot_revise_a_heads_move_with_sql(pg_seeded, pg_login, kind):
    name, officer = pg_login("agreements_writer")
    target = _head_move(pg_seeded, "RA-CHE")
    assert target is not None
    changes = {
        "correction": dict(target_seq=target, correction='{"place":"Geneva"}'),
        "retraction": dict(target_seq=target, correction=None),
        "void": dict(target_seq=None, correction=None),
    }[kind]
    forged = _next_event(pg_seeded, "RA-CHE", actor=name, kind=kind, reason="forged", note=None, **changes)
    before = database_rows(pg_seeded)
    _refused_by_database(officer, _INSERT_REVISION, "needs the head role", _plain(forged))
    assert database_rows(pg_seeded) == before


def test_an_officer_may_correct_a_note_and_a_head_a_heads_move(pg_seeded, pg_login, cli, monkeypatch):
    officer_name, officer = pg_login("agreements_writer")
    head_name, head = pg_login("agreements_head")
    ok(cli("users", "add", officer_name, "--email", "o@example.org", "--role", "officer"))
    ok(cli("users", "add", head_name, "--email", "h@example.org", "--role", "head"))
    target = _head_move(pg_seeded, "RA-CHE")
    monkeypatch.setenv("AGREEMENTS_DB", officer)
    refused(cli("correct", "RA-CHE", str(target), "--place", "Geneva", "--reason", "x"), "needs the head role")
    monkeypatch.setenv("AGREEMENTS_DB", head)
    ok(cli("correct", "RA-CHE", str(target), "--place", "Bern", "--reason", "the place of signature"))
    monkeypatch.setenv("AGREEMENTS_DB", pg_seeded.url)
    assert "intact" in ok(cli("verify"))
