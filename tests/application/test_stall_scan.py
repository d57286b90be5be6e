"""Stalled agreements on the seed history, acknowledgements, the daily scan, configuration."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from agreements.config.file import load_config
from agreements.store.tables import Agreement, Event
from agreements.writes.stall_flags import run_scan
from tests.support import clock_at

NOW = clock_at(date(2026, 11, 25)).now()  # when the test records things

EXPECTED_2017_03_01 = [
    # code, stage, working days, threshold, level, whose move
    ("PR-RUS-ROAD", "draft", 188, 30, "critical", "government"),
    ("IP-LVA", "mfa", 39, 20, "overdue", "mfa"),
    ("IP-SWE", "mfa", 39, 20, "overdue", "mfa"),
    ("RA-PAK", "mfa", 39, 20, "overdue", "mfa"),
    ("RA-TUR", "mfa", 39, 20, "overdue", "mfa"),
    # the seed does not say whose move it is: the tracker's default for signing
    ("RA-CHE", "signing", 97, 60, "overdue", "us"),
    # entered internal approval between 24 Nov and 31 Dec 2016: counted from the latest day
    ("MC-RUS", "internal_approval", 39, 30, "overdue", "government"),
    ("RA-MDA", "expert_talks", 90, 90, "overdue", "us"),
]


def _stalled(cli, *args):
    code, out, err = cli("stalled", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


def test_stalled_on_the_seed_history_as_of_march_2017(seeded, cli):
    rows = _stalled(cli, "--as-of", "2017-03-01")
    got = [(r["code"], r["stage"], r["working_days"], r["threshold"], r["level"], r["awaiting"]) for r in rows]
    assert got == EXPECTED_2017_03_01
    # Moldova's clock runs from its last round (19 Oct 2016), not from entering talks
    mda = next(r for r in rows if r["code"] == "RA-MDA")
    assert mda["clock_from"] == "2016-10-19" and mda["stage_since"] == "no later than 23 February 2016"
    assert next(r for r in rows if r["code"] == "MC-RUS")["clock_from"] == "2016-12-31"
    code, out, _ = cli("stalled", "--as-of", "2017-03-01")
    assert code == 0 and "8 stalled agreement(s) as of 2017-03-01" in out
    assert out.index("PR-RUS-ROAD") < out.index("RA-MDA")  # most severe first


def test_counterpart_holds_the_move_gets_twice_the_threshold(seeded, cli):
    rows = _stalled(cli, "--as-of", "2017-03-15")
    geo = next(r for r in rows if r["code"] == "MC-GEO")
    assert geo["threshold"] == 40 and geo["awaiting_counterpart"] is True and geo["level"] == "overdue"
    _code, out, _ = cli("stalled", "--as-of", "2017-03-15")
    line = next(row for row in out.splitlines() if row.startswith("MC-GEO"))
    assert "awaiting counterpart" in line


def test_nothing_stalled_before_the_history_says_so(seeded, cli):
    assert _stalled(cli, "--as-of", "2016-06-01") == []
    # in draft since no later than 25 May 2016: 30 working days are up in July;
    # Moldova's talks after the first round (25 Feb) pass 90 working days too
    rows = _stalled(cli, "--as-of", "2016-08-01")
    assert [(r["code"], r["working_days"], r["level"]) for r in rows] == [
        ("PR-RUS-ROAD", 43, "overdue"),
        ("RA-MDA", 100, "overdue"),
    ]


def test_ack_takes_a_flag_off_the_action_list_until_its_date(seeded, cli):
    code, _out, err = cli(
        "ack", "RA-TUR", "--on", "2017-02-20", "--until", "2017-03-10", "--note", "waiting on the MFA reply"
    )
    assert code == 0, err
    assert "RA-TUR" not in [r["code"] for r in _stalled(cli, "--as-of", "2017-03-01")]
    with_all = _stalled(cli, "--as-of", "2017-03-01", "--all")
    tur = next(r for r in with_all if r["code"] == "RA-TUR")
    assert tur["acknowledged_until"] == "2017-03-10" and tur["acknowledgement"] == "waiting on the MFA reply"
    # it comes back by itself after the date
    assert "RA-TUR" in [r["code"] for r in _stalled(cli, "--as-of", "2017-03-13")]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("ack", "RA-TUR", "--on", "2017-02-20", "--until", "2017-02-01", "--note", "x"), "--until"),
        (("ack", "MP-EU", "--until", "2030-01-01", "--note", "x"), "never flagged"),
        (("ack", "NOPE", "--until", "2030-01-01", "--note", "x"), "NOPE"),
    ],
)
def test_bad_acknowledgements_are_refused(seeded, cli, args, fragment):
    code, _out, err = cli(*args)
    assert code == 1 and err.startswith("Error:") and fragment in err
    assert len(err.strip().splitlines()) == 1


def _flags(db, code):
    with db.read() as s:
        agreement = s.scalar(select(Agreement).where(Agreement.code == code))
        return [
            (e.occurred_on, e.outcome, e.actor)
            for e in s.scalars(
                select(Event).where(Event.agreement_id == agreement.id, Event.kind == "flag").order_by(Event.seq)
            )
        ]


def test_a_past_days_scan_run_late_leaves_an_agreement_that_moved_since(seeded, cli):
    # the scheduler catches up yesterday's scan after midnight, when RA-TUR moved today
    assert cli("advance", "RA-TUR", "--to", "signing", "--on", "2017-03-02", login="root")[0] == 0
    config = load_config(None)
    late = run_scan(seeded, config, date(2017, 3, 1), now=NOW, actor="scheduler")
    assert "RA-TUR" not in late.recorded and "RA-PAK" in late.recorded  # the others are flagged as before
    assert _flags(seeded, "RA-TUR") == []


def test_scan_records_changes_of_flag_once(seeded, cli):
    config = load_config(None)
    first = run_scan(seeded, config, date(2017, 3, 1), now=NOW, actor="scheduler")
    assert first.recorded == {code: level for code, _s, _d, _t, level, _m in EXPECTED_2017_03_01}
    again = run_scan(seeded, config, date(2017, 3, 1), now=NOW, actor="scheduler")
    assert again.recorded == {}  # a second scan on the same day records nothing
    assert _flags(seeded, "RA-TUR") == [(date(2017, 3, 1), "overdue", "scheduler")]
    # acknowledged, then escalated after the acknowledgement runs out
    assert cli("ack", "RA-TUR", "--on", "2017-03-02", "--until", "2017-03-20", "--note", "waiting")[0] == 0
    assert (
        run_scan(seeded, config, date(2017, 3, 3), now=NOW, actor="scheduler").recorded.get("RA-TUR") == "acknowledged"
    )
    assert run_scan(seeded, config, date(2017, 3, 31), now=NOW, actor="scheduler").recorded.get("RA-TUR") == "critical"
    # progress clears the flag
    assert cli("advance", "RA-TUR", "--to", "expert_talks", "--on", "2017-04-03")[0] == 0
    assert run_scan(seeded, config, date(2017, 4, 4), now=NOW, actor="scheduler").recorded.get("RA-TUR") == "cleared"
    assert [o for _d, o, _a in _flags(seeded, "RA-TUR")] == ["overdue", "acknowledged", "critical", "cleared"]


def test_flags_and_notes_do_not_block_a_backdated_move(seeded, cli):
    run_scan(seeded, load_config(None), date(2017, 3, 1), now=NOW, actor="scheduler")
    assert cli("note", "RA-PAK", "called, no answer", "--on", "2017-03-01")[0] == 0
    code, _out, err = cli("advance", "RA-PAK", "--to", "expert_talks", "--on", "2017-02-27")
    assert code == 0, err


def test_configuration_changes_thresholds_and_holidays(seeded, cli, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[stall.thresholds]\nmfa = 45\n[calendar]\nextra_holidays = ["2017-02-28"]\n', encoding="utf-8")
    code, out, err = cli("--config", str(path), "stalled", "--as-of", "2017-03-01", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert "RA-TUR" not in [r["code"] for r in rows]
    # the extra holiday takes Moldova from 90 to 89 working days: below its threshold
    assert "RA-MDA" not in [r["code"] for r in rows]
    assert "RA-MDA" in [r["code"] for r in _stalled(cli, "--as-of", "2017-03-01")]
    code, out, _ = cli("--config", str(path), "config", "show")
    assert code == 0
    line = next(row for row in out.splitlines() if row.startswith("stall.thresholds.mfa"))
    assert "45" in line and str(path) in line
    assert "default" in next(row for row in out.splitlines() if row.startswith("stall.thresholds.draft"))


@pytest.mark.parametrize(
    "content, key",
    [
        ("[stall.thresholds]\nratification = 10\n", "stall.thresholds.ratification"),
        ("[stall.thresholds]\nmfa = -5\n", "stall.thresholds.mfa"),
        ('[schedule]\nstall_scan = "0 25 * * *"\n', "schedule.stall_scan"),
        ('[calendar]\nextra_holidays = ["2017-02-30"]\n', "calendar"),
        ('timezone = "Mars/Olympus"\n', "timezone"),
        ("[stall\n", "not valid TOML"),
    ],
)
def test_a_wrong_configuration_value_is_an_error_naming_the_key(db, cli, tmp_path, content, key):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    code, _out, err = cli("--config", str(path), "stalled")
    assert code == 1 and err.startswith("Error:") and key in err
    assert len(err.strip().splitlines()) == 1
