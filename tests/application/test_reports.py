"""Reports on a hand-made history with answers worked out by hand."""

from __future__ import annotations

import json
from datetime import date

import pytest

from agreements.reads.reports import durations, percentile, pipeline
from workflows.calendar import WorkingCalendar

TODAY = date(2026, 11, 25)


@pytest.fixture
def history(db, cli):
    """
    RA-AAA  draft 2020-01-10 -> expert_talks 2020-03-02 -> internal_approval 2020-06-01 (now)
    RA-BBB  draft 2020-01-10 -> expert_talks 2020-01-20 (now)
    RA-CCC  draft 2020-02-01 -> expert_talks 2020-03-02 -> draft 2020-03-12 -> expert_talks 2020-03-22 (now), party MNE
    """

    def add(code, on, party="ARM", kind="readmission"):
        return (
            "add",
            code,
            "--kind",
            kind,
            "--party",
            party,
            "--on",
            on,
            "--title-az",
            "Saziş",
            "--title-en",
            "Agreement",
        )

    def move(code, to, on, *extra):
        return ("advance", code, "--to", to, "--on", on, *extra)

    steps = [
        add("RA-AAA", "2020-01-10"),
        move("RA-AAA", "expert_talks", "2020-03-02"),
        move("RA-AAA", "internal_approval", "2020-06-01", "--awaiting", "government"),
        add("RA-BBB", "2020-01-10"),
        move("RA-BBB", "expert_talks", "2020-01-20", "--awaiting", "counterpart"),
        add("RA-CCC", "2020-02-01", "MNE", "memorandum"),
        move("RA-CCC", "expert_talks", "2020-03-02"),
        move("RA-CCC", "draft", "2020-03-12"),
        move("RA-CCC", "expert_talks", "2020-03-22"),
    ]
    for step in steps:
        code, _out, err = cli(*step)
        assert code == 0, (step, err)
    return db


def test_percentile():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([52, 10, 40], 0.5) == 40
    assert percentile([10, 40, 52], 0.9) == pytest.approx(49.6)


def test_durations_per_agreement(history):
    data = durations(history, WorkingCalendar(), today=TODAY)
    by_code = {a["code"]: a["stages"] for a in data["agreements"]}
    assert list(by_code) == ["RA-AAA", "RA-BBB", "RA-CCC"]
    a = by_code["RA-AAA"]
    # 10 Jan -> 2 Mar 2020: 52 days; weekdays 13 Jan..2 Mar = 36, less 20 Jan (Martyrs' Day) = 35
    assert (a["draft"]["calendar_days"], a["draft"]["working_days"], a["draft"]["ongoing"]) == (52, 35, False)
    assert (a["expert_talks"]["calendar_days"], a["expert_talks"]["working_days"]) == (91, 53)
    assert (
        a["internal_approval"]["ongoing"] and a["internal_approval"]["calendar_days"] == (TODAY - date(2020, 6, 1)).days
    )
    c = by_code["RA-CCC"]
    # two stays in draft: 1 Feb -> 2 Mar (30 days, 21 working) and 12 -> 22 Mar (10 days, 5 working: 20 Mar is Novruz)
    assert (c["draft"]["calendar_days"], c["draft"]["working_days"], c["draft"]["stays"]) == (40, 26, 2)
    assert c["expert_talks"]["stays"] == 2 and c["expert_talks"]["ongoing"]


def test_durations_statistics(history):
    stats = {s["stage"]: s for s in durations(history, WorkingCalendar(), today=TODAY)["stages"]}
    draft = stats["draft"]
    # closed draft times: 10/5 (BBB), 40/26 (CCC), 52/35 (AAA)
    assert draft["agreements"] == 3
    assert (draft["median_calendar_days"], draft["median_working_days"]) == (40, 26)
    assert draft["p90_calendar_days"] == pytest.approx(49.6)
    assert draft["p90_working_days"] == pytest.approx(33.2)
    talks = stats["expert_talks"]
    # closed expert talks: 91/53 (AAA), 10/7 (CCC's first stay; 9 Mar is a holiday); ongoing stays excluded
    assert talks["agreements"] == 2
    assert (talks["median_calendar_days"], talks["median_working_days"]) == (50.5, 30)
    assert talks["p90_calendar_days"] == pytest.approx(82.9)
    assert talks["p90_working_days"] == pytest.approx(48.4)
    assert stats["internal_approval"]["agreements"] == 0
    assert stats["internal_approval"]["median_calendar_days"] is None


def test_durations_filters(history):
    assert [a["code"] for a in durations(history, WorkingCalendar(), party="MNE", today=TODAY)["agreements"]] == [
        "RA-CCC"
    ]
    assert [
        a["code"] for a in durations(history, WorkingCalendar(), kind="readmission", today=TODAY)["agreements"]
    ] == ["RA-AAA", "RA-BBB"]


def test_durations_cli(history, cli):
    code, out, err = cli("report", "durations", at=date(2026, 11, 25))
    assert code == 0, err
    assert "52/35" in out and "40/26" in out
    code, out, err = cli("report", "durations", "--format", "json", "--kind", "memorandum")
    assert code == 0, err
    assert [a["code"] for a in json.loads(out)["agreements"]] == ["RA-CCC"]


def test_pipeline_now_and_as_of(history, cli):
    now = pipeline(history)
    counts = {s["stage"]: s for s in now["stages"]}
    assert (counts["expert_talks"]["total"], counts["expert_talks"]["us"], counts["expert_talks"]["counterpart"]) == (
        2,
        1,
        1,
    )
    assert (counts["internal_approval"]["total"], counts["internal_approval"]["government"]) == (1, 1)
    assert now["total"] == 3
    past = {s["stage"]: s["total"] for s in pipeline(history, date(2020, 3, 15))["stages"]}
    assert (past["draft"], past["expert_talks"]) == (1, 2)
    before = pipeline(history, date(2020, 1, 9))
    assert (before["total"], before["possibly"], before["not_yet_recorded"]) == (0, 0, 3)
    code, out, err = cli("report", "pipeline", "--as-of", "2020-03-15")
    assert code == 0, err
    assert out.splitlines()[0] == "as of 2020-03-15"
    assert [line.split()[:3] for line in out.splitlines() if line.startswith(("draft", "expert_talks", "all"))] == [
        ["draft", "1", "1"],
        ["expert_talks", "2", "1"],
        ["all", "3", "2"],
    ]


def test_pipeline_seed(seeded):
    data = pipeline(seeded)
    assert data["total"] == 18
    assert {s["stage"]: s["total"] for s in data["stages"]}["mfa"] == 5
