"""The same core on PostgreSQL: migrations, seed import, moves, append-only history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from agreements.errors import StaleWrite
from agreements.store.lookup import load
from agreements.store.migrate import upgrade
from agreements.store.tables import Agreement, Event
from agreements.transfer.exporter import iter_agreements
from agreements.transfer.importer import import_records
from agreements.transfer.reading import read_records
from agreements.writes import commands as services
from agreements.writes.apply import EventSpec, append_event
from tests.support import SEED, TODAY, clock_at
from workflows.chronology import When


@pytest.fixture
def pg_seeded(pg_db):
    import_records(
        pg_db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=clock_at(TODAY), actor="tester"
    )
    return pg_db


def test_migrations_are_idempotent_on_postgres(pg_db):
    before, after = upgrade(pg_db)
    assert before == after is not None


def test_seed_import_and_moves_on_postgres(pg_seeded, cli):
    code, out, err = cli("--db", pg_seeded.url, "history", "RA-MDA")
    assert code == 0, err
    assert "Kişinyov" in out and "Bakı" in out
    code, out, err = cli(
        "--db", pg_seeded.url, "advance", "RA-MDA", "--on", "2016-11-30", "--note", "Mətn razılaşdırıldı"
    )
    assert code == 0, err
    with pg_seeded.read() as s:
        agreement = s.scalar(select(Agreement).where(Agreement.code == "RA-MDA"))
        last = s.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq.desc())).first()
    assert agreement.stage == "internal_approval"
    assert (last.from_stage, last.to_stage, last.note) == ("expert_talks", "internal_approval", "Mətn razılaşdırıldı")


def test_postgres_refuses_to_alter_history(pg_seeded):
    for statement in ("UPDATE events SET note = 'x'", "DELETE FROM events", "TRUNCATE events CASCADE"):
        with pytest.raises(Exception, match="append-only"), pg_seeded.engine.begin() as conn:
            conn.execute(text(statement))
    with pg_seeded.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 44


def test_lost_race_on_postgres_is_a_stale_write(pg_seeded):
    def work(session):
        agreement = load(session, "RA-TUR")
        services.add_note(
            pg_seeded,
            "RA-TUR",
            "meanwhile",
            services.Details(actor="tester"),
            on=date(2017, 1, 2),
            clock=clock_at(TODAY),
        )
        append_event(
            session,
            agreement,
            EventSpec(kind="note", note="mine", when=When(date(2017, 1, 3)), actor="tester"),
            TODAY,
            now=clock_at(TODAY).now(),
        )

    with pytest.raises(StaleWrite):
        services.transaction(pg_seeded, "RA-TUR", work)
    with pg_seeded.read() as s:
        notes = list(s.scalars(select(Event.note).where(Event.kind == "note", Event.note.in_(["meanwhile", "mine"]))))
    assert notes == ["meanwhile"]


def test_export_is_the_same_on_postgres_and_sqlite(pg_seeded, seeded):
    def strip(items):
        return [
            {**a, "events": [{k: v for k, v in e.items() if k not in ("recorded_at", "hash")} for e in a["events"]]}
            for a in items
        ]

    assert strip(iter_agreements(pg_seeded)) == strip(iter_agreements(seeded))
