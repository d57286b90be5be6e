"""The history store: one transaction per change, append-only events, lost races."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from agreements.errors import StaleWrite
from agreements.store.lookup import load
from agreements.store.tables import Agreement, Event
from agreements.writes import commands as services
from agreements.writes.apply import EventSpec, append_event
from tests.support import TODAY, clock_at
from workflows.chronology import When


def _stage_and_count(db, code):
    with db.read() as s:
        agreement = s.scalar(select(Agreement).where(Agreement.code == code))
        count = s.scalar(select(func.count()).select_from(Event).where(Event.agreement_id == agreement.id))
        return agreement.stage, agreement.version, count


def test_failure_after_the_stage_change_leaves_neither_change_nor_event(seeded, cli):
    # A real failure inside the same transaction: the database refuses the event
    # row after the agreement row has already been updated.
    with seeded.engine.begin() as conn:
        if seeded.is_sqlite:
            conn.execute(
                text(
                    "CREATE TRIGGER fail_event BEFORE INSERT ON events WHEN NEW.note = 'boom' "
                    "BEGIN SELECT RAISE(ABORT, 'event refused by test trigger'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "RAISE EXCEPTION 'event refused by test trigger'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER fail_event BEFORE INSERT ON events FOR EACH ROW "
                    "WHEN (NEW.note = 'boom') EXECUTE FUNCTION fail_event()"
                )
            )
    before = _stage_and_count(seeded, "RA-MDA")
    code, _out, err = cli("advance", "RA-MDA", "--on", "2016-11-30", "--note", "boom")
    assert code == 1
    assert err.startswith("Error:") and "event refused by test trigger" in err
    assert len(err.strip().splitlines()) == 1
    assert _stage_and_count(seeded, "RA-MDA") == before
    code, _out, _err = cli("advance", "RA-MDA", "--on", "2016-11-30", "--note", "fine")
    assert code == 0
    assert _stage_and_count(seeded, "RA-MDA")[0] == "internal_approval"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET note = 'rewritten' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_alter_history(seeded, statement):
    with pytest.raises(Exception, match="append-only"), seeded.engine.begin() as conn:
        conn.execute(text(statement))
    with seeded.read() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.note == "rewritten")) == 0
        assert s.scalar(select(func.count()).select_from(Event)) == 44


def test_a_writer_that_lost_the_race_gets_stale_write_and_writes_nothing(seeded):
    before = _stage_and_count(seeded, "RA-MDA")

    def work(session):
        agreement = load(session, "RA-MDA")
        # someone else records a note between our read and our write
        services.add_note(
            seeded,
            "RA-MDA",
            "meanwhile",
            services.Details(actor="tester"),
            on=date(2016, 11, 20),
            clock=clock_at(TODAY),
        )
        append_event(
            session,
            agreement,
            EventSpec(kind="stage_change", to="internal_approval", when=When(date(2016, 11, 30)), actor="tester"),
            TODAY,
            now=clock_at(TODAY).now(),
        )

    with pytest.raises(StaleWrite, match="changed meanwhile"):
        services.transaction(seeded, "RA-MDA", work)
    stage, version, count = _stage_and_count(seeded, "RA-MDA")
    assert stage == before[0] == "expert_talks"
    assert count == before[2] + 1  # only the other writer's note
    assert version == before[1] + 1


def test_event_sequence_numbers_are_contiguous(seeded, cli):
    for text_ in ("one", "two", "three"):
        assert cli("note", "RA-TUR", text_)[0] == 0
    with seeded.read() as s:
        agreement = s.scalar(select(Agreement).where(Agreement.code == "RA-TUR"))
        seqs = list(s.scalars(select(Event.seq).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
    assert seqs == list(range(1, len(seqs) + 1))
    assert agreement.event_count == len(seqs) == 4


@pytest.mark.sqlite_only("SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
