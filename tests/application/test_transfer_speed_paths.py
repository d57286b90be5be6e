"""The quick paths of import and export store and write what the plain ones did.

On SQLite an import inserts its events through the driver, with the values
converted as their column types bind them; the hash formats an import's
recording time once; export lets the database pick the stated actor and
time. Each is compared here with the path it replaces.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.exc import StatementError

from agreements.store.database import Database
from agreements.store.hash_chain import event_hash
from agreements.store.migrate import upgrade
from agreements.store.tables import Event, UTCDateTime
from agreements.transfer.bulk import EventInserts
from tests.support import SEED, TODAY, ok

EVENTS = Event.__table__


def _history(tmp_path):
    """A file with what the seed lacks: stated times in another zone, with
    and without microseconds, and an event stating none."""
    document = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": "RA-SPD",
                "title_az": "Sürət",
                "title_en": "Speed",
                "kind": "readmission",
                "parties": ["GEO"],
                "events": [
                    {
                        "kind": "opened",
                        "to": "draft",
                        "on": "2015-01-10",
                        "actor": "boss",
                        "recorded_at": "2015-01-12T09:30:00.000123+04:00",
                    },
                    {"kind": "note", "on": "2015-02-01", "note": "Qeyd", "recorded_at": "2015-02-01T23:30:00-05:00"},
                    {"kind": "note", "on": None, "date_precision": "unknown", "note": "no date, no time"},
                ],
            }
        ],
    }
    path = tmp_path / "speed.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _raw_events(path) -> list[tuple]:
    """The events as SQLite holds them (text stays text: a format shows)."""
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT * FROM events ORDER BY id").fetchall()


@pytest.mark.sqlite_only("the driver path is SQLite's")
def test_both_insert_paths_store_the_same_rows(db, cli, tmp_path):
    ok(cli("import", str(SEED), at=TODAY))
    ok(cli("import", str(_history(tmp_path)), at=datetime(2026, 11, 25, 8, 0, 0, 654321, tzinfo=UTC)))
    imported = _raw_events(tmp_path / "agreements.db")
    with db.engine.connect() as connection:
        typed = [dict(row._mapping) for row in connection.execute(select(EVENTS).order_by(EVENTS.c.id))]
    assert any(row["stated_recorded_at"] is not None for row in typed)
    assert any(row["occurred_on"] is None for row in typed) and any(row["occurred_until"] for row in typed)

    stored = {}
    for direct in (True, False):
        path = tmp_path / f"direct-{direct}.db"
        other = Database(f"sqlite:///{path}", allow_create=True)
        upgrade(other)
        with sqlite3.connect(path) as connection:
            connection.execute("ATTACH ? AS imported", (str(tmp_path / "agreements.db"),))
            connection.execute("INSERT INTO agreements SELECT * FROM imported.agreements")
        with other.sessions().begin() as session:
            inserts = EventInserts(session, EVENTS, direct=direct)
            inserts.insert([{k: v for k, v in row.items() if k != "id"} for row in typed])
        other.dispose()
        stored[direct] = _raw_events(path)
    assert stored[True] == stored[False] == imported
    assert "Traceback" not in ok(cli("verify"))


@pytest.mark.sqlite_only("the driver path is SQLite's")
def test_a_column_the_rows_leave_to_a_default_goes_through_the_statement(db):
    table = Table(
        "speed_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime),
        Column("day", String(10)),
        Column("n", Integer, default=7),
    )
    table.create(db.engine)
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=4)))
    with db.sessions().begin() as session:
        EventInserts(session, table, direct=True).insert([{"at": moment, "day": "x"}])
        EventInserts(session, table, direct=True).insert([{"at": moment, "day": "y", "n": 1}])
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT at, day, n FROM speed_probe ORDER BY id").all()
    assert [tuple(r) for r in rows] == [("2026-01-01 23:04:05.000000", "x", 7), ("2026-01-01 23:04:05.000000", "y", 1)]
    # a naive time is refused on the driver path as by the column type
    with pytest.raises((ValueError, StatementError), match="naive"), db.sessions().begin() as session:
        EventInserts(session, table, direct=True).insert([{"at": datetime(2026, 1, 2), "day": "z", "n": 2}])


def _values(recorded_at, stated_at=None):
    return dict(
        seq=1,
        kind="opened",
        from_stage=None,
        to_stage="draft",
        occurred_on=date(2016, 3, 1),
        date_precision="day",
        occurred_until=None,
        occurred_from=None,
        date_form=None,
        recorded_at=recorded_at,
        actor="tester",
        place="Bakı",
        note="Mətn\n'q'",
        reason=None,
        reference="№ 1",
        outcome=None,
        open_articles=3,
        awaiting="us",
        source=None,
        subject=None if stated_at is None else '{"a":1}',
        stated_actor=None if stated_at is None else "boss",
        stated_recorded_at=stated_at,
        target_seq=None,
        correction=None,
        # migration 0013's columns, unset: the event hashes as before them
        party=None,
        act_kind=None,
        received_on=None,
        received_from=None,
        received_form=None,
        instrument=None,
        entry_rule=None,
    )


def test_the_hash_is_unchanged_whether_the_recording_time_is_one_object_or_many():
    now = datetime(2026, 11, 25, 8, 0, 0, 123456, tzinfo=UTC)
    stated = datetime(2015, 1, 12, 9, 30, tzinfo=timezone(timedelta(hours=4)))
    # pinned: the hashes of commit 0cd4acd, before the recording time was formatted once
    live, imported = (
        "3565d6a19143025b125cf61065d46ad87057f4da6bd2fec03bc40c6996a879ce",
        "504893fc7b860fbcd44bd4fb8d5ca14f1ef9b043b3164f153a455d724ff3c05f",
    )
    for _ in range(2):  # the same moment object again, as an import passes it
        assert event_hash("RA-X", None, _values(now)) == live
        assert event_hash("RA-X", "ab" * 32, dict(_values(now, stated), seq=2)) == imported
    later = now + timedelta(microseconds=1)
    assert event_hash("RA-X", None, _values(later)) != live
    # an equal moment in another object and zone: the same text, the same hash
    assert event_hash("RA-X", None, _values(now.astimezone(timezone(timedelta(hours=4))))) == live


def test_export_writes_the_stated_actor_and_time_else_the_recorded_ones(db, cli, tmp_path):
    at = datetime(2026, 11, 25, 8, 0, 0, 654321, tzinfo=UTC)
    ok(cli("import", str(_history(tmp_path)), at=at))
    ok(
        cli(
            "add",
            "RA-LIV",
            "--title-az",
            "Canlı",
            "--title-en",
            "Live",
            "--kind",
            "readmission",
            "--party",
            "GEO",
            at=at,
        )
    )
    exported = {a["code"]: a["events"] for a in json.loads(ok(cli("export")))["agreements"]}
    stated = [(e["actor"], e["recorded_at"]) for e in exported["RA-SPD"]]
    assert stated == [
        ("boss", "2015-01-12T05:30:00.000123+00:00"),
        ("import", "2015-02-02T04:30:00+00:00"),
        ("import", "2026-11-25T08:00:00.654321+00:00"),  # the file states no time: the import's
    ]
    assert [(e["actor"], e["recorded_at"]) for e in exported["RA-LIV"]] == [("tester", at.isoformat())]
    assert all(len(e["hash"]) == 64 for events in exported.values() for e in events)
    csv_text = ok(cli("export", "--format", "csv"))
    assert "boss" in csv_text and "2015-01-12T05:30:00.000123+00:00" in csv_text
