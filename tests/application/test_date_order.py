"""`history` and `show` list events by date (issue 13, item 5): a late filing
appears on its day, an undated entry stays after the one recorded before it,
ties keep recording order; `--order recorded` gives the order of entry."""

from __future__ import annotations

import json

import pytest

from tests.support import ok, refused

# RA-MDA on the seed: opened ≤2016-02-23, rounds of 23-25 Feb and 18-19 Oct 2016


def _history(cli, code: str, *options: str) -> list[dict]:
    return json.loads(ok(cli("history", code, "--format", "json", *options)))["history"]


def _seqs(cli, code: str, *options: str) -> list[int]:
    return [e["seq"] for e in _history(cli, code, *options)]


def _table_seqs(out: str) -> list[int]:
    """The # column of a table of events."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    return [int(line.split()[0]) for line in lines[start:] if line[:1].isdigit()]


def _seq_of(events: list[dict], **match) -> int:
    return next(e["seq"] for e in events if all(e[k] == v for k, v in match.items()))


def test_a_late_note_is_listed_on_its_day_and_last_as_recorded(seeded, cli):
    before = _history(cli, "RA-MDA", "--order", "recorded")
    first_round = _seq_of(before, kind="round", on="2016-02-23")
    second_round = _seq_of(before, kind="round", on="2016-10-18")
    ok(cli("note", "RA-MDA", "Letter from Chisinau found in the archive", "--on", "2016-05-10"))
    late = len(before) + 1

    by_date = _seqs(cli, "RA-MDA")
    assert by_date.index(first_round) < by_date.index(late) < by_date.index(second_round)
    assert by_date == _seqs(cli, "RA-MDA", "--order", "date")
    assert _seqs(cli, "RA-MDA", "--order", "recorded") == [*(e["seq"] for e in before), late]
    # every event keeps its seq whatever the order
    assert sorted(by_date) == list(range(1, late + 1))

    table = ok(cli("history", "RA-MDA"))
    assert _table_seqs(table) == by_date
    assert _table_seqs(ok(cli("history", "RA-MDA", "--order", "recorded"))) == sorted(by_date)
    csv_lines = ok(cli("history", "RA-MDA", "--format", "csv")).splitlines()
    assert [int(line.split(",")[0]) for line in csv_lines[1:]] == by_date


def test_the_dates_of_the_listing_never_go_back(seeded, cli):
    ok(cli("note", "RA-MDA", "Late", "--on", "2016-09-01"))
    ok(cli("note", "RA-MDA", "Later still", "--on", "2016-03-01"))
    days = [e["on"] for e in _history(cli, "RA-MDA")]
    assert None not in days and days == sorted(days)
    recorded = [e["on"] for e in _history(cli, "RA-MDA", "--order", "recorded")]
    assert recorded != sorted(recorded)


def test_events_of_the_same_day_keep_recording_order(seeded, cli):
    for text in ("first of the day", "second of the day", "third of the day"):
        ok(cli("note", "RA-MDA", text, "--on", "2016-06-01"))
    ok(cli("note", "RA-MDA", "earlier, filed after", "--on", "2016-05-31"))
    notes = [e["note"] for e in _history(cli, "RA-MDA") if e["kind"] == "note"]
    assert notes == ["earlier, filed after", "first of the day", "second of the day", "third of the day"]


def test_show_ends_with_the_latest_entries_by_date(seeded, cli):
    before = _history(cli, "RA-MDA", "--order", "recorded")
    second_round = _seq_of(before, kind="round", on="2016-10-18")
    for day in ("2016-11-01", "2016-11-02", "2016-11-03", "2016-11-04"):
        ok(cli("note", "RA-MDA", f"Call of {day}", "--on", day))
    ok(cli("note", "RA-MDA", "Letter filed late", "--on", "2016-05-10"))
    late = len(before) + 5

    shown = _table_seqs(ok(cli("show", "RA-MDA")))
    assert len(shown) == 5 and second_round in shown and late not in shown
    assert shown == _seqs(cli, "RA-MDA")[-5:]
    as_recorded = _table_seqs(ok(cli("show", "RA-MDA", "--order", "recorded")))
    assert as_recorded == list(range(late - 4, late + 1)) and second_round not in as_recorded

    data = json.loads(ok(cli("show", "RA-MDA", "--format", "json")))
    assert [e["seq"] for e in data["history"]] == _seqs(cli, "RA-MDA")
    data = json.loads(ok(cli("show", "RA-MDA", "--format", "json", "--order", "recorded")))
    assert [e["seq"] for e in data["history"]] == list(range(1, late + 1))


def test_show_as_of_lists_what_was_known_by_date(seeded, cli):
    before = _history(cli, "RA-MDA", "--order", "recorded")
    ok(cli("note", "RA-MDA", "Call of 1 November", "--on", "2016-11-01"))
    ok(cli("note", "RA-MDA", "Letter filed late", "--on", "2016-05-10"))
    ok(cli("note", "RA-MDA", "Call of 2 December", "--on", "2016-12-02"))
    call, late = len(before) + 1, len(before) + 2
    second_round = _seq_of(before, kind="round", on="2016-10-18")

    data = json.loads(ok(cli("show", "RA-MDA", "--as-of", "2016-12-01", "--format", "json")))
    assert data["stage"] == "expert_talks" and data["events"] == len(before) + 2
    seqs = [e["seq"] for e in data["history"]]
    assert seqs == [*(e["seq"] for e in before if e["seq"] != second_round), late, second_round, call]
    assert [e["on"] for e in data["history"]] == sorted(e["on"] for e in data["history"])
    # the December call was not known on 1 December, in either order
    recorded = json.loads(ok(cli("show", "RA-MDA", "--as-of", "2016-12-01", "--format", "json", "--order", "recorded")))
    assert [e["seq"] for e in recorded["history"]] == list(range(1, late + 1))
    assert _table_seqs(ok(cli("show", "RA-MDA", "--as-of", "2016-12-01")))[-3:] == [late, second_round, call]


def test_an_undated_entry_stays_after_the_entry_recorded_before_it(seeded, cli, tmp_path):
    ok(cli("note", "RA-MDA", "Call of 1 November", "--on", "2016-11-01"))
    dated = len(_history(cli, "RA-MDA"))
    # an entry of unknown date comes only through an import: append one to RA-MDA's record
    export = json.loads(ok(cli("export")))
    record = next(a for a in export["agreements"] if a["code"] == "RA-MDA")
    undated = {**record["events"][-1], "on": None, "date_precision": "unknown", "note": "Undated memo"}
    undated.pop("hash", None)
    record["events"].append(undated)
    path = tmp_path / "with-undated.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    ok(cli("import", str(path)))
    ok(cli("note", "RA-MDA", "Letter filed late", "--on", "2016-05-10"))

    events = _history(cli, "RA-MDA")
    seqs = [e["seq"] for e in events]
    memo = dated + 1
    assert seqs.index(memo) == seqs.index(dated) + 1 and seqs[-2:] == [dated, memo]
    assert seqs.index(dated + 2) < seqs.index(_seq_of(events, kind="round", on="2016-10-18"))
    assert _seqs(cli, "RA-MDA", "--order", "recorded") == list(range(1, dated + 3))


def test_an_undated_opening_stays_first(seeded, cli):
    # the seed's histories all open on a date now (RA-EU's was made exact): open one undated
    opening = "add RA-XYZ --kind readmission --party ARM --on unknown --title-az Saziş --title-en Agreement"
    ok(cli(*opening.split()))
    ok(cli("note", "RA-XYZ", "Published in the Official Journal", "--on", "2014-02-28"))
    events = _history(cli, "RA-XYZ")
    assert events[0]["seq"] == 1 and events[0]["on"] is None
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("command", ["history", "show"])
def test_an_unknown_order_is_a_usage_error(seeded, cli, command):
    refused(cli(command, "RA-MDA", "--order", "seq"), "--order", exit_code=2)
