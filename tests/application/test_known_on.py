"""What we knew then (issue 13, item 4): `show`, `history` and `list` with
--known-on give the record as the tracker held it at the end of that day,
before later entries and late filings; it combines with --as-of."""

from __future__ import annotations

import json
from datetime import date

from tests.support import ok, refused

OPEN = (
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
)


def _json(cli, *args: str, at: date) -> dict:
    return json.loads(ok(cli(*args, "--format", "json", at=at)))


def _recorded(cli) -> None:
    ok(cli(*OPEN, at=date(2025, 3, 1)))
    ok(cli("round", "RA-GEO", "--on", "2025-06-10", "--place", "Tbilisi", at=date(2025, 6, 11)))
    ok(cli("advance", "RA-GEO", "--to", "internal_approval", "--on", "2025-12-20", at=date(2025, 12, 20)))
    # filed in 2026: a letter of 2025 found late, and the next move
    ok(cli("note", "RA-GEO", "Letter of 2 April 2025 found in the archive", "--on", "2025-04-02", at=date(2026, 2, 1)))
    ok(cli("advance", "RA-GEO", "--to", "mfa", "--on", "2026-03-01", at=date(2026, 3, 2)))


def test_show_and_history_as_known_at_the_end_of_a_day(db, cli):
    _recorded(cli)
    today = date(2026, 11, 30)
    now = _json(cli, "show", "RA-GEO", at=today)
    assert (now["stage"], now["events"]) == ("mfa", 5)
    then = _json(cli, "show", "RA-GEO", "--known-on", "2025-12-31", at=today)
    assert (then["stage"], then["stage_since"], then["events"], then["known_on"]) == (
        "internal_approval",
        "2025-12-20",
        3,
        "2025-12-31",
    )
    assert [e["kind"] for e in then["history"]] == ["opened", "round", "stage_change"]
    history = _json(cli, "history", "RA-GEO", "--known-on", "2025-12-31", at=today)
    assert [e["seq"] for e in history["history"]] == [1, 2, 3]
    assert history["agreement"]["stage"] == "internal_approval"
    # the late note is in today's record of that year, not in what we knew then
    assert "Letter of 2 April 2025" in ok(cli("history", "RA-GEO", at=today))
    assert "Letter of 2 April 2025" not in ok(cli("history", "RA-GEO", "--known-on", "2025-12-31", at=today))


def test_known_on_combines_with_as_of(db, cli):
    _recorded(cli)
    today = date(2026, 11, 30)
    then = _json(cli, "show", "RA-GEO", "--known-on", "2025-06-01", "--as-of", "2025-07-01", at=today)
    assert (then["stage"], then["events"]) == ("expert_talks", 1)
    now = _json(cli, "show", "RA-GEO", "--as-of", "2025-07-01", at=today)
    assert now["events"] == 3  # opening, round, and the note of April filed in 2026


def test_before_anything_was_recorded(db, cli):
    _recorded(cli)
    then = _json(cli, "show", "RA-GEO", "--known-on", "2025-01-31", at=date(2026, 11, 30))
    assert (then["stage"], then["events"], then["history"]) == (None, 0, [])
    assert "not yet recorded" in then["stage_since_label"]


def test_a_bad_known_on_is_a_usage_error(db, cli):
    _recorded(cli)
    refused(cli("show", "RA-GEO", "--known-on", "last year"), "--known-on", exit_code=2)


def test_list_as_known_then(db, cli):
    _recorded(cli)
    ok(
        cli(
            *[a if a != "RA-GEO" else "RA-ARM" for a in OPEN[:8]],
            "--party",
            "ARM",
            "--on",
            "2026-05-01",
            at=date(2026, 5, 1),
        )
    )
    today = date(2026, 11, 30)
    rows = json.loads(ok(cli("list", "--known-on", "2025-12-31", "--format", "json", at=today)))
    assert [(r["code"], r["stage"]) for r in rows] == [("RA-GEO", "internal_approval")]
    rows = json.loads(ok(cli("list", "--known-on", "2026-06-30", "--format", "json", at=today)))
    assert [(r["code"], r["stage"]) for r in rows] == [("RA-ARM", "draft"), ("RA-GEO", "mfa")]
    rows = json.loads(
        ok(cli("list", "--known-on", "2026-06-30", "--as-of", "2025-07-01", "--format", "json", at=today))
    )
    assert [(r["code"], r["stage"]) for r in rows] == [("RA-GEO", "expert_talks")]
    assert (
        json.loads(ok(cli("list", "--known-on", "2026-06-30", "--party", "arm", "--format", "json", at=today)))[0][
            "code"
        ]
        == "RA-ARM"
    )
