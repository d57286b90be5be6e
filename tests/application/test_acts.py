"""Each party's acts (issue 14, item 1) through the command line, on SQLite
and PostgreSQL: recorded as history events, validated, corrected and
retracted like any other, chained and replayed by `verify`, carried by
`history`, `show`, export and import."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text

from tests.support import SEED, database_rows, ok, refused

NOW = date(2026, 11, 30)


def _show(cli, code: str, *options: str) -> dict:
    return json.loads(ok(cli("show", code, "--format", "json", *options, at=NOW)))


def _history(cli, code: str) -> list[dict]:
    return json.loads(ok(cli("history", code, "--format", "json", "--order", "recorded", at=NOW)))["history"]


def _verified(cli) -> None:
    out = ok(cli("verify", at=NOW))
    assert "intact" in out and "Every row matches its history" in out


def _both_notify(cli, code: str = "RA-CHE") -> None:
    ok(
        cli(
            "act",
            code,
            "--party",
            "AZE",
            "--kind",
            "ratification",
            "--on",
            "2017-03",
            "--instrument",
            "Law No. 601-VQ",
            at=NOW,
        )
    )
    ok(cli("act", code, "--party", "che", "--kind", "approval", "--on", "unknown", at=NOW))
    ok(
        cli(
            "act",
            code,
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2017-04-03",
            "--received",
            "2017-04-05",
            at=NOW,
        )
    )
    ok(
        cli(
            "act",
            code,
            "--party",
            "AZE",
            "--kind",
            "notification",
            "--on",
            "2017-05-02",
            "--received",
            "2017-05-04",
            "--ref",
            "note verbale No. 4/221",
            at=NOW,
        )
    )


def test_acts_are_history_events_shown_per_party(seeded, cli):
    out = ok(cli("act", "RA-CHE", "--party", "AZE", "--kind", "ratification", "--on", "2017-03", at=NOW))
    assert out == "RA-CHE: AZE ratification recorded in March 2017 as #3.\n"
    ok(cli("act", "RA-CHE", "--party", "CHE", "--kind", "approval", "--on", "unknown", at=NOW))
    ok(
        cli(
            "act",
            "RA-CHE",
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2017-04-03",
            "--received",
            "2017-04-05",
            at=NOW,
        )
    )
    events = _history(cli, "RA-CHE")
    assert [(e["kind"], e["party"], e["act"], e["received"]) for e in events[2:]] == [
        ("act", "AZE", "ratification", None),
        ("act", "CHE", "approval", None),
        ("act", "CHE", "notification", "2017-04-05"),
    ]
    shown = _show(cli, "RA-CHE")
    assert shown["stage"] == "signing"  # an act moves no stage
    rows = {row["party"]: row for row in shown["parties_table"]}
    assert list(rows) == ["AZE", "CHE"]
    assert rows["AZE"]["signature"] == "2016-10-10" and rows["AZE"]["approval"] == "ratification March 2017"
    assert (rows["CHE"]["notification_sent"], rows["CHE"]["notification_received"]) == ("2017-04-03", "2017-04-05")
    assert shown["entry_into_force"]["sentence_en"] == (
        "waiting for: notification from AZE; the entry-into-force rule (agreements entry-rule)"
    )
    table = ok(cli("show", "RA-CHE", at=NOW))
    assert "notification sent" in table and "CHE notification of completed" in table
    assert "bildiriş göndərilib" in ok(cli("show", "RA-CHE", "--lang", "az", at=NOW))
    _verified(cli)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ("--party", "CHE", "--kind", "notification", "--on", "2017-04-03"),
            ("record CHE's approval or ratification",),
        ),
        (("--party", "FRA", "--kind", "signature", "--on", "2017-04-03"), ("FRA is not a party of RA-CHE",)),
        (("--party", "CHE", "--kind", "accession", "--on", "2017-04-03"), ("already a party",)),
        (
            ("--party", "CHE", "--kind", "approval", "--on", "2017-04-03", "--received", "2017-04-04"),
            ("--received is for",),
        ),
        (("--party", "CHE", "--kind", "approval", "--on", "2031-01-01"), ("in the future",)),
        (("--party", "CHE", "--kind", "approval", "--on", "2016-01-01"), ("RA-CHE's history opens on 2016-10-10",)),
        (("--party", "Atlantis", "--kind", "approval", "--on", "2017-01-01"), ("Atlantis",)),
    ],
)
def test_wrong_acts_are_refused_and_change_nothing(seeded, cli, args, fragments):
    before = database_rows(seeded)
    refused(cli("act", "RA-CHE", *args, at=NOW), *fragments)
    assert database_rows(seeded) == before


def test_received_before_sent_is_refused(seeded, cli):
    ok(cli("act", "RA-CHE", "--party", "CHE", "--kind", "approval", "--on", "unknown", at=NOW))
    before = database_rows(seeded)
    refused(
        cli(
            "act",
            "RA-CHE",
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2017-04-03",
            "--received",
            "2017-04-01",
            at=NOW,
        ),
        "cannot be received (2017-04-01) before it was sent (2017-04-03)",
    )
    assert database_rows(seeded) == before


def test_an_unknown_kind_of_act_is_a_usage_error(seeded, cli):
    refused(cli("act", "RA-CHE", "--party", "CHE", "--kind", "handshake", "--on", "2017-04-03", at=NOW), exit_code=2)


def test_a_party_joining_later_accedes_first(seeded, cli):
    refused(
        cli("act", "MP-EU", "--party", "HRV", "--kind", "signature", "--on", "2015-06-01", at=NOW), "HRV is not a party"
    )
    ok(cli("act", "MP-EU", "--party", "Croatia", "--kind", "accession", "--on", "2015-06-01", at=NOW))
    ok(cli("act", "MP-EU", "--party", "HRV", "--kind", "signature", "--on", "2015-06-01", at=NOW))
    parties = [row["party"] for row in _show(cli, "MP-EU")["parties_table"]]
    assert parties[0] == "AZE" and parties[-1] == "HRV" and len(parties) == 11
    _verified(cli)


def test_acts_are_corrected_and_retracted_like_any_entry(seeded, cli):
    _both_notify(cli)
    ok(cli("correct", "RA-CHE", "6", "--received", "2017-05-05", "--reason", "date of the MFA stamp", at=NOW))
    events = _history(cli, "RA-CHE")
    assert events[5]["received"] == "2017-05-05" and events[5]["original"]["received"] == "2017-05-04"
    refused(cli("correct", "RA-CHE", "6", "--received", "2017-05-01", "--reason", "x", at=NOW), "before it was sent")
    refused(cli("correct", "RA-CHE", "2", "--party", "CHE", "--reason", "x", at=NOW), "only an act has party")
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    assert "received 5 May 2017" in _show(cli, "RA-CHE")["entry_into_force"]["sentence_en"]
    ok(cli("retract", "RA-CHE", "6", "--reason", "the note was never sent", at=NOW))
    assert _show(cli, "RA-CHE")["entry_into_force"]["sentence_en"] == "waiting for: notification from AZE"
    _verified(cli)


def test_acts_round_trip_through_export_and_import(seeded, cli, tmp_path):
    _both_notify(cli)
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--after", "RA-EU", "--on", "2016-10-10", at=NOW))
    ok(cli("correct", "RA-CHE", "4", "--instrument", "Federal Council decision", "--reason", "x", at=NOW))
    for fmt in ("json", "csv"):
        first = ok(cli("export", "--format", fmt, at=NOW))
        path = tmp_path / f"export.{fmt}"
        path.write_text(first, encoding="utf-8")
        other = tmp_path / f"other-{fmt}.db"
        ok(cli("--db", str(other), "init", at=NOW))
        ok(cli("--db", str(other), "import", str(path), at=NOW))
        again = ok(cli("--db", str(other), "export", "--format", fmt, at=NOW))
        assert _without_hashes(again) == _without_hashes(first)
        assert "intact" in ok(cli("--db", str(other), "verify", at=NOW))
        assert ok(cli("--db", str(other), "import", str(path), at=NOW)).startswith(
            "Imported 0 new agreement(s) and 0 event(s)"
        )
    doc = {a["code"]: a for a in json.loads(ok(cli("export", at=NOW)))["agreements"]}
    acts = [e for e in doc["RA-CHE"]["events"] if e["kind"] == "act"]
    assert acts[2]["received"] == "2017-04-05" and acts[0]["instrument"] == "Law No. 601-VQ"
    assert next(e for e in doc["RA-CHE"]["events"] if e["kind"] == "entry_rule")["rule"] == (
        "days-after-last-notification:30;after=RA-EU"
    )
    # events without acts are written as before: an export of them is the older format
    assert all("party" not in e for e in doc["RA-MDA"]["events"])


def _without_hashes(text_: str) -> str:
    import re

    return re.sub(r'(, "hash": "[0-9a-f]{64}"|,[0-9a-f]{64}(?=\n))', "", text_)


def test_a_file_with_an_act_on_the_wrong_party_is_refused_whole(seeded, cli, tmp_path):
    doc = json.loads(ok(cli("export", at=NOW)))
    che = next(a for a in doc["agreements"] if a["code"] == "RA-CHE")
    che["events"].append(
        {"kind": "act", "on": "2017-01-01", "party": "FRA", "act": "approval", "actor": "x", "recorded_at": None}
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = database_rows(seeded)
    refused(cli("import", str(path), at=NOW), "RA-CHE, event 3", "FRA is not a party")
    assert database_rows(seeded) == before


def test_a_note_cannot_carry_an_acts_fields_in_a_file(seeded, cli, tmp_path):
    doc = json.loads(ok(cli("export", at=NOW)))
    che = next(a for a in doc["agreements"] if a["code"] == "RA-CHE")
    che["events"].append({"kind": "note", "on": "2017-01-01", "note": "x", "party": "CHE", "actor": "x"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused(cli("import", str(path), at=NOW), "only an act carries party")


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.sqlite_only
def test_an_officer_records_acts_on_postgresql_and_the_database_wants_their_party(pg_db, pg_login, cli, monkeypatch):
    monkeypatch.setenv("AGREEMENTS_DB", pg_db.url)
    ok(cli("import", str(SEED), at=NOW))
    name, officer = pg_login("agreements_writer")
    ok(cli("users", "add", name, "--email", "o@example.org", "--role", "officer"))
    monkeypatch.setenv("AGREEMENTS_DB", officer)
    ok(cli("act", "RA-CHE", "--party", "CHE", "--kind", "approval", "--on", "unknown"))
    ok(cli("entry-rule", "RA-CHE", "on-last-notification"))
    refused(cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-01-01", "--reason", "x"), "needs the head role")
    monkeypatch.setenv("AGREEMENTS_DB", pg_db.url)
    assert "intact" in ok(cli("verify"))
    with pg_db.engine.connect() as connection:
        check = connection.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_events_act'")
        ).scalar()
    assert check is not None and "party IS NOT NULL" in check
