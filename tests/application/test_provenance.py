"""An import records who imported and when; the file's actor and time are kept as stated."""

from __future__ import annotations

import json

from tests.support import TODAY, ok


def _file(tmp_path, **event):
    document = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": "RA-PRV",
                "title_az": "Sınaq",
                "title_en": "Trial",
                "kind": "readmission",
                "parties": ["GEO"],
                "events": [{"kind": "opened", "to": "draft", "on": "2015-01-10", **event}],
            }
        ],
    }
    path = tmp_path / "history.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_an_imported_event_records_the_importer_and_keeps_the_stated_actor(db, cli, tmp_path):
    path = _file(tmp_path, actor="boss", recorded_at="2015-01-12T09:30:00+04:00")
    ok(cli("import", str(path), at=TODAY))
    event = json.loads(ok(cli("history", "RA-PRV", "--format", "json")))["history"][0]
    assert event["actor"] == "tester"
    assert event["recorded_at"].startswith(TODAY.isoformat() + "T")
    assert event["stated_actor"] == "boss"
    assert event["stated_recorded_at"] == "2015-01-12T09:30:00+04:00"
    table = " ".join(ok(cli("history", "RA-PRV")).split())
    assert "imported by tester" in table and "the file states boss" in table
    # who did it, as stated, still finds it
    assert "RA-PRV" in ok(cli("log", "--actor", "boss"))
    assert "RA-PRV" in ok(cli("log", "--actor", "tester"))


def test_an_export_states_what_the_file_stated_and_reimports_unchanged(db, cli, tmp_path):
    path = _file(tmp_path, actor="boss", recorded_at="2015-01-12T09:30:00+04:00")
    ok(cli("import", str(path)))
    exported = json.loads(ok(cli("export")))["agreements"][0]["events"][0]
    assert (exported["actor"], exported["recorded_at"]) == ("boss", "2015-01-12T05:30:00+00:00")
    again = tmp_path / "again.json"
    again.write_text(ok(cli("export")), encoding="utf-8")
    assert "0 event(s)" in ok(cli("import", str(again)))


def test_a_live_event_has_no_stated_part(db, cli):
    ok(cli("add", "RA-LIV", "--title-az", "Canlı", "--title-en", "Live", "--kind", "readmission", "--party", "GEO"))
    event = json.loads(ok(cli("history", "RA-LIV", "--format", "json")))["history"][0]
    assert event["actor"] == "tester" and event["stated_actor"] is None and event["stated_recorded_at"] is None
