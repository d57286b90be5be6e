"""The tamper-evident hash chain and `agreements verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agreements.store.migrate import upgrade
from agreements.transfer.importer import import_records
from agreements.transfer.reading import read_records
from tests.support import SEED, TODAY, clock_at, column_names


def _lift_triggers(db):
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER events_no_update")
            conn.exec_driver_sql("DROP TRIGGER events_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_no_update_delete")


def test_verify_reports_every_seed_chain_intact(seeded, cli):
    code, out, err = cli("verify")
    assert code == 0, err
    assert out.strip() == "All 18 chain(s) intact (29 events)."
    assert cli("verify", "RA-MDA")[1].strip() == "All 1 chain(s) intact (3 events)."


def test_live_history_keeps_its_chain(seeded, cli):
    assert cli("advance", "RA-MDA", "--on", "2016-12-20", "--note", "Mətn razılaşdırıldı")[0] == 0
    assert cli("note", "RA-TUR", "called, no answer", "--on", "2017-01-10")[0] == 0
    code, out, _ = cli("verify")
    assert code == 0 and "(31 events)" in out


def _tamper(db, statement):
    _lift_triggers(db)
    with db.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize(
    "statement, fragment",
    [
        (
            "UPDATE events SET note = 'rewritten' WHERE seq = 2 AND agreement_id = (SELECT id FROM agreements WHERE code = 'RA-MDA')",
            "RA-MDA: the chain breaks at event 2 (content does not match its hash)",
        ),
        (
            "UPDATE events SET occurred_on = '2016-02-24' WHERE seq = 2 AND agreement_id = (SELECT id FROM agreements WHERE code = 'RA-MDA')",
            "RA-MDA: the chain breaks at event 2",
        ),
        (
            "DELETE FROM events WHERE seq = 3 AND agreement_id = (SELECT id FROM agreements WHERE code = 'RA-MDA')",
            "RA-MDA: the chain breaks at the end of its history",
        ),
        (
            "DELETE FROM events WHERE seq = 2 AND agreement_id = (SELECT id FROM agreements WHERE code = 'RA-MDA')",
            "RA-MDA: the chain breaks at event 2 (missing event)",
        ),
    ],
)
def test_an_altered_history_is_named_at_its_first_changed_event(seeded, cli, statement, fragment):
    _tamper(seeded, statement)
    code, _out, err = cli("verify")
    assert code == 1 and err.startswith("Error:") and fragment in err
    assert "RA-TUR" not in err  # the other chains are intact
    assert len(err.strip().splitlines()) == 1


def test_an_imported_copy_has_a_sound_chain_of_its_own(seeded, cli, tmp_path):
    """A copy records who imported it and when, so its chain is its own; the
    history it holds, as the file stated it, is the same."""
    other = tmp_path / "other.db"
    export = tmp_path / "export.json"
    assert cli("export", "--out", str(export))[0] == 0
    assert cli("--db", str(other), "init")[0] == 0
    assert cli("--db", str(other), "import", str(export))[0] == 0
    assert cli("--db", str(other), "verify")[0] == 0
    from sqlalchemy import select

    from agreements.store.database import Database
    from agreements.store.tables import Agreement

    def heads(db):
        with db.read() as s:
            return dict(s.execute(select(Agreement.code, Agreement.last_hash)).all())

    copy = Database(f"sqlite:///{other}")
    assert heads(copy).keys() == heads(seeded).keys() and all(heads(copy).values())
    assert heads(copy) != heads(seeded)
    copy.dispose()
    again = tmp_path / "again.json"
    assert cli("--db", str(other), "export", "--out", str(again))[0] == 0
    assert _without_hashes(again) == _without_hashes(export)


def _without_hashes(path) -> list:
    """An export's agreements and events, leaving out each event's hash."""
    import json

    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        {**a, "events": [{k: v for k, v in e.items() if k != "hash"} for e in a["events"]]}
        for a in document["agreements"]
    ]


def test_chain_on_postgres(pg_db):
    import_records(
        pg_db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=clock_at(TODAY), actor="postgres"
    )
    from agreements.reads.verify import verify

    assert verify(pg_db).breaks == [] and verify(pg_db).events == 29
    _tamper(pg_db, "UPDATE events SET place = 'Chisinau' WHERE place = 'Kişinyov'")
    breaks = verify(pg_db).breaks
    assert [str(b) for b in breaks] == ["RA-MDA: the chain breaks at event 2 (content does not match its hash)"]


def test_the_migration_backfills_the_same_chain(seeded, cli):
    from alembic import command
    from sqlalchemy import select

    from agreements.store.migrate import _config
    from agreements.store.tables import Event

    with seeded.read() as s:
        before = list(s.execute(select(Event.id, Event.prev_hash, Event.hash).order_by(Event.id)).all())
    with seeded.engine.begin() as connection:
        command.downgrade(_config(seeded, connection), "0005")
        columns = column_names(connection, "events")
        assert "hash" not in columns
    assert upgrade(seeded)[0] == "0005"
    with seeded.read() as s:
        after = list(s.execute(select(Event.id, Event.prev_hash, Event.hash).order_by(Event.id)).all())
    # the downgrade dropped what 0009 added (subjects, stated actors): the
    # backfill hashes what is left, a chain that verifies
    assert [i for i, _p, _h in after] == [i for i, _p, _h in before] and all(h for _i, _p, h in after)
    assert cli("verify")[0] == 0
    # the append-only triggers are back after the backfill
    with pytest.raises(Exception, match="append-only"), seeded.engine.begin() as conn:
        conn.execute(text("UPDATE events SET note = 'x'"))
