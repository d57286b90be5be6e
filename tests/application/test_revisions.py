"""Corrections, retractions and voids, append-only (issue 13, item 3): the
corrected value is shown with a mark and the original kept; the latest stage
change retracted returns the agreement to the stage before it; a voided
agreement leaves lists, stalls, digests and reports and keeps its history;
`verify` stays intact throughout."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from tests.support import ok, refused

NOW = date(2026, 11, 30)


def _history(cli, code: str = "RA-GEO") -> list[dict]:
    return json.loads(ok(cli("history", code, "--format", "json", "--order", "recorded", at=NOW)))["history"]


def _show(cli, code: str = "RA-GEO", *options: str) -> dict:
    return json.loads(ok(cli("show", code, "--format", "json", *options, at=NOW)))


def _verified(cli) -> None:
    out = ok(cli("verify", at=NOW))
    assert "intact" in out and "Every row matches its history" in out


@pytest.fixture
def geo(db, cli):
    ok(
        cli(
            "add",
            "RA-GEO",
            "--title-az",
            "Readmissiya haqqında Saziş",
            "--title-en",
            "Readmission agreement",
            "--kind",
            "readmission",
            "--party",
            "GEO",
            "--on",
            "2025-03-01",
            "--stage",
            "expert_talks",
            at=NOW,
        )
    )
    ok(cli("round", "RA-GEO", "--on", "2025-06-10", "--place", "Tiflis", at=NOW))  # 2
    ok(cli("advance", "RA-GEO", "--to", "internal_approval", "--on", "2025-09-01", at=NOW))  # 3
    ok(cli("advance", "RA-GEO", "--to", "mfa", "--on", "2025-12-01", at=NOW))  # 4
    return cli


def test_a_correction_shows_the_new_value_with_a_mark_and_keeps_the_original(geo):
    ok(geo("correct", "RA-GEO", "2", "--place", "Tbilisi", "--on", "2025-06-11", "--reason", "misspelt", at=NOW))
    events = _history(geo)
    round_ = events[1]
    assert (round_["place"], round_["on"], round_["corrected_by"]) == ("Tbilisi", "2025-06-11", [5])
    assert round_["original"]["place"] == "Tiflis" and round_["original"]["on"] == "2025-06-10"
    assert events[4]["kind"] == "correction" and events[4]["target"] == 2
    table = ok(geo("history", "RA-GEO", at=NOW))
    assert "2025-06-11 *" in table and "place was Tiflis" in table
    _verified(geo)


def test_the_log_filters_a_corrected_event_by_its_corrected_date(geo):
    ok(geo("note", "RA-GEO", "letter of thanks", "--on", "2025-07-01", at=NOW))  # 5
    ok(geo("correct", "RA-GEO", "5", "--on", "2026-01-15", "--reason", "the letter is of 2026", at=NOW))

    def logged(*window: str) -> list[tuple[int, str]]:
        rows = json.loads(ok(geo("log", "--party", "GEO", *window, "--format", "json", at=NOW)))
        return [(r["seq"], r["on"]) for r in rows]

    # the note moved out of 2025 into 2026; the other events of 2025 stay, newest first
    assert logged("--since", "2025-01-01", "--until", "2025-12-31") == [
        (4, "2025-12-01"),
        (3, "2025-09-01"),
        (2, "2025-06-10"),
        (1, "2025-03-01"),
    ]
    assert logged("--since", "2026-01-01") == [(6, "2026-11-30"), (5, "2026-01-15")]
    assert logged("--until", "2025-08-31", "--limit", "2") == [(2, "2025-06-10"), (1, "2025-03-01")]


def test_a_corrected_stage_change_date_must_keep_the_order_of_stages(geo):
    before = _history(geo)
    refused(geo("correct", "RA-GEO", "4", "--on", "2025-08-01", "--reason", "x", at=NOW), "follows #3")
    refused(geo("correct", "RA-GEO", "3", "--on", "2026-01-10", "--reason", "x", at=NOW), "#4", "follows it")
    assert _history(geo) == before
    ok(geo("correct", "RA-GEO", "4", "--on", "2025-11", "--reason", "only the month is sure", at=NOW))
    shown = _show(geo)
    assert (shown["stage"], shown["stage_since_precision"], shown["stage_since_label"]) == (
        "mfa",
        "month",
        "November 2025",
    )
    _verified(geo)


def test_retracting_the_latest_stage_change_returns_to_the_stage_before(geo):
    refused(geo("retract", "RA-GEO", "3", "--reason", "x", at=NOW), "not its latest stage change", "#4")
    ok(geo("retract", "RA-GEO", "4", "--reason", "recorded on the wrong agreement", at=NOW))
    shown = _show(geo)
    assert (shown["stage"], shown["stage_since"]) == ("internal_approval", "2025-09-01")
    assert _history(geo)[3]["retracted_by"] == 5
    assert "RETRACTED (#5)" in ok(geo("history", "RA-GEO", at=NOW))
    # now #3 is the latest: it may go too; the opening may not
    ok(geo("retract", "RA-GEO", "3", "--reason", "also wrong", at=NOW))
    assert _show(geo)["stage"] == "expert_talks"
    refused(geo("retract", "RA-GEO", "1", "--reason", "x", at=NOW), "void the agreement instead")
    refused(geo("retract", "RA-GEO", "4", "--reason", "x", at=NOW), "already retracted")
    # and the agreement moves on from where it is
    ok(geo("advance", "RA-GEO", "--to", "internal_approval", "--on", "2025-10-01", at=NOW))
    _verified(geo)


def test_revisions_are_refused_with_the_reason(geo):
    before = _history(geo)
    refused(geo("correct", "RA-GEO", "9", "--place", "x", "--reason", "x", at=NOW), "no event #9")
    refused(geo("correct", "RA-GEO", "2", "--reason", "x", at=NOW), "at least one field")
    refused(geo("correct", "RA-GEO", "2", "--place", "x", at=NOW), "--reason", exit_code=2)
    ok(geo("correct", "RA-GEO", "2", "--place", "Tbilisi", "--reason", "spelling", at=NOW))
    refused(geo("correct", "RA-GEO", "5", "--place", "x", "--reason", "x", at=NOW), "is a correction", "#2")
    refused(geo("correct", "RA-GEO", "2", "--on", "2027-01-01", "--reason", "x", at=NOW), "in the future")
    assert len(_history(geo)) == len(before) + 1


def test_a_void_agreement_leaves_the_lists_and_keeps_its_history(geo):
    listed = json.loads(ok(geo("list", "--format", "json", at=NOW)))
    assert [r["code"] for r in listed] == ["RA-GEO"]
    refused(geo("void", "RA-GEO", at=NOW), "--reason", exit_code=2)
    ok(geo("void", "RA-GEO", "--reason", "entered twice", at=NOW))
    assert json.loads(ok(geo("list", "--format", "json", at=NOW))) == []
    assert [r["code"] for r in json.loads(ok(geo("list", "--all", "--format", "json", at=NOW)))] == ["RA-GEO"]
    assert json.loads(ok(geo("list", "--as-of", "2025-07-01", "--format", "json", at=NOW))) == []
    assert json.loads(ok(geo("stalled", "--all", "--format", "json", at=NOW))) == []
    assert json.loads(ok(geo("report", "pipeline", "--format", "json", at=NOW)))["total"] == 0
    assert _history(geo)[-1]["kind"] == "void"
    assert "RA-GEO" in ok(geo("export", at=NOW))
    refused(geo("void", "RA-GEO", "--reason", "again", at=NOW), "already void")
    _verified(geo)
    # retracting the void brings it back
    ok(geo("retract", "RA-GEO", "5", "--reason", "it was not a duplicate", at=NOW))
    assert [r["code"] for r in json.loads(ok(geo("list", "--format", "json", at=NOW)))] == ["RA-GEO"]
    _verified(geo)


def test_a_retracted_plan_leaves_coming_up(geo):
    ok(geo("plan", "RA-GEO", "--on", "2026-12-03", "--what", "Signing ceremony in Baku", at=NOW))
    week = "2026-W49"
    assert "Signing ceremony in Baku" in ok(geo("digest", "preview", "--week", week, "--locale", "en", at=NOW))
    seq = _history(geo)[-1]["seq"]
    ok(geo("retract", "RA-GEO", str(seq), "--reason", "the ceremony was cancelled", at=NOW))
    assert "Signing ceremony in Baku" not in ok(geo("digest", "preview", "--week", week, "--locale", "en", at=NOW))


@pytest.mark.sqlite_only
def test_who_may_revise_follows_the_role_of_the_event_touched(db, cli):
    ok(cli("users", "add", "aliyev", "--email", "r.aliyev@migration.gov.az", "--role", "head", login="tester"))
    ok(cli("users", "add", "mammadova", "--email", "l.m@migration.gov.az", "--role", "officer", login="aliyev"))
    ok(cli("users", "add", "huseynov", "--email", "e.h@migration.gov.az", "--role", "viewer", login="aliyev"))
    args = ("add", "RA-CHE", "--title-az", "Saziş", "--title-en", "Agreement", "--kind", "readmission")
    ok(cli(*args, "--party", "CHE", "--on", "2016-03-01", "--stage", "mfa", at=NOW, login="mammadova"))
    ok(cli("sign", "RA-CHE", "--on", "2016-10-10", at=NOW, login="aliyev"))  # 2: into signing, a head's move
    ok(cli("note", "RA-CHE", "Signed in Bern", "--on", "2016-10-10", at=NOW, login="mammadova"))  # 3
    refused(cli("correct", "RA-CHE", "3", "--note", "x", "--reason", "x", at=NOW, login="huseynov"), "viewer")
    ok(cli("correct", "RA-CHE", "3", "--note", "Signed in Bern.", "--reason", "typo", at=NOW, login="mammadova"))
    refused(
        cli("correct", "RA-CHE", "2", "--place", "Bern", "--reason", "x", at=NOW, login="mammadova"),
        "needs the head role",
    )
    refused(cli("retract", "RA-CHE", "2", "--reason", "x", at=NOW, login="mammadova"), "needs the head role")
    refused(cli("void", "RA-CHE", "--reason", "x", at=NOW, login="mammadova"), "needs the head role")
    ok(cli("correct", "RA-CHE", "2", "--place", "Bern", "--reason", "place", at=NOW, login="aliyev"))


def _without_hashes(text: str, fmt: str) -> str:
    if fmt == "json":
        doc = json.loads(text)
        for agreement in doc["agreements"]:
            for event in agreement["events"]:
                event.pop("hash")
        return json.dumps(doc, ensure_ascii=False)
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("hash")
    return "\n".join(",".join(r[:column] + r[column + 1 :]) for r in rows)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_and_import_carry_every_date_form_and_revision(geo, tmp_path, fmt):
    for typed in ("2025-04", "2025", "<=2025-05-31", ">=2025-05-01", "2025-05-02..2025-05-20", "unknown"):
        ok(geo("note", "RA-GEO", f"dated {typed}", "--on", typed, at=NOW))
    ok(geo("correct", "RA-GEO", "2", "--place", "Tbilisi", "--on", "2025-06", "--reason", "misspelt", at=NOW))
    ok(geo("retract", "RA-GEO", "4", "--reason", "wrong agreement", at=NOW))
    ok(geo("void", "RA-GEO", "--reason", "entered twice", at=NOW))
    first = ok(geo("export", "--format", fmt, at=NOW))
    path = tmp_path / f"export.{fmt}"
    path.write_text(first, encoding="utf-8")
    other = tmp_path / "other.db"
    ok(geo("--db", str(other), "init", at=NOW))
    ok(geo("--db", str(other), "import", str(path), at=NOW))
    second = ok(geo("--db", str(other), "export", "--format", fmt, at=NOW))
    assert _without_hashes(second, fmt) == _without_hashes(first, fmt)
    copy = json.loads(ok(geo("--db", str(other), "show", "RA-GEO", "--format", "json", at=NOW)))
    assert (copy["stage"], copy["voided"]) == ("internal_approval", True)
    forms = [e["date_precision"] for e in copy["history"] if (e["note"] or "").startswith("dated")]
    assert sorted(forms) == sorted(["month", "year", "not_after", "not_before", "between", "unknown"])
    # importing the same file again changes nothing
    ok(geo("--db", str(other), "import", str(path), at=NOW))
    assert ok(geo("--db", str(other), "export", "--format", fmt, at=NOW)) == second
    assert "intact" in ok(geo("--db", str(other), "verify", at=NOW))


@pytest.mark.sqlite_only
def test_an_officer_cannot_revise_a_heads_move_through_an_import(db, cli, tmp_path):
    ok(cli("users", "add", "aliyev", "--email", "r.aliyev@migration.gov.az", "--role", "head", login="tester"))
    ok(cli("users", "add", "mammadova", "--email", "l.m@migration.gov.az", "--role", "officer", login="aliyev"))
    args = ("add", "RA-CHE", "--title-az", "Saziş", "--title-en", "Agreement", "--kind", "readmission")
    ok(cli(*args, "--party", "CHE", "--on", "2016-03-01", "--stage", "mfa", at=NOW, login="aliyev"))
    ok(cli("sign", "RA-CHE", "--on", "2016-10-10", at=NOW, login="aliyev"))  # 2: into signing
    doc = json.loads(ok(cli("export", at=NOW, login="aliyev")))
    events = doc["agreements"][0]["events"]
    before = ok(cli("export", at=NOW, login="aliyev"))
    for extra in (
        {"kind": "correction", "target": 2, "correction": {"place": "Geneva"}, "reason": "x"},
        {"kind": "retraction", "target": 2, "reason": "x"},
        {"kind": "void", "reason": "x"},
    ):
        doc["agreements"][0]["events"] = [*events, {"on": "2026-11-30", "actor": "mammadova", **extra}]
        path = tmp_path / f"{extra['kind']}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        refused(cli("import", str(path), at=NOW, login="mammadova"), "needs the head role")
        assert ok(cli("export", at=NOW, login="aliyev")) == before
    ok(cli("import", str(path), at=NOW, login="aliyev"))
    assert json.loads(ok(cli("list", "--all", "--format", "json", at=NOW)))[0]["voided"] is True
