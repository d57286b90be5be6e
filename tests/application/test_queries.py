"""log and list --as-of on the seed history, with exact expected rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from agreements.reads.agreement import show as show_agreement
from agreements.reads.listing import list_as_of
from agreements.reads.log import log as event_log

BAKU = ZoneInfo("Asia/Baku")


def log(db, **filters):
    return event_log(db, zone=BAKU, **filters)


def show(db, code, as_of=None):
    return show_agreement(db, code, BAKU, as_of)


def rows(events):
    return [(e["code"], e["seq"], e["date_label"], e["kind"]) for e in events]


def test_log_newest_first_undated_last(seeded, cli):
    events = log(seeded, limit=None)
    assert len(events) == 44
    assert rows(events[:3]) == [
        ("RA-EU", 15, "2019-01-01", "note"),
        ("IP-SWE", 1, "no later than 31 December 2016", "opened"),
        ("IP-LVA", 1, "no later than 31 December 2016", "opened"),
    ]
    assert rows(events[-5:]) == [
        ("RA-EU", 4, "2013-03-12", "round"),
        ("RA-EU", 3, "2012-03-01", "round"),
        ("RA-EU", 2, "2012-03-01", "stage_change"),
        ("RA-EU", 1, "February 2012", "opened"),
        ("RA-EU", 11, "date unknown", "act"),  # Azerbaijan's approval: implied, not dated by the sources
    ]
    # one more undated entry comes last too
    code, _out, err = cli("note", "RA-MDA", "Undated memo", "--on", "unknown")
    assert code == 0, err
    assert rows(log(seeded, limit=None)[-3:]) == [
        ("RA-EU", 1, "February 2012", "opened"),
        ("RA-MDA", 4, "date unknown", "note"),  # undated: the latest recorded first
        ("RA-EU", 11, "date unknown", "act"),
    ]


def test_log_party(seeded):
    assert rows(log(seeded, party="mda")) == [
        ("RA-MDA", 3, "2016-10-18", "round"),
        ("RA-MDA", 2, "2016-02-23", "round"),
        ("RA-MDA", 1, "no later than 23 February 2016", "opened"),
    ]


def test_log_moldova_last_meeting(seeded, cli):
    code, out, err = cli("log", "--party", "MDA", "--event-kind", "round", "--limit", "1", "--format", "json")
    assert code == 0, err
    [event] = json.loads(out)
    assert (event["code"], event["on"], event["until"], event["place"]) == (
        "RA-MDA",
        "2016-10-18",
        "2016-10-19",
        "Bakı",
    )


def test_log_kind_and_event_kind(seeded):
    assert rows(log(seeded, kind="readmission", event_kind="round")) == [
        ("RA-RUS", 2, "2016-11-23", "round"),
        ("RA-MDA", 3, "2016-10-18", "round"),
        ("RA-MDA", 2, "2016-02-23", "round"),
        ("RA-EU", 4, "2013-03-12", "round"),
        ("RA-EU", 3, "2012-03-01", "round"),
    ]


def test_log_stage_is_the_stage_after_the_event(seeded):
    assert rows(log(seeded, stage="mfa")) == [
        ("IP-SWE", 1, "no later than 31 December 2016", "opened"),
        ("IP-LVA", 1, "no later than 31 December 2016", "opened"),
        ("RA-TUR", 1, "no later than 31 December 2016", "opened"),
        ("RA-PAK", 1, "no later than 31 December 2016", "opened"),
        ("MC-GEO", 1, "no later than 31 December 2016", "opened"),
        # a span is placed on its latest day, so the stage change comes before the note of 5 Dec 2013
        ("RA-EU", 6, "between 12 March 2013 and 28 February 2014", "stage_change"),
        ("RA-EU", 7, "2013-12-05", "note"),
    ]
    assert rows(log(seeded, stage="internal_approval")) == [
        ("MC-RUS", 3, "between 24 November and 31 December 2016", "stage_change"),
        ("RA-EU", 5, "between 12 March 2013 and 28 February 2014", "stage_change"),
    ]
    assert rows(log(seeded, stage="in_force")) == [
        ("RA-EU", 15, "2019-01-01", "note"),
        ("RA-EU", 14, "2014-09-01", "stage_change"),
    ]
    # not legally binding: approved, never in force (issue 14)
    assert rows(log(seeded, stage="approved")) == [("MP-EU", 4, "2014-03-06", "stage_change")]


def test_log_period(seeded):
    assert rows(log(seeded, since=date(2016, 10, 1), until=date(2016, 11, 23))) == [
        ("RA-RUS", 2, "2016-11-23", "round"),
        ("RA-RUS", 1, "no later than 23 November 2016", "opened"),
        ("LM-RUS", 2, "2016-11-23", "round"),
        ("LM-RUS", 1, "no later than 23 November 2016", "opened"),
        ("MC-RUS", 2, "2016-11-23", "round"),
        ("MC-RUS", 1, "no later than 23 November 2016", "opened"),
        ("RA-MDA", 3, "2016-10-18", "round"),
        ("RA-CHE", 2, "2016-10-10", "signature"),
        ("RA-CHE", 1, "2016-10-10", "opened"),
    ]
    assert rows(log(seeded, until=date(2014, 1, 1))) == [
        ("RA-EU", 7, "2013-12-05", "note"),
        ("MP-EU", 2, "2013-12-05", "signature"),
        ("MP-EU", 1, "2013-12-05", "opened"),
        ("RA-EU", 4, "2013-03-12", "round"),
        ("RA-EU", 3, "2012-03-01", "round"),
        ("RA-EU", 2, "2012-03-01", "stage_change"),
        ("RA-EU", 1, "February 2012", "opened"),
    ]


def test_log_actor_grep_limit(seeded, cli):
    assert log(seeded, actor="nobody") == []
    assert len(log(seeded, actor="seed-import", limit=None)) == 44
    assert rows(log(seeded, grep="KİŞİNYOV")) == [("RA-MDA", 2, "2016-02-23", "round")]
    assert rows(log(seeded, grep="kisinyov")) == []
    assert rows(log(seeded, grep="kisinyov", fold=True)) == [("RA-MDA", 2, "2016-02-23", "round")]
    assert rows(log(seeded, limit=2)) == [
        ("RA-EU", 15, "2019-01-01", "note"),
        ("IP-SWE", 1, "no later than 31 December 2016", "opened"),
    ]
    code, _out, err = cli("log", "--grep", "'; DROP TABLE")
    assert code == 0, err
    code, _out, err = cli("log", "--grep", '"*')
    assert code == 1 and err.startswith("Error: nothing to look for")


def test_log_formats(seeded, cli):
    code, out, err = cli("log", "--party", "MDA")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["date", "code", "event", "stage", "place", "by", "details"]
    assert lines[2].split()[:5] == ["2016-10-18", "–", "2016-10-19", "RA-MDA", "round"]
    assert lines[-1] == "3 event(s)"
    code, out, _ = cli("log", "--party", "MDA", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["code"], r["seq"], r["on"], r["place"]) for r in table] == [
        ("RA-MDA", "3", "2016-10-18", "Bakı"),
        ("RA-MDA", "2", "2016-02-23", "Kişinyov"),
        ("RA-MDA", "1", "2016-02-23", ""),
    ]
    code, out, err = cli("log", "--since", "2017-01-01", "--until", "2016-01-01")
    assert code == 1 and "is before --since" in err


def test_list_as_of_matches_show_for_every_agreement(seeded):
    for day in (
        "2013-12-04",
        "2013-12-05",
        "2016-02-22",
        "2016-02-23",
        "2016-07-01",
        "2016-11-23",
        "2016-12-31",
        "2026-01-01",
    ):
        day = date.fromisoformat(day)
        listed = {r["code"]: r for r in list_as_of(seeded, day)}
        for code in [r["code"] for r in log(seeded, limit=None)]:
            agreement, events = show(seeded, code, day)
            row = listed[code]
            if agreement["stage"] is None:  # possibly begun, or not yet recorded: listed, and says so
                assert (row["stage"], row["possibly"], row["stage_since_label"]) == (
                    None,
                    agreement["possibly"],
                    agreement["stage_since_label"],
                ), (day, code)
                continue
            assert row["possibly"] == agreement["possibly"], (day, code)
            for key in (
                "stage",
                "stage_since",
                "stage_since_precision",
                "stage_since_label",
                "awaiting",
                "signed_on",
                "in_force_on",
                "parties",
                "parent",
            ):
                assert row[key] == agreement[key], (day, code, key)
            assert row["events"] == len(events)


def test_list_as_of_seed(seeded, cli):
    code, out, err = cli("list", "--as-of", "2016-07-01", "--format", "csv")
    assert code == 0, err
    table = [r for r in csv.DictReader(io.StringIO(out)) if r["stage"]]  # those certain by then
    assert [(r["code"], r["stage"], r["stage_since"], r["stage_since_precision"], r["awaiting"]) for r in table] == [
        ("MP-EU", "approved", "2014-03-06", "day", ""),
        ("PR-RUS-ROAD", "draft", "2016-05-25", "not_after", "government"),
        ("RA-EU", "in_force", "2014-09-01", "day", ""),
        ("RA-MDA", "expert_talks", "2016-02-23", "not_after", "us"),
    ]
    rest = {r["code"]: r for r in csv.DictReader(io.StringIO(out)) if not r["stage"]}
    # the CSV says how sure each answer is, as the JSON does
    assert {r["certainty"] for r in table} == {"certain"}
    assert (rest["RA-RUS"]["certainty"], rest["RA-RUS"]["possibly"]) == ("possible", "expert_talks")
    assert rest["RA-CHE"]["certainty"] == "not_yet_recorded"
    assert rest["RA-CHE"]["stage_since_label"] == "not yet recorded (the history starts 2016-10-10)"
    code, out, _ = cli("list", "--as-of", "2016-07-01")
    assert out.splitlines()[-1].startswith("4 agreement(s) as of 2016-07-01; ")
    code, out, _ = cli("list", "--as-of", "2016-12-31", "--stage", "mfa", "--format", "json")
    assert [r["code"] for r in json.loads(out)] == ["IP-LVA", "IP-SWE", "MC-GEO", "RA-PAK", "RA-TUR"]
    code, out, _ = cli("list", "--as-of", "2016-12-31", "--party", "RUS", "--kind", "readmission", "--format", "json")
    assert [(r["code"], r["stage"]) for r in json.loads(out)] == [("RA-RUS", "expert_talks")]


@pytest.fixture
def made(db, cli):
    """RA-XYZ: draft 2020-01-10, expert_talks 2020-03-02, round 2020-04-15, internal_approval 2020-06-01."""
    steps = [
        (
            "add",
            "RA-XYZ",
            "--kind",
            "readmission",
            "--party",
            "ARM",
            "--on",
            "2020-01-10",
            "--title-az",
            "Saziş",
            "--title-en",
            "Agreement",
        ),
        ("advance", "RA-XYZ", "--to", "expert_talks", "--on", "2020-03-02"),
        ("round", "RA-XYZ", "--on", "2020-04-15", "--place", "Bakı"),
        ("advance", "RA-XYZ", "--to", "internal_approval", "--on", "2020-06-01", "--awaiting", "government"),
    ]
    for step in steps:
        code, _out, err = cli(*step)
        assert code == 0, (step, err)
    return db


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2020-01-09", None),  # before the history starts
        ("2020-01-10", ("draft", "2020-01-10", "us")),  # the day it opened
        ("2020-03-01", ("draft", "2020-01-10", "us")),  # inside draft, the day before the move
        ("2020-03-02", ("expert_talks", "2020-03-02", "us")),  # the day of the move
        ("2020-05-31", ("expert_talks", "2020-03-02", "us")),  # inside expert_talks, after the round
        ("2020-06-01", ("internal_approval", "2020-06-01", "government")),
        ("2024-01-01", ("internal_approval", "2020-06-01", "government")),  # long after
    ],
)
def test_list_as_of_before_inside_after(made, day, expected):
    listed = list_as_of(made, date.fromisoformat(day))
    got = [(r["stage"], r["stage_since"], r["awaiting"]) for r in listed if r["code"] == "RA-XYZ"]
    assert got == [expected or (None, None, None)]
    if expected is None:
        assert listed[0]["stage_since_label"] == "not yet recorded (the history starts 2020-01-10)"
