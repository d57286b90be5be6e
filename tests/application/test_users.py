"""Users and roles: who may change what, in the tracker and in PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from agreements.store.tables import Agreement, Event, Recipient, User
from tests.support import SEED, TODAY, clock_at

# the tracker's own users (the users table) are SQLite's; PostgreSQL's users
# are its logins, tested with real login roles below
pytestmark = pytest.mark.sqlite_only


def ok(result):
    code, out, err = result
    assert code == 0, err
    return out


def refused(result, *fragments):
    code, out, err = result
    assert code == 1, (out, err)
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


def snapshot(db) -> dict:
    """Every row that a change could touch."""
    from sqlalchemy import select

    with db.read() as s:
        return {
            model.__tablename__: [
                tuple(getattr(r, c.key) for c in model.__table__.columns)
                for r in s.scalars(select(model).order_by(model.id))
            ]
            for model in (Agreement, Event, Recipient, User)
        }


@pytest.fixture
def staffed(seeded, cli):
    ok(cli("users", "add", "aliyev", "--email", "r.aliyev@migration.gov.az", "--role", "head"))
    ok(cli("users", "add", "mammadova", "--email", "l.mammadova@migration.gov.az", "--role", "officer", login="aliyev"))
    ok(cli("users", "add", "huseynov", "--email", "e.huseynov@migration.gov.az", "--role", "viewer", login="aliyev"))
    return seeded


def test_without_users_anyone_may_act(seeded, cli):
    assert "No users registered" in ok(cli("users", "list"))
    ok(cli("note", "RA-MDA", "anyone", "--as", "somebody", "--on", "2016-12-01"))
    ok(cli("advance", "RA-TUR", "--to", "signing", "--as", "somebody-else"))


def test_users_add_and_list(staffed, cli):
    rows = json.loads(ok(cli("users", "list", "--format", "json")))
    assert [(r["name"], r["email"], r["role"], r["created_by"]) for r in rows] == [
        ("aliyev", "r.aliyev@migration.gov.az", "head", "tester"),
        ("huseynov", "e.huseynov@migration.gov.az", "viewer", "aliyev"),
        ("mammadova", "l.mammadova@migration.gov.az", "officer", "aliyev"),
    ]
    table = ok(cli("users", "list"))
    assert "mammadova" in table and "officer" in table


def test_the_first_user_must_be_a_head(db, cli):
    refused(cli("users", "add", "x", "--email", "x@example.org", "--role", "officer"), "first user must be a head")
    assert snapshot(db)["users"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("users", "add", "new", "--email", "n@example.org", "--role", "officer", "--as", "mammadova"),
            "adding users needs the head role; mammadova is an officer",
        ),
        (
            ("users", "add", "new", "--email", "n@example.org", "--role", "officer", "--as", "nobody"),
            "'nobody' is not a registered user",
        ),
        (
            ("users", "add", "aliyev", "--email", "n@example.org", "--role", "viewer", "--as", "aliyev"),
            "a user named 'aliyev' already exists",
        ),
        (("users", "add", "new", "--email", "not-an-address", "--role", "viewer", "--as", "aliyev"), ""),
        (
            ("users", "add", "two\nlines", "--email", "n@example.org", "--role", "viewer", "--as", "aliyev"),
            "line breaks",
        ),
    ],
)
def test_adding_users_is_refused_cleanly(staffed, cli, args, message):
    before = snapshot(staffed)
    *args, _as, login = args  # on SQLite the OS login acts once users exist
    refused(cli(*args, login=login), message)
    assert snapshot(staffed) == before


def test_a_bad_role_is_a_usage_error(staffed, cli):
    code, _out, err = cli("users", "add", "new", "--email", "n@example.org", "--role", "admin", "--as", "aliyev")
    assert code == 2 and "admin" in err and len(err.strip().splitlines()) == 1


WRITES = [
    (
        "add",
        "RA-GEO",
        "--title-az",
        "S",
        "--title-en",
        "A",
        "--kind",
        "readmission",
        "--party",
        "GEO",
        "--on",
        "2020-01-10",
    ),
    ("note", "RA-MDA", "a note", "--on", "2016-12-01"),
    ("round", "RA-MDA", "--on", "2016-12-01", "--place", "Baku"),
    ("advance", "RA-MDA", "--on", "2016-12-01"),
    ("suspend", "RA-MDA", "--on", "2016-12-01"),
    ("sign", "RA-TUR", "--on", "2020-01-01"),
    ("terminate", "RA-TUR", "--reason", "abandoned"),
    ("ack", "RA-TUR", "--until", "2026-12-31", "--note", "waiting for Ankara"),
    ("plan", "RA-MDA", "--on", "2026-12-10", "--what", "next round"),
    ("import", str(SEED.parent / "nothing.json")),
    ("recipients", "add", "x@example.org", "--name", "X", "--locale", "en"),
    ("digest", "send", "--week", "2026-W48"),
    ("recipients", "remove", "x@example.org"),
    ("digest", "resend", "x@example.org", "--week", "2026-W48"),
]


@pytest.mark.parametrize("args", WRITES, ids=lambda a: a[0] + ("-" + a[1] if a[0] in ("recipients", "digest") else ""))
def test_a_viewer_changes_nothing(staffed, cli, tmp_path, args):
    if args[0] == "import":  # a file with something new in it
        doc = json.loads(SEED.read_text(encoding="utf-8"))
        doc["agreements"] = [dict(doc["agreements"][0], code="RA-NEW")]
        path = tmp_path / "new.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        args = ("import", str(path))
    before = snapshot(staffed)
    refused(cli(*args, login="huseynov"), "huseynov is a viewer and can change nothing")
    assert snapshot(staffed) == before
    refused(cli(*args, login="stranger"), "'stranger' is not a registered user")
    refused(cli(*args), "'tester' is not a registered user")
    # nor can anyone name someone else: with users registered, --as and $AGREEMENTS_USER are refused
    refused(cli(*args, "--as", "aliyev", login="huseynov"), "you act as your login 'huseynov'")
    assert snapshot(staffed) == before


def test_a_viewer_still_reads(staffed, cli):
    for args in (
        ("list",),
        ("show", "RA-MDA"),
        ("history", "RA-MDA"),
        ("log",),
        ("search", "Kişinyov"),
        ("stalled",),
        ("verify",),
        ("export",),
        ("users", "list"),
    ):
        ok(cli(*args))


@pytest.mark.parametrize(
    "args, stage",
    [
        (("advance", "RA-TUR", "--to", "signing"), "signing"),
        (("sign", "RA-TUR", "--on", "2020-01-01"), "signing"),
        (("terminate", "RA-TUR", "--reason", "abandoned"), "terminated"),
        (
            (
                "add",
                "RA-GEO",
                "--title-az",
                "S",
                "--title-en",
                "A",
                "--kind",
                "readmission",
                "--party",
                "GEO",
                "--on",
                "2020-01-10",
                "--stage",
                "signing",
            ),
            "signing",
        ),
    ],
)
def test_moves_into_signing_in_force_and_terminated_need_a_head(staffed, cli, args, stage):
    before = snapshot(staffed)
    refused(cli(*args, login="mammadova"), "needs the head role; mammadova is an officer")
    assert snapshot(staffed) == before
    out = ok(cli(*args, login="aliyev"))
    code = args[1]
    assert json.loads(ok(cli("show", code, "--format", "json")))["stage"] == stage, out


def test_entering_in_force_needs_a_head(staffed, cli):
    ok(cli("sign", "RA-TUR", "--on", "2020-01-01", login="aliyev"))
    before = snapshot(staffed)
    refused(
        cli("advance", "RA-TUR", "--to", "in_force", "--on", "2020-03-01", login="mammadova"),
        "moving RA-TUR from signing to in_force needs the head role",
    )
    assert snapshot(staffed) == before
    ok(cli("advance", "RA-TUR", "--to", "in_force", "--on", "2020-03-01", login="aliyev"))


def test_an_officer_records_the_rest(staffed, cli):
    for args in WRITES[:5] + WRITES[7:9]:
        ok(cli(*args, login="mammadova"))
    rows = json.loads(ok(cli("history", "RA-MDA", "--format", "json")))["history"]
    assert {"mammadova"} == {r["actor"] for r in rows[-5:]}
    assert ok(cli("verify")).startswith("All ")


def test_importing_moves_into_a_heads_stage_needs_a_head(staffed, cli, tmp_path):
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    in_force = next(a for a in doc["agreements"] if any(e.get("to") == "in_force" for e in a["events"]))
    draft = next(
        a
        for a in doc["agreements"]
        if all(e.get("to") not in ("signing", "in_force", "terminated") for e in a["events"])
    )
    for name, agreement in (("head.json", in_force), ("officer.json", draft)):
        (tmp_path / name).write_text(
            json.dumps(dict(doc, agreements=[dict(agreement, code=agreement["code"] + "-2")])), encoding="utf-8"
        )
    before = snapshot(staffed)
    refused(cli("import", str(tmp_path / "head.json"), login="mammadova"), "needs the head role")
    assert snapshot(staffed) == before
    ok(cli("import", str(tmp_path / "officer.json"), login="mammadova"))
    ok(cli("import", str(tmp_path / "head.json"), login="aliyev"))


def test_the_scheduler_still_records_its_flags(staffed):
    from agreements.config.file import load_config
    from agreements.writes import stall_flags

    report = stall_flags.run_scan(staffed, load_config(None), TODAY, now=clock_at(TODAY).now(), actor="scheduler")
    assert report.recorded, "the seed history has stalled agreements"


def test_workflow_says_which_moves_need_a_head(cli):
    assert "moves into signing, in_force, approved, terminated need the head role" in ok(cli("workflow"))


# ------------------------------------------------------------ PostgreSQL roles


def test_migrations_create_the_postgres_roles(pg_db):
    with pg_db.engine.connect() as conn:
        roles = set(
            conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname IN ('agreements_reader', 'agreements_writer')")
            ).scalars()
        )
        assert roles == {"agreements_reader", "agreements_writer"}
        privileges = dict(
            conn.execute(
                text(
                    "SELECT r, string_agg(p, ',' ORDER BY p) FROM (VALUES ('agreements_reader'), ('agreements_writer')) v(r), "
                    "unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p "
                    "WHERE has_table_privilege(r, current_schema() || '.events', p) GROUP BY r"
                )
            ).all()
        )
    assert privileges == {"agreements_reader": "SELECT", "agreements_writer": "INSERT,SELECT"}


def test_a_reader_connection_cannot_write(pg_db, pg_login, cli):
    from agreements.transfer.importer import import_records
    from agreements.transfer.reading import read_records

    import_records(
        pg_db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=clock_at(TODAY), actor="tester"
    )
    before = snapshot(pg_db)
    reader = pg_login("agreements_reader")[1]
    assert "RA-MDA" in ok(cli("--db", reader, "list"))
    assert ok(cli("--db", reader, "verify")).startswith("All 18 chain(s) intact")
    refused(cli("--db", reader, "note", "RA-MDA", "from a reader", "--on", "2016-12-01"), "is a viewer")
    refused(cli("--db", reader, "advance", "RA-MDA", "--on", "2016-12-01"), "is a viewer")
    engine = create_engine(reader, poolclass=NullPool)
    for statement in (
        "INSERT INTO users (name, email, role, created_at, created_by) VALUES ('x', 'x@e.org', 'head', now(), 'x')",
        "UPDATE agreements SET title_en = 'x'",
        "DELETE FROM recipients",
        "DROP TABLE events",
    ):
        with pytest.raises(Exception, match=r"permission denied|must be owner"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert snapshot(pg_db) == before


def test_a_writer_connection_appends_but_cannot_rewrite(pg_db, pg_login, cli):
    from agreements.transfer.importer import import_records
    from agreements.transfer.reading import read_records

    import_records(
        pg_db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=clock_at(TODAY), actor="tester"
    )
    with pg_db.engine.begin() as conn:  # as the owner, a table made after init (APScheduler's)
        conn.execute(text("CREATE TABLE made_later (x integer)"))
    writer = pg_login("agreements_writer")[1]
    ok(cli("--db", writer, "note", "RA-MDA", "from a writer", "--on", "2016-12-01"))
    ok(cli("--db", writer, "recipients", "add", "x@example.org", "--name", "X", "--locale", "en"))
    ok(cli("--db", writer, "recipients", "remove", "x@example.org"))
    refused(
        cli("--db", writer, "users", "add", "aliyev", "--email", "a@example.org", "--role", "head"),
        "adding users needs the head role",
    )
    engine = create_engine(writer, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO made_later VALUES (1)"))
    for statement in (
        "UPDATE events SET note = 'x'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "DROP TABLE events",
        "DELETE FROM agreements",
        "UPDATE users SET role = 'head'",
        "UPDATE alembic_version SET version_num = 'x'",
    ):
        with pytest.raises(Exception, match=r"permission denied|must be owner"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert ok(cli("--db", writer, "verify")).startswith("All 18 chain(s) intact (45 events)")


def test_a_signature_in_an_import_needs_a_head_like_sign_does(staffed, cli, tmp_path):
    """A signature has no `to`, yet it moves an agreement at the MFA into
    signing: an officer may not do by import what `sign` refuses them."""
    opened = {
        "kind": "opened",
        "from": None,
        "to": "mfa",
        "on": "2020-01-10",
        "date_precision": "day",
        "until": None,
        "place": None,
        "outcome": None,
        "open_articles": None,
        "actor": "mammadova",
        "note": "Text at the MFA.",
        "reason": None,
        "reference": None,
        "awaiting": None,
        "source": None,
        "recorded_at": None,
    }
    signed = dict(opened, kind="signature", to=None, on="2020-02-03", place="Bakı", note="Signed.")
    agreement = {
        "code": "XS-SIGN",
        "title_az": "Saziş",
        "title_en": "Agreement",
        "kind": "readmission",
        "parties": ["GEO"],
        "parent": None,
        "officer": None,
        "events": [opened, signed],
    }
    path = tmp_path / "signed.json"
    path.write_text(json.dumps({"format": "agreements-history", "version": 1, "agreements": [agreement]}), "utf-8")
    ok(
        cli(
            "add",
            "XS-MFA",
            "--title-az",
            "S",
            "--title-en",
            "A",
            "--kind",
            "readmission",
            "--party",
            "GEO",
            "--stage",
            "mfa",
            "--on",
            "2020-01-10",
            login="mammadova",
        )
    )
    refused(cli("sign", "XS-MFA", "--on", "2020-02-03", login="mammadova"), "needs the head role")
    before = snapshot(staffed)
    refused(cli("import", str(path), login="mammadova"), "needs the head role")
    assert snapshot(staffed) == before
    ok(cli("import", str(path), login="aliyev"))
    assert json.loads(ok(cli("show", "XS-SIGN", "--format", "json")))["stage"] == "signing"
