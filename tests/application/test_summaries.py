"""The summary columns kept on each agreement row (migration 0005) equal what
replaying its events gives, after every kind of event and after an import;
the stall scan read from them equals the scan by replay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from agreements.config.file import load_config
from agreements.digest.plans import record_plan
from agreements.reads import stalled as stalls
from agreements.store.tables import Agreement, Event
from agreements.writes import commands as services
from agreements.writes import stall_flags
from agreements.writes.commands import Details
from agreements.writes.summaries import backfill_summaries
from tests.support import SEED, TODAY, assert_summaries_match, clock_at, column_names, stored, trigger_names
from workflows.chronology import standing_on
from workflows.stall import assess_events
from workflows.stall_summary import SUMMARY_COLUMNS

ME = Details(actor="tester")


def slow_assess_all(db, config, day):
    """The stall scan by replaying every history (the implementation before 0005)."""
    policy, calendar = config.policy, config.calendar()
    out = []
    with db.read() as session:
        for agreement in session.scalars(select(Agreement).order_by(Agreement.code)):
            events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
            standing = standing_on(events, day)
            if standing is None:
                continue
            known = standing.events
            flag = assess_events(standing.stage, known, standing.awaiting, day, policy, calendar)
            acks = [e for e in known if e.kind == "ack" and e.occurred_until and e.occurred_until >= day]
            flags = [e for e in known if e.kind == "flag"]
            ack = acks[-1] if acks else None
            out.append(
                {
                    "code": agreement.code,
                    "stage": standing.stage,
                    "stage_since": (standing.since.on, standing.since.precision),
                    "flag": flag,
                    "awaiting": standing.awaiting,
                    "acknowledged_until": ack.occurred_until if ack else None,
                    "acknowledgement": ack.note if ack else None,
                    "last_flag": flags[-1].outcome if flags else None,
                }
            )
    return out


def fast(db, config, day):
    return [
        {
            "code": s.code,
            "stage": s.stage,
            "stage_since": (s.stage_since, s.stage_since_precision),
            "flag": s.flag,
            "awaiting": s.awaiting,
            "acknowledged_until": s.acknowledged_until,
            "acknowledgement": s.acknowledgement,
            "last_flag": s.last_flag,
        }
        for s in stalls.assess_all(db, config, day)
    ]


DAYS = (
    date(2010, 1, 1),
    date(2016, 2, 24),
    date(2016, 7, 1),
    date(2016, 10, 19),
    date(2017, 3, 1),
    date(2017, 3, 15),
    date(2017, 6, 1),
    TODAY - timedelta(days=3),
    TODAY,
    TODAY + timedelta(days=400),
)


def assert_scan_matches(db):
    config = load_config(None)
    for day in DAYS:
        assert fast(db, config, day) == slow_assess_all(db, config, day), day


def test_summaries_after_the_seed_import_equal_the_replay(seeded, cli):
    assert assert_summaries_match(seeded) == 18
    # every seed event is dated (RA-EU's opening was the last undated one): add an undated entry
    code, _out, err = cli("note", "RA-MDA", "Undated memo", "--on", "unknown")
    assert code == 0, err
    assert assert_summaries_match(seeded) == 18
    with seeded.read() as session:
        assert session.scalar(select(func.sum(Agreement.undated_events))) >= 1
    assert_scan_matches(seeded)


def test_summaries_after_each_kind_of_event(seeded):
    db = seeded
    t = TODAY
    services.add_agreement(
        db,
        "RA-XYZ",
        title_az="Saziş",
        title_en="Agreement",
        kind="readmission",
        parties=["GEO"],
        actor="tester",
        on=t - timedelta(days=300),
        clock=clock_at(t),
    )
    assert_summaries_match(db)
    steps = [
        lambda: services.advance(db, "RA-XYZ", "expert_talks", ME, on=t - timedelta(days=280), clock=clock_at(t)),
        lambda: services.add_note(db, "RA-XYZ", "a note", ME, on=t - timedelta(days=270), clock=clock_at(t)),
        lambda: services.add_note(
            db,
            "RA-XYZ",
            "their move",
            Details(actor="tester", awaiting="counterpart"),
            on=t - timedelta(days=260),
            clock=clock_at(t),
        ),
        lambda: services.record_round(
            db, "RA-XYZ", ME, on=t - timedelta(days=250), until=t - timedelta(days=248), outcome="ok", clock=clock_at(t)
        ),
        lambda: stall_flags.acknowledge(
            db,
            "RA-XYZ",
            Details(actor="tester", note="waiting"),
            until=t + timedelta(days=30),
            on=t - timedelta(days=200),
            clock=clock_at(t),
        ),
        lambda: stall_flags.acknowledge(
            db,
            "RA-XYZ",
            Details(actor="tester", note="short"),
            until=t - timedelta(days=150),
            on=t - timedelta(days=190),
            clock=clock_at(t),
        ),
        lambda: stall_flags.run_scan(
            db, load_config(None), t - timedelta(days=100), now=clock_at(t).now(), actor="scheduler"
        ),
        lambda: record_plan(
            db, "RA-XYZ", on=t + timedelta(days=10), what="next round", actor="tester", clock=clock_at(t)
        ),
        lambda: services.advance(db, "RA-XYZ", "internal_approval", ME, on=t - timedelta(days=90), clock=clock_at(t)),
        lambda: services.advance(db, "RA-XYZ", "suspended", ME, on=t - timedelta(days=80), clock=clock_at(t)),
        lambda: services.resume(db, "RA-XYZ", ME, on=t - timedelta(days=70), clock=clock_at(t)),
        lambda: services.advance(db, "RA-XYZ", "mfa", ME, on=t - timedelta(days=60), clock=clock_at(t)),
        lambda: services.advance(db, "RA-XYZ", "signing", ME, on=t - timedelta(days=50), clock=clock_at(t)),
        lambda: services.sign(
            db, "RA-XYZ", Details(actor="tester", place="Bakı"), on=t - timedelta(days=40), clock=clock_at(t)
        ),
        lambda: stall_flags.run_scan(db, load_config(None), t, now=clock_at(t).now(), actor="scheduler"),
        lambda: services.advance(db, "RA-XYZ", "in_force", ME, on=t - timedelta(days=10), clock=clock_at(t)),
    ]
    for step in steps:
        step()
        assert_summaries_match(db)
    assert_scan_matches(db)
    with db.read() as session:
        row = session.scalar(select(Agreement).where(Agreement.code == "RA-XYZ"))
        assert row.ack_note == "short" and row.ack_max_until == t + timedelta(days=30)
        assert row.clock_since == t - timedelta(days=10)
        # the scans recorded flags on the stalled seed agreements
        assert session.scalar(select(func.count()).select_from(Agreement).where(Agreement.last_flag.is_not(None))) > 0


def test_summaries_after_an_import_with_undated_and_bounded_dates(db, cli, tmp_path):
    import json

    doc = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": "RA-ABC",
                "title_az": "S",
                "title_en": "A",
                "kind": "readmission",
                "parties": ["MDA"],
                "events": [
                    {"kind": "opened", "to": "draft", "on": "2015-01-10", "date_precision": "not_after"},
                    {"kind": "stage_change", "to": "expert_talks", "date_precision": "unknown"},
                    {"kind": "round", "on": "2015-03-01", "until": "2015-03-03", "place": "Kişinyov"},
                    {"kind": "note", "on": "2015-04-01", "awaiting": "counterpart", "note": "over to them"},
                    {"kind": "ack", "on": "2015-05-01", "until": "2015-09-01", "note": "known"},
                ],
            },
            {
                "code": "RA-DEF",
                "title_az": "S",
                "title_en": "A",
                "kind": "readmission",
                "parties": ["GEO"],
                "events": [
                    {"kind": "opened", "to": "draft", "on": "2015-01-10"},
                    {"kind": "stage_change", "to": "expert_talks", "on": "2015-02-01", "date_precision": "not_after"},
                    {"kind": "note", "on": "2015-01-20", "awaiting": "counterpart", "note": "dated before the bound"},
                    {"kind": "round", "on": "2015-03-01", "until": "2015-03-02"},
                ],
            },
        ],
    }
    path = tmp_path / "f.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, err = cli("import", str(path))
    assert code == 0, err
    assert_summaries_match(db)
    with db.read() as session:
        abc = session.scalar(select(Agreement).where(Agreement.code == "RA-ABC"))
        assert abc.undated_events == 1 and abc.last_substantive_on == date(2015, 3, 3)
    config = load_config(None)
    for day in (date(2015, 1, 15), date(2015, 3, 2), date(2015, 6, 1), date(2015, 9, 2), date(2016, 1, 1)):
        assert fast(db, config, day) == slow_assess_all(db, config, day), day


def test_backfill_recomputes_what_append_event_kept(seeded):
    with seeded.read() as session:
        before = {a.code: stored(a) for a in session.scalars(select(Agreement))}
    with seeded.engine.begin() as connection:
        connection.execute(text("UPDATE agreements SET " + ", ".join(f"{c} = NULL" for c in SUMMARY_COLUMNS)))
        assert backfill_summaries(connection) == 18
    with seeded.read() as session:
        after = {a.code: stored(a) for a in session.scalars(select(Agreement))}
    assert after == before
    assert_summaries_match(seeded)


def test_a_move_still_cannot_precede_a_rounds_last_day(seeded):
    import pytest

    from agreements.errors import BadDate

    t = TODAY
    services.add_agreement(
        db := seeded,
        "RA-QQQ",
        title_az="S",
        title_en="A",
        kind="readmission",
        parties=["GEO"],
        actor="tester",
        stage="expert_talks",
        on=t - timedelta(days=30),
        clock=clock_at(t),
    )
    services.record_round(db, "RA-QQQ", ME, on=t - timedelta(days=20), until=t - timedelta(days=18), clock=clock_at(t))
    with pytest.raises(BadDate):
        services.advance(db, "RA-QQQ", "internal_approval", ME, on=t - timedelta(days=19), clock=clock_at(t))
    services.advance(db, "RA-QQQ", "internal_approval", ME, on=t - timedelta(days=18), clock=clock_at(t))
    assert_summaries_match(db)


_triggers = trigger_names


@pytest.mark.sqlite_only("checks the FTS5 tables and their triggers")
def test_import_indexes_for_search_in_bulk_and_keeps_the_triggers(db, cli):
    from agreements.reads import search

    before = _triggers(db)
    assert "events_fts_ai" in before and "events_fts_fold_ai" in before
    code, _out, err = cli("import", str(SEED))
    assert code == 0, err
    assert _triggers(db) == before
    with db.engine.connect() as connection:
        for table in ("events_fts", "events_fts_fold"):
            connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        indexed = connection.exec_driver_sql("SELECT count(*) FROM events_fts").scalar()
        assert indexed == connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
    assert search.search(db, "Kişinyov", limit=50) and search.search(db, "Kisinyov", fold=True, limit=50)
    # live writes after an import are indexed by the triggers again
    services.add_note(db, "RA-MDA", "Zaqatala görüşü", ME, clock=clock_at(TODAY))
    assert [h["code"] for h in search.search(db, "zaqatala", limit=5)] == ["RA-MDA"]


def test_a_refused_import_leaves_the_triggers_and_the_index(seeded, cli, tmp_path):
    import json

    before = _triggers(seeded)
    doc = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": "RA-NEW",
                "title_az": "S",
                "title_en": "A",
                "kind": "readmission",
                "parties": ["MDA"],
                "events": [
                    {"kind": "opened", "to": "draft", "on": "2015-01-10", "note": "Qəbələ"},
                    {"kind": "round", "on": "2015-03-01"},
                ],  # a round in draft: refused
            }
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, _err = cli("import", str(path))
    assert code != 0
    assert _triggers(seeded) == before
    from agreements.reads import search

    assert search.search(seeded, "Qəbələ", limit=5) == []


def test_migration_0005_downgrades_and_upgrades_with_the_summaries_backfilled(seeded):
    from alembic import command

    from agreements.store.migrate import _config, upgrade

    with seeded.read() as session:
        before = {a.code: stored(a) for a in session.scalars(select(Agreement))}
    triggers = _triggers(seeded)
    with seeded.engine.begin() as connection:
        command.downgrade(_config(seeded, connection), "0004")
        columns = column_names(connection, "agreements")
        assert not columns & set(SUMMARY_COLUMNS)
    assert upgrade(seeded)[0] == "0004"
    assert _triggers(seeded) == triggers
    with seeded.read() as session:
        assert {a.code: stored(a) for a in session.scalars(select(Agreement))} == before
