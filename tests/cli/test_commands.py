"""The command line end to end: real SQLite file, in-process runs of `agreements`.

Every refusal must be exactly one ``Error: ...`` line on stderr with exit code 1
(refused by the rules) or 2 (usage error), never a traceback, and must leave the
database as it was.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import PG_OWNER, ok, refused

LIST_COLUMNS = [
    "code",
    "kind",
    "parties",
    "stage",
    "stage_since",
    "stage_since_precision",
    "awaiting",
    "signed_on",
    "in_force_on",
    "parent",
    "officer",
    "title_en",
    "title_az",
]
EVENT_COLUMNS = [
    "seq",
    "on",
    "date_precision",
    "until",
    "kind",
    "from",
    "to",
    "place",
    "outcome",
    "open_articles",
    "actor",
    "note",
    "reason",
    "reference",
    "awaiting",
    "source",
    "recorded_at",
    "stated_actor",
    "stated_recorded_at",
    "target",
    "correction",
    "retracted_by",
    "party",
    "act",
    "received",
    "instrument",
    "rule",
]
AZ_LABELS = {
    "draft": "layihə",
    "expert_talks": "ekspertlər səviyyəsində danışıqlar",
    "internal_approval": "dövlətdaxili razılaşdırma",
    "mfa": "Xarici İşlər Nazirliyi (XİN)",
    "signing": "imzalanma",
    "in_force": "qüvvəyə minib",
    "suspended": "dayandırılıb",
    "terminated": "xitam verilib",
}
TITLE_AZ = "Azərbaycan Respublikası ilə Gürcüstan arasında readmissiya haqqında Saziş"
TITLE_EN = "Agreement between Azerbaijan and Georgia on readmission"
FAR_FUTURE = "2099-01-01"


# ---------------------------------------------------------------- helpers


def add(
    cli,
    code="RA-GEO",
    *extra,
    on="2020-01-10",
    parties=("GEO",),
    kind="readmission",
    title_az=TITLE_AZ,
    title_en=TITLE_EN,
):
    args = ["add", code, "--title-az", title_az, "--title-en", title_en, "--kind", kind]
    for party in parties:
        args += ["--party", party]
    if on:
        args += ["--on", on]
    return cli(*args, *extra)


def history_json(cli, code):
    return json.loads(ok(cli("history", code, "--format", "json")))


def events(cli, code):
    return history_json(cli, code)["history"]


def export(cli):
    return ok(cli("export"))


def show_json(cli, code, *extra):
    return json.loads(ok(cli("show", code, "--format", "json", *extra)))


def stage_of(cli, code):
    return show_json(cli, code)["stage"]


# ------------------------------------------------------- add / list / show / history


def test_add_then_list_in_table_json_and_csv(db, cli):
    out = ok(add(cli, "RA-GEO", "--party", "EU", "--officer", "L. Mammadova", parties=("GEO",)))
    assert out.strip() == "Added RA-GEO at draft on 2020-01-10."

    table = ok(cli("list"))
    row = next(line for line in table.splitlines() if line.startswith("RA-GEO"))
    assert "draft" in row and "2020-01-10" in row and " us " in row
    assert row.rstrip().endswith("AZE–GEO/EU readmission")  # the short title; the full one in show and JSON
    assert table.rstrip().endswith("1 agreement(s)")

    rows = json.loads(ok(cli("list", "--format", "json")))
    assert len(rows) == 1
    row = rows[0]
    assert row["code"] == "RA-GEO"
    assert row["title_en"] == TITLE_EN and row["title_az"] == TITLE_AZ
    assert row["kind"] == "readmission"
    assert row["parties"] == ["GEO", "EU"]
    assert row["stage"] == "draft"
    assert row["stage_since"] == "2020-01-10" and row["stage_since_precision"] == "day"
    assert row["awaiting"] == "us"
    assert row["officer"] == "L. Mammadova"
    assert row["parent"] is None and row["signed_on"] is None and row["in_force_on"] is None

    parsed = list(csv.reader(io.StringIO(ok(cli("list", "--format", "csv")))))
    assert parsed[0] == LIST_COLUMNS
    assert len(parsed) == 2
    record = dict(zip(parsed[0], parsed[1]))
    assert record == {
        "code": "RA-GEO",
        "kind": "readmission",
        "parties": "GEO;EU",
        "stage": "draft",
        "stage_since": "2020-01-10",
        "stage_since_precision": "day",
        "awaiting": "us",
        "signed_on": "",
        "in_force_on": "",
        "parent": "",
        "officer": "L. Mammadova",
        "title_en": TITLE_EN,
        "title_az": TITLE_AZ,
    }


def test_list_filters(db, cli):
    ok(add(cli, "RA-GEO", parties=("GEO",)))
    ok(add(cli, "MC-TUR", parties=("TUR", "IOM"), kind="migration_cooperation"))
    ok(cli("advance", "MC-TUR", "--on", "2020-02-01"))

    def codes(*args):
        return [r["code"] for r in json.loads(ok(cli("list", "--format", "json", *args)))]

    assert codes() == ["MC-TUR", "RA-GEO"]
    assert codes("--stage", "expert_talks") == ["MC-TUR"]
    assert codes("--stage", "draft") == ["RA-GEO"]
    assert codes("--party", "IOM") == ["MC-TUR"]
    assert codes("--party", "geo") == ["RA-GEO"]
    assert codes("--kind", "readmission") == ["RA-GEO"]
    assert codes("--stage", "mfa") == []
    assert ok(cli("list", "--stage", "mfa")).startswith("(none)")


def test_show_in_table_and_json(db, cli):
    ok(add(cli, "RA-GEO", "--officer", "L. Mammadova", "--note", "Opened on request", "--ref", "letter 02/1"))
    out = ok(cli("show", "RA-GEO"))
    assert out.splitlines()[0] == f"RA-GEO  {TITLE_EN}"
    assert f"  {TITLE_AZ}" in out
    assert "kind:         readmission" in out
    assert "counterparts: GEO" in out
    assert "stage:        draft since 2020-01-10" in out
    assert "awaiting:     us" in out
    assert "officer:      L. Mammadova" in out
    assert "Opened on request" in out and "ref: letter 02/1" in out

    data = show_json(cli, "RA-GEO")
    assert data["code"] == "RA-GEO" and data["stage"] == "draft"
    assert data["stage_since"] == "2020-01-10"
    assert data["events"] == 1
    assert len(data["history"]) == 1
    first = data["history"][0]
    assert first["kind"] == "opened" and first["from"] is None and first["to"] == "draft"
    assert first["on"] == "2020-01-10" and first["actor"] == "tester"
    assert first["note"] == "Opened on request" and first["reference"] == "letter 02/1"


def test_history_in_table_json_and_csv(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-01", "--place", "Bakı", "--note", "Talks open"))

    table = ok(cli("history", "RA-GEO"))
    assert "draft -> expert_talks" in table
    assert "2020-02-01" in table and "Bakı" in table and "Talks open" in table
    assert "tester" in table

    data = history_json(cli, "RA-GEO")
    assert data["agreement"]["code"] == "RA-GEO"
    assert data["agreement"]["stage"] == "expert_talks"
    assert [(e["seq"], e["kind"], e["from"], e["to"]) for e in data["history"]] == [
        (1, "opened", None, "draft"),
        (2, "stage_change", "draft", "expert_talks"),
    ]
    assert data["history"][1]["place"] == "Bakı"

    parsed = list(csv.reader(io.StringIO(ok(cli("history", "RA-GEO", "--format", "csv")))))
    assert parsed[0] == EVENT_COLUMNS
    assert len(parsed) == 3
    second = dict(zip(parsed[0], parsed[2]))
    assert second["seq"] == "2"
    assert second["on"] == "2020-02-01"
    assert second["kind"] == "stage_change"
    assert second["from"] == "draft" and second["to"] == "expert_talks"
    assert second["place"] == "Bakı"
    assert second["actor"] == "tester"
    assert second["note"] == "Talks open"
    assert second["open_articles"] == "" and second["until"] == ""
    assert second["recorded_at"] == data["history"][1]["recorded_at"]


def test_add_normalises_a_lower_case_code(db, cli):
    out = ok(add(cli, "ra-geo", parties=("geo",)))
    assert "Added RA-GEO" in out
    rows = json.loads(ok(cli("list", "--format", "json")))
    assert [r["code"] for r in rows] == ["RA-GEO"]
    assert rows[0]["parties"] == ["GEO"]
    assert show_json(cli, "ra-geo")["code"] == "RA-GEO"


@pytest.mark.parametrize("again", ["RA-GEO", "ra-geo", " RA-GEO "])
def test_duplicate_code_is_refused_and_nothing_written(db, cli, again):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(add(cli, again, title_en="Another title", on="2020-05-05"), "already exists", "RA-GEO", exit_code=1)
    assert export(cli) == before


@pytest.mark.parametrize(
    "overrides, extra, exit_code, fragments",
    [
        ({"kind": "treaty"}, (), 2, ("--kind", "treaty")),
        ({"parties": ("G1",)}, (), 1, ("G1",)),
        ({"parties": ("GEORGIA-REPUBLIC",)}, (), 1, ("GEORGIA-REPUBLIC",)),
        ({"parties": ("GEO", "geo")}, (), 1, ("twice",)),
        ({"title_az": "   "}, (), 1, ("title-az", "empty")),
        ({"title_en": ""}, (), 1, ("title-en", "empty")),
        ({}, ("--parent", "RA-NOPE"), 1, ("RA-NOPE",)),
        ({"on": FAR_FUTURE}, (), 1, (FAR_FUTURE, "future")),
        ({}, ("--stage", "terminated"), 1, ("terminated",)),
    ],
    ids=[
        "unknown-kind",
        "bad-party",
        "long-party",
        "party-twice",
        "blank-title-az",
        "empty-title-en",
        "unknown-parent",
        "future-date",
        "opened-terminated",
    ],
)
def test_bad_add_is_refused_and_nothing_written(db, cli, overrides, extra, exit_code, fragments):
    ok(add(cli, "RA-OLD"))
    before = export(cli)
    refused(add(cli, "RA-NEW", *extra, **overrides), *fragments, exit_code=exit_code)
    assert export(cli) == before
    assert [r["code"] for r in json.loads(ok(cli("list", "--format", "json")))] == ["RA-OLD"]
    refused(cli("show", "RA-NEW"), "RA-NEW", exit_code=1)


def test_add_with_a_known_parent_links_it(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(add(cli, "IP-GEO", "--parent", "ra-geo", kind="implementing_protocol"))
    assert show_json(cli, "IP-GEO")["parent"] == "RA-GEO"
    assert "implements:   RA-GEO" in ok(cli("show", "IP-GEO"))


@pytest.mark.sqlite_only  # --as names someone else only on SQLite, while no user is registered
def test_add_records_the_actor_given_with_as(db, cli):
    ok(add(cli, "RA-GEO", "--as", "l.mammadova"))
    assert events(cli, "RA-GEO")[0]["actor"] == "l.mammadova"


# --------------------------------------------------------------- a full lifecycle


def test_full_lifecycle_walk(db, cli, backend):
    # --as names someone else on SQLite (no user registered); on PostgreSQL the actor is the login
    alice, bob = ("alice", "bob") if backend == "sqlite" else (PG_OWNER, PG_OWNER)
    started = datetime.now(UTC)
    ok(add(cli, "RA-GEO", on="2020-01-10"))
    assert ok(cli("advance", "RA-GEO", "--on", "2020-02-01")).startswith("RA-GEO: draft -> expert_talks on 2020-02-01.")
    ok(
        cli(
            "round",
            "RA-GEO",
            "--on",
            "2020-02-10",
            "--until",
            "2020-02-12",
            "--place",
            "Bakı",
            "--outcome",
            "All articles agreed but one",
            "--open-articles",
            "1",
        )
    )
    assert stage_of(cli, "RA-GEO") == "expert_talks"
    ok(cli("advance", "RA-GEO", "--on", "2020-03-01", "--as", alice))
    assert stage_of(cli, "RA-GEO") == "internal_approval"
    ok(cli("advance", "RA-GEO", "--on", "2020-04-01", "--ref", "letter No. 02/1097"))
    assert stage_of(cli, "RA-GEO") == "mfa"
    assert "mfa -> signing" in ok(cli("sign", "RA-GEO", "--on", "2020-05-05", "--place", "Tbilisi"))
    assert stage_of(cli, "RA-GEO") == "signing"
    ok(cli("advance", "RA-GEO", "--to", "in_force", "--on", "2020-09-01", "--as", bob))

    data = history_json(cli, "RA-GEO")
    agreement = data["agreement"]
    assert agreement["stage"] == "in_force"
    assert agreement["signed_on"] == "2020-05-05"
    assert agreement["in_force_on"] == "2020-09-01"
    assert agreement["stage_since"] == "2020-09-01"

    history = data["history"]
    assert [(e["seq"], e["kind"], e["from"], e["to"], e["on"], e["actor"]) for e in history] == [
        (1, "opened", None, "draft", "2020-01-10", "tester"),
        (2, "stage_change", "draft", "expert_talks", "2020-02-01", "tester"),
        (3, "round", "expert_talks", None, "2020-02-10", "tester"),
        (4, "stage_change", "expert_talks", "internal_approval", "2020-03-01", alice),
        (5, "stage_change", "internal_approval", "mfa", "2020-04-01", "tester"),
        (6, "signature", "mfa", "signing", "2020-05-05", "tester"),
        (7, "stage_change", "signing", "in_force", "2020-09-01", bob),
    ]
    round_ = history[2]
    assert round_["place"] == "Bakı" and round_["until"] == "2020-02-12"
    assert round_["outcome"] == "All articles agreed but one" and round_["open_articles"] == 1
    assert history[4]["reference"] == "letter No. 02/1097"
    assert history[5]["place"] == "Tbilisi"

    finished = datetime.now(UTC)
    previous = None
    for event in history:
        recorded = datetime.fromisoformat(event["recorded_at"])
        assert recorded.utcoffset() == timedelta(hours=4)  # Asia/Baku
        assert started - timedelta(seconds=2) <= recorded <= finished + timedelta(seconds=2)
        if previous is not None:
            assert recorded >= previous
        previous = recorded


@pytest.mark.sqlite_only  # --as names someone else only on SQLite, while no user is registered
def test_every_changing_command_records_the_as_user(db, cli):
    ok(add(cli, "RA-GEO", "--as", "u0"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-01", "--as", "u1"))
    ok(cli("round", "RA-GEO", "--on", "2020-02-02", "--place", "Bakı", "--as", "u2"))
    ok(cli("note", "RA-GEO", "Called the desk", "--on", "2020-02-03", "--as", "u3"))
    ok(cli("suspend", "RA-GEO", "--on", "2020-02-04", "--as", "u4"))
    ok(cli("resume", "RA-GEO", "--on", "2020-02-05", "--as", "u5"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-06"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-07"))
    ok(cli("sign", "RA-GEO", "--on", "2020-02-08", "--as", "u6"))
    ok(cli("terminate", "RA-GEO", "--reason", "Abandoned", "--on", "2020-02-09", "--as", "u7"))
    actors = [(e["kind"], e["actor"]) for e in events(cli, "RA-GEO")]
    assert actors == [
        ("opened", "u0"),
        ("stage_change", "u1"),
        ("round", "u2"),
        ("note", "u3"),
        ("stage_change", "u4"),
        ("stage_change", "u5"),
        ("stage_change", "tester"),
        ("stage_change", "tester"),
        ("signature", "u6"),
        ("stage_change", "u7"),
    ]


# ------------------------------------------------------------------ in_force guards


def _to_signing(cli, code="RA-GEO", signed=True):
    ok(add(cli, code, on="2020-01-10"))
    ok(cli("advance", code, "--to", "mfa", "--on", "2020-02-01"))
    if signed:
        ok(cli("sign", code, "--on", "2020-03-01"))
    else:
        ok(cli("advance", code, "--on", "2020-03-01"))
    assert stage_of(cli, code) == "signing"


def test_advance_without_to_at_in_force_is_refused(db, cli):
    _to_signing(cli)
    ok(cli("advance", "RA-GEO", "--on", "2020-04-01"))
    assert stage_of(cli, "RA-GEO") == "in_force"
    before = export(cli)
    refused(cli("advance", "RA-GEO"), "in_force", "--to", "terminated", exit_code=1)
    assert export(cli) == before


@pytest.mark.parametrize("args", [(), ("--to", "in_force")], ids=["next", "to-in_force"])
def test_signing_to_in_force_without_on_is_refused(db, cli, args):
    _to_signing(cli)
    before = export(cli)
    refused(cli("advance", "RA-GEO", *args), "signing", "in_force", "--on", exit_code=1)
    assert export(cli) == before
    assert stage_of(cli, "RA-GEO") == "signing"


def test_in_force_without_a_signature_is_refused(db, cli):
    _to_signing(cli, signed=False)
    before = export(cli)
    refused(cli("advance", "RA-GEO", "--to", "in_force", "--on", "2020-04-01"), "signature", exit_code=1)
    assert export(cli) == before
    # once signed, the same move goes through
    ok(cli("sign", "RA-GEO", "--on", "2020-03-15"))
    ok(cli("advance", "RA-GEO", "--to", "in_force", "--on", "2020-04-01"))
    assert show_json(cli, "RA-GEO")["in_force_on"] == "2020-04-01"


# ----------------------------------------------------------------- illegal moves


def test_illegal_move_names_current_asked_and_allowed(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-01"))
    before = events(cli, "RA-GEO")
    exported = export(cli)
    line = refused(cli("advance", "RA-GEO", "--to", "mfa", "--on", "2020-03-01"), exit_code=1)
    assert "expert_talks" in line and "mfa" in line
    allowed = line.split("allowed", 1)[1]
    for stage in ("draft", "internal_approval", "suspended", "terminated"):
        assert stage in allowed
    for stage in ("signing", "in_force"):
        assert stage not in allowed
    assert line == (
        "Error: cannot move from expert_talks to mfa; "
        "allowed from expert_talks: draft, internal_approval, suspended, terminated"
    )
    assert events(cli, "RA-GEO") == before
    assert export(cli) == exported


def test_unknown_stage_in_to_is_a_usage_error(db, cli):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli("advance", "RA-GEO", "--to", "ratified"), "--to", "ratified", exit_code=2)
    assert export(cli) == before


# ------------------------------------------------------------ suspend / terminate


@pytest.mark.parametrize("path", [[], ["expert_talks"], ["expert_talks", "internal_approval"], ["mfa"]])
def test_suspend_and_resume_return_to_the_stage_left(db, cli, path):
    ok(add(cli, "RA-GEO"))
    for i, stage in enumerate(path):
        ok(cli("advance", "RA-GEO", "--to", stage, "--on", f"2020-02-0{i + 1}"))
    left = path[-1] if path else "draft"
    ok(cli("suspend", "RA-GEO", "--on", "2020-03-01", "--note", "Counterpart asked for a pause"))
    data = show_json(cli, "RA-GEO")
    assert data["stage"] == "suspended" and data["suspended_from"] == left
    # moving anywhere but back is refused
    other = "draft" if left != "draft" else "expert_talks"
    refused(cli("advance", "RA-GEO", "--to", other, "--on", "2020-04-01"), left, exit_code=1)
    out = ok(cli("resume", "RA-GEO", "--on", "2020-04-01"))
    assert f"suspended -> {left}" in out
    data = show_json(cli, "RA-GEO")
    assert data["stage"] == left and data["suspended_from"] is None
    assert data["stage_since"] == "2020-04-01"
    last_two = [(e["from"], e["to"]) for e in data["history"][-2:]]
    assert last_two == [(left, "suspended"), ("suspended", left)]


def test_resume_of_a_non_suspended_agreement_is_refused(db, cli):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli("resume", "RA-GEO"), "RA-GEO", "not suspended", "draft", exit_code=1)
    assert export(cli) == before


def test_terminate_without_reason_is_a_usage_error(db, cli):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli("terminate", "RA-GEO"), "--reason", exit_code=2)
    assert export(cli) == before
    assert stage_of(cli, "RA-GEO") == "draft"


def test_terminate_with_blank_reason_is_refused(db, cli):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli("terminate", "RA-GEO", "--reason", "  "), "reason", exit_code=1)
    assert export(cli) == before


def test_terminate_then_every_move_is_refused(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-01"))
    out = ok(cli("terminate", "RA-GEO", "--reason", "Abandoned by mutual consent", "--on", "2020-03-01"))
    assert "expert_talks -> terminated" in out
    last = events(cli, "RA-GEO")[-1]
    assert last["to"] == "terminated" and last["reason"] == "Abandoned by mutual consent"
    assert show_json(cli, "RA-GEO")["stage"] == "terminated"

    before = export(cli)
    attempts = [
        ("advance", "RA-GEO"),
        ("advance", "RA-GEO", "--to", "draft"),
        ("advance", "RA-GEO", "--to", "expert_talks"),
        ("suspend", "RA-GEO"),
        ("resume", "RA-GEO"),
        ("terminate", "RA-GEO", "--reason", "again"),
        ("sign", "RA-GEO", "--on", "2020-04-01"),
        ("round", "RA-GEO", "--on", "2020-04-01", "--place", "Bakı"),
    ]
    for args in attempts:
        refused(cli(*args), "terminated", exit_code=1)
    assert export(cli) == before


# ------------------------------------------------------------------------ rounds


def test_round_outside_expert_talks_is_refused(db, cli):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli("round", "RA-GEO", "--on", "2020-02-01", "--place", "Bakı"), "draft", "expert_talks", exit_code=1)
    assert export(cli) == before


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("--on", "2020-02-01"), "--place"),
        (("--on", "2020-02-01", "--place", ""), "--place"),
        (("--on", "2020-02-01", "--place", "Bakı", "--open-articles", "-1"), "--open-articles"),
        (("--on", "2020-02-01", "--place", "Bakı", "--open-articles", "two"), "--open-articles"),
        (("--place", "Bakı"), "--on"),
    ],
    ids=["no-place", "empty-place", "negative-articles", "text-articles", "no-on"],
)
def test_round_usage_errors(db, cli, args, fragment):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-01-20"))
    before = export(cli)
    refused(cli("round", "RA-GEO", *args), fragment, exit_code=2)
    assert export(cli) == before


def test_round_ending_before_it_starts_is_refused(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-01-20"))
    before = export(cli)
    refused(
        cli("round", "RA-GEO", "--on", "2020-02-10", "--until", "2020-02-01", "--place", "Bakı"),
        "2020-02-01",
        "2020-02-10",
        exit_code=1,
    )
    assert export(cli) == before


# --------------------------------------------------------------------- backdating


def test_event_before_the_current_stage_began_is_refused(db, cli):
    ok(add(cli, "RA-GEO", on="2020-01-10"))
    ok(cli("advance", "RA-GEO", "--on", "2020-03-01"))
    before = export(cli)
    for args in (
        ("advance", "RA-GEO", "--on", "2020-02-15"),
        ("suspend", "RA-GEO", "--on", "2020-02-15"),
    ):
        refused(cli(*args), "2020-03-01", "2020-02-15", "expert_talks", exit_code=1)
    # a note or round filed late is checked against its own day: before the opening, or a
    # round on a day the agreement was not in expert talks, is refused
    refused(cli("note", "RA-GEO", "late remark", "--on", "2019-12-15"), "opens on 2020-01-10", "2019-12-15")
    refused(cli("round", "RA-GEO", "--on", "2020-02-15", "--place", "Bakı"), "was in draft on 2020-02-15")
    assert export(cli) == before


@pytest.mark.parametrize(
    "args",
    [
        ("advance", "RA-GEO", "--on", FAR_FUTURE),
        ("note", "RA-GEO", "hello", "--on", FAR_FUTURE),
        ("round", "RA-GEO", "--on", "2020-02-01", "--until", FAR_FUTURE, "--place", "Bakı"),
        ("sign", "RA-GEO", "--on", FAR_FUTURE),
    ],
    ids=["advance", "note", "round-until", "sign"],
)
def test_future_date_is_refused(db, cli, args):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-01-20"))
    before = export(cli)
    refused(cli(*args), FAR_FUTURE, "future", exit_code=1)
    assert export(cli) == before


@pytest.mark.parametrize("bad", ["2016-02-30", "30.02.2016", "yesterday", "2016-13-01"])
def test_unparseable_date_is_a_usage_error(db, cli, bad):
    ok(add(cli, "RA-GEO", on="2015-01-01"))
    before = export(cli)
    refused(cli("advance", "RA-GEO", "--on", bad), bad, "--on", exit_code=2)
    refused(cli("show", "RA-GEO", "--as-of", bad), bad, "--as-of", exit_code=2)
    refused(add(cli, "RA-NEW", on=bad), bad, exit_code=2)
    assert export(cli) == before


def test_stage_change_before_the_latest_event_is_refused(db, cli):
    ok(add(cli, "RA-GEO", on="2020-01-10"))
    ok(cli("advance", "RA-GEO", "--on", "2020-01-20"))
    ok(cli("round", "RA-GEO", "--on", "2020-02-01", "--until", "2020-02-03", "--place", "Bakı"))
    before = export(cli)
    refused(cli("advance", "RA-GEO", "--on", "2020-01-25"), "2020-02-03", "2020-01-25", exit_code=1)
    # a move during the round is refused too: the round ended on 2020-02-03
    refused(cli("advance", "RA-GEO", "--on", "2020-02-02"), "2020-02-03", "2020-02-02", exit_code=1)
    refused(cli("suspend", "RA-GEO", "--on", "2020-01-25"), "2020-02-03", "2020-01-25", exit_code=1)
    assert export(cli) == before
    # a round (not a stage change) dated between them is still accepted
    ok(cli("round", "RA-GEO", "--on", "2020-01-25", "--place", "Tbilisi"))
    # and the stage change on the round's last day is fine
    ok(cli("advance", "RA-GEO", "--on", "2020-02-03"))
    assert stage_of(cli, "RA-GEO") == "internal_approval"


# ------------------------------------------------------------------------ as of


@pytest.mark.parametrize(
    "day, stage, since, count",
    [
        ("2020-01-09", None, None, 0),
        ("2020-01-10", "draft", "2020-01-10", 1),
        ("2020-02-15", "draft", "2020-01-10", 1),
        ("2020-02-29", "draft", "2020-01-10", 1),
        ("2020-03-01", "expert_talks", "2020-03-01", 2),
        ("2020-05-31", "expert_talks", "2020-03-01", 2),
        ("2020-06-01", "internal_approval", "2020-06-01", 3),
        ("2021-01-01", "internal_approval", "2020-06-01", 3),
    ],
)
def test_show_as_of(db, cli, day, stage, since, count):
    ok(add(cli, "RA-GEO", on="2020-01-10"))
    ok(cli("advance", "RA-GEO", "--on", "2020-03-01"))
    ok(cli("advance", "RA-GEO", "--on", "2020-06-01"))
    data = show_json(cli, "RA-GEO", "--as-of", day)
    assert data["as_of"] == day
    assert data["stage"] == stage
    assert data["stage_since"] == since
    assert len(data["history"]) == count
    assert all(e["on"] <= day for e in data["history"])
    table = ok(cli("show", "RA-GEO", "--as-of", day))
    assert f"as of:        {day}" in table
    if stage is None:
        assert "stage:        unknown" in table
    else:
        assert f"stage:        {stage} since {since}" in table


def test_show_without_as_of_is_the_current_stage(db, cli):
    ok(add(cli, "RA-GEO", on="2020-01-10"))
    ok(cli("advance", "RA-GEO", "--on", "2020-03-01"))
    data = show_json(cli, "RA-GEO")
    assert "as_of" not in data or data["as_of"] is None
    assert data["stage"] == "expert_talks" and len(data["history"]) == 2


def test_seeded_moldova_as_of_mid_2016(seeded, cli):
    data = show_json(cli, "RA-MDA", "--as-of", "2016-07-01")
    assert data["stage"] == "expert_talks"
    rounds = [e for e in data["history"] if e["kind"] == "round"]
    assert [(r["on"], r["until"], r["place"]) for r in rounds] == [("2016-02-23", "2016-02-25", "Kişinyov")]
    assert all(e["on"] <= "2016-07-01" for e in data["history"])
    # the full history has the second round too
    full = [e for e in events(cli, "RA-MDA") if e["kind"] == "round"]
    assert [r["on"] for r in full] == ["2016-02-23", "2016-10-18"]


def test_seeded_mc_rus_as_of_end_of_november_2016(seeded, cli):
    # the seed dates the move into internal approval between 24 Nov and 31 Dec 2016
    data = show_json(cli, "MC-RUS", "--as-of", "2016-11-30")
    assert (data["stage"], data["possibly"]) == ("expert_talks", "internal_approval")
    year_end = show_json(cli, "MC-RUS", "--as-of", "2016-12-31")
    assert (year_end["stage"], year_end["possibly"]) == ("internal_approval", None)
    assert year_end["stage_since_label"] == "between 24 November and 31 December 2016"
    before = show_json(cli, "MC-RUS", "--as-of", "2016-11-23")
    assert before["stage"] == "expert_talks"


# ---------------------------------------------------------------- errors in general


UNKNOWN_CODE_COMMANDS = [
    ("show", "RA-NOPE"),
    ("show", "RA-NOPE", "--as-of", "2020-01-01"),
    ("history", "RA-NOPE"),
    ("advance", "RA-NOPE"),
    ("suspend", "RA-NOPE"),
    ("resume", "RA-NOPE"),
    ("terminate", "RA-NOPE", "--reason", "x"),
    ("round", "RA-NOPE", "--on", "2020-01-01", "--place", "Bakı"),
    ("sign", "RA-NOPE", "--on", "2020-01-01"),
    ("note", "RA-NOPE", "text"),
]


@pytest.mark.parametrize("args", UNKNOWN_CODE_COMMANDS, ids=lambda a: " ".join(a[:1] + a[2:]))
def test_unknown_code_is_refused_naming_it(db, cli, args):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli(*args), "RA-NOPE", exit_code=1)
    assert export(cli) == before


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("list", "--frob"),
        ("list", "--format", "xml"),
        ("show",),
        ("show", "RA-GEO", "--format", "csv"),
        ("advance", "RA-GEO", "extra-argument"),
        ("add", "RA-NEW", "--kind", "readmission"),
        ("workflow", "--format", "dot"),
        ("--nope",),
    ],
)
def test_unknown_command_or_option_is_a_usage_error(db, cli, args):
    ok(add(cli, "RA-GEO"))
    before = export(cli)
    refused(cli(*args), exit_code=2)
    assert export(cli) == before


def test_invalid_code_is_refused(db, cli):
    refused(add(cli, "RA GEO"), "RA GEO", exit_code=1)
    refused(cli("show", "RA/GEO"), "RA/GEO", exit_code=1)
    assert json.loads(ok(cli("list", "--format", "json"))) == []


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("show", "RA-GEO"),
        ("history", "RA-GEO"),
        ("export",),
        ("add", "RA-GEO", "--title-az", "x", "--title-en", "y", "--kind", "readmission", "--party", "GEO"),
        ("advance", "RA-GEO"),
        ("note", "RA-GEO", "text"),
    ],
    ids=lambda a: a[0],
)
def test_never_initialised_database_is_refused_and_not_created(cli, tmp_path, args):
    target = tmp_path / "fresh" / "never.db"
    refused(cli("--db", str(target), *args), "not initialised", exit_code=1)
    assert not target.exists()
    assert not target.parent.exists()
    # the same through $AGREEMENTS_DB (the `db` fixture is not used here)
    env_target = tmp_path / "agreements.db"
    refused(cli(*args), "not initialised", exit_code=1)
    assert not env_target.exists()


def test_init_then_use_via_db_option(cli, tmp_path):
    target = tmp_path / "other.db"
    assert "Created the database" in ok(cli("--db", str(target), "init"))
    assert target.exists()
    ok(cli("--db", str(target), *add_args("RA-GEO")))
    assert [r["code"] for r in json.loads(ok(cli("--db", str(target), "list", "--format", "json")))] == ["RA-GEO"]
    # $AGREEMENTS_DB still points elsewhere and was not touched
    assert not (tmp_path / "agreements.db").exists()


def add_args(code):
    return [
        "add",
        code,
        "--title-az",
        TITLE_AZ,
        "--title-en",
        TITLE_EN,
        "--kind",
        "readmission",
        "--party",
        "GEO",
        "--on",
        "2020-01-10",
    ]


# ----------------------------------------------------------- workflow, lang, help


def test_workflow_lists_every_stage_with_its_azerbaijani_label(cli):
    out = ok(cli("workflow"))
    lines = out.splitlines()
    for stage, label_az in AZ_LABELS.items():
        assert any(line.split() and line.split()[0] == stage and label_az in line for line in lines), stage
    assert "expert_talks" in out and "internal_approval" in out
    assert "signing           -> in_force" in out


def test_workflow_mermaid(cli):
    out = ok(cli("workflow", "--format", "mermaid"))
    assert out.startswith("stateDiagram-v2")
    for stage, label_az in AZ_LABELS.items():
        assert f" as {stage}" in out
        assert label_az in out
    assert "draft --> expert_talks" in out
    assert "signing --> in_force" in out


def test_list_in_azerbaijani(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(add(cli, "MC-TUR", parties=("TUR",), title_az="Türkiyə ilə əməkdaşlıq", title_en="Cooperation with Turkey"))
    ok(cli("advance", "MC-TUR", "--to", "mfa", "--on", "2020-02-01"))
    out = ok(cli("list", "--lang", "az"))
    tur = next(line for line in out.splitlines() if line.startswith("MC-TUR"))
    geo = next(line for line in out.splitlines() if line.startswith("RA-GEO"))
    assert AZ_LABELS["mfa"] in tur and "AZE–TUR readmissiya" in tur  # the short title, in Azerbaijani
    assert AZ_LABELS["draft"] in geo
    assert "readmission" not in out
    english = ok(cli("list"))
    assert AZ_LABELS["mfa"] not in english and "AZE–TUR readmission" in english


def test_list_language_from_environment(db, cli, monkeypatch):
    ok(add(cli, "RA-GEO"))
    monkeypatch.setenv("AGREEMENTS_LANG", "az")
    assert AZ_LABELS["draft"] in ok(cli("list"))


def test_history_in_azerbaijani(db, cli):
    ok(add(cli, "RA-GEO"))
    ok(cli("advance", "RA-GEO", "--on", "2020-02-01"))
    out = ok(cli("history", "RA-GEO", "--lang", "az"))
    assert AZ_LABELS["expert_talks"] in out
    assert TITLE_AZ in out.splitlines()[0]


def test_help_mentions_database_location(cli, tmp_path):
    out = ok(cli("--help"))
    assert "AGREEMENTS_DB" in out
    assert "~/.local/share/agreements" in out
    assert "--db" in out
    # nothing is created by asking for help
    for command in ("add", "advance", "round", "show", "list"):
        assert "Usage:" in ok(cli(command, "--help"))
    assert not (tmp_path / "agreements.db").exists()


def test_default_database_is_in_the_user_data_directory(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("AGREEMENTS_DB")
    expected = tmp_path / "xdg" / "agreements" / "agreements.db"  # XDG_DATA_HOME is tmp/xdg
    refused(cli("list"), "not initialised", str(expected), exit_code=1)
    assert not expected.exists()
    assert str(expected) in ok(cli("init"))
    assert expected.exists()
    ok(cli(*add_args("RA-GEO")))
    assert [r["code"] for r in json.loads(ok(cli("list", "--format", "json")))] == ["RA-GEO"]
    assert not (tmp_path / "agreements.db").exists()
