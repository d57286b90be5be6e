"""The habits of a well-made command line: help without an error, "did you
mean", stage names in any case, hints that name only what works, one exit code
per kind of error, and commands that say what they did."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreements.cli import main
from tests.support import Server, database_rows, ok, refused, smtp_config_file

GROUPS = ("report", "digest", "users", "recipients", "scheduler", "config")
MONDAY = date(2026, 11, 30)  # ISO week 2026-W49


def invoke(*args: str):
    """The command line run in-process as `agreements ARGS` (no database needed)."""
    return CliRunner().invoke(main, list(args), prog_name="agreements")


def _add(cli, code, *extra):
    args = ["add", code, "--kind", "other", "--party", "GEO", "--title-az", "Saziş", "--title-en", "Agreement"]
    return ok(cli(*args, "--on", "2020-01-10", *extra))


# --------------------------------------------------------------------------- help


def test_bare_agreements_prints_its_help_and_exits_0():
    result = invoke()
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: agreements [OPTIONS] COMMAND") and "Commands:" in result.stdout
    assert "Example" in result.stdout and "Error" not in result.stdout


@pytest.mark.parametrize("group", GROUPS)
def test_a_bare_group_prints_its_help_and_exits_0(group):
    result = invoke(group)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(f"Usage: agreements {group} [OPTIONS] COMMAND") and "Commands:" in result.stdout
    assert f"agreements {group} " in result.stdout.split("Example", 1)[1]  # an example of the group in use


@pytest.mark.parametrize("words", [(), ("advance",), ("digest",), ("digest", "send"), ("report", "pipeline")])
def test_help_command_prints_what_help_option_prints(words):
    via_command = invoke("help", *words)
    via_option = invoke(*words, "--help")
    assert via_command.exit_code == 0 and via_command.stderr == ""
    assert via_command.stdout == via_option.stdout
    assert via_command.stdout.startswith(f"Usage: agreements {' '.join(words)}".rstrip() + " ")


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("lst",), "No such command 'lst'. Did you mean 'list'?"),
        (("help", "advence"), "No such command 'advence'. Did you mean 'advance'?"),
        (("digest", "sned"), "Did you mean 'send'?"),
        (("help", "digest", "sned"), "Did you mean 'send'?"),
        (("recipients", "lsit"), "Did you mean 'list'?"),
        (("help", "list", "more"), "`agreements list` has no subcommands"),
    ],
)
def test_a_mistyped_command_is_answered_with_the_close_ones(args, fragment):
    result = invoke(*args)
    refused((result.exit_code, result.stdout, result.stderr), fragment, exit_code=2)


# --------------------------------------------------------------------------- stages, kinds, codes


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("list", "--stage", "expert_talk"), "Did you mean 'expert_talks'?"),
        (("list", "--stage", "in-force"), "Did you mean 'in_force'?"),
        (("list", "--kind", "readmision"), "Did you mean 'readmission'?"),
        (("log", "--event-kind", "rounds"), "Did you mean 'round'?"),
        (("advance", "RA-MDA", "--to", "internal"), "Did you mean 'internal_approval'?"),
    ],
)
def test_a_mistyped_stage_or_kind_is_answered_with_the_close_ones(seeded, cli, args, fragment):
    refused(cli(*args), fragment, exit_code=2)


def test_stage_names_are_taken_in_any_case_as_codes_are(seeded, cli):
    lower = ok(cli("list", "--stage", "mfa", "--format", "json"))
    assert ok(cli("list", "--stage", "MFA", "--format", "json")) == lower and json.loads(lower)
    out = ok(cli("advance", "ra-mda", "--to", "Internal_Approval", "--on", "2016-12-20"))
    assert out.startswith("RA-MDA: expert_talks -> internal_approval")
    _add(cli, "RA-NEW", "--stage", "EXPERT_TALKS")
    assert json.loads(ok(cli("show", "RA-NEW", "--format", "json")))["stage"] == "expert_talks"


def test_an_unknown_agreement_code_is_answered_with_the_close_ones(seeded, cli):
    line = refused(cli("show", "RA-MDX"), "no agreement with code 'RA-MDX'")
    assert "did you mean RA-MDA" in line
    line = refused(cli("history", "QQ-QQQQQQ"), "no agreement with code 'QQ-QQQQQQ'")
    assert "did you mean" not in line


# --------------------------------------------------------------------------- hints that name only what works


def test_advance_to_terminated_points_to_terminate_not_to_an_option_it_lacks(seeded, cli):
    before = database_rows(seeded)
    line = refused(cli("advance", "RA-MDA", "--to", "terminated"), "terminating needs a reason")
    assert "`agreements terminate CODE --reason TEXT`" in line and "(--reason" not in line
    assert database_rows(seeded) == before
    out = ok(cli("terminate", "RA-MDA", "--reason", "Abandoned by mutual consent", "--on", "2017-01-10"))
    assert "-> terminated" in out


def test_a_round_hints_at_a_move_only_when_the_lifecycle_allows_it(seeded, cli):
    line = refused(cli("round", "RA-EU", "--on", "2024-05-01", "--place", "Brüssel"), "RA-EU is in in_force")
    assert "advance" not in line and "no move leads there from in_force" in line
    line = refused(cli("round", "IA-KAZ", "--on", "2024-05-01", "--place", "Astana"), "IA-KAZ is in draft")
    assert "`agreements advance IA-KAZ --to expert_talks`" in line
    ok(cli("advance", "IA-KAZ", "--to", "expert_talks", "--on", "2024-04-01"))  # the hint works
    ok(cli("round", "IA-KAZ", "--on", "2024-05-01", "--place", "Astana"))


def test_a_search_without_hits_mentions_ignore_diacritics(seeded, cli):
    out = ok(cli("search", "kisinyov"))
    assert "0 hit(s)" in out
    assert "--ignore-diacritics" in out and "1 hit(s): agreements search kisinyov --ignore-diacritics" in out
    assert "1 hit(s)" in ok(cli("search", "kisinyov", "--ignore-diacritics"))
    out = ok(cli("search", "qwzxv"))
    assert "0 hit(s)" in out and "--ignore-diacritics" in out and "either" in out
    assert json.loads(ok(cli("search", "kisinyov", "--format", "json"))) == []  # scripts get data only


# --------------------------------------------------------------------------- one exit code per kind of error


@pytest.mark.parametrize(
    "args",
    [
        ("digest", "preview", "--week", "2026-W99"),
        ("digest", "send", "--week", "2026-48"),
        ("digest", "resend", "a@migration.gov.az", "--week", "W48"),
        ("outbox", "--week", "last"),
    ],
)
def test_a_bad_week_is_a_usage_error_like_a_bad_date(seeded, cli, args):
    before = database_rows(seeded)
    refused(cli(*args), "invalid week", "--week", exit_code=2)
    refused(cli("list", "--as-of", "2016-13-01"), "--as-of", exit_code=2)
    assert database_rows(seeded) == before


@pytest.mark.parametrize("holder", ["counterpart", "government", "us", None])
def test_suspend_and_advance_to_suspended_leave_the_same_holder(db, cli, holder):
    extra = ("--awaiting", holder) if holder else ()
    _add(cli, "RA-ONE", "--stage", "mfa", *extra)
    _add(cli, "RA-TWO", "--stage", "mfa", *extra)
    ok(cli("suspend", "RA-ONE", "--on", "2021-01-10"))
    ok(cli("advance", "RA-TWO", "--to", "suspended", "--on", "2021-01-10"))
    one, two = (json.loads(ok(cli("show", code, "--format", "json"))) for code in ("RA-ONE", "RA-TWO"))
    assert one["awaiting"] == two["awaiting"] == (holder or "mfa")
    assert one["history"][-1]["awaiting"] == two["history"][-1]["awaiting"]
    assert ok(cli("resume", "RA-ONE", "--on", "2021-02-01")) == ok(
        cli("resume", "RA-TWO", "--on", "2021-02-01")
    ).replace("RA-TWO", "RA-ONE")


@pytest.mark.parametrize(
    "url", ["mysql://tracker:s3cret@db.example/agreements", "oracle+cx_oracle://u:s3cret@h/x", "postgres://u@h/db"]
)
def test_an_unsupported_database_url_is_refused_naming_the_supported_ones(url, monkeypatch):
    result = invoke("--db", url, "list")
    line = refused((result.exit_code, result.stdout, result.stderr), "unsupported database", exit_code=2)
    assert "SQLite" in line and "postgresql+psycopg://" in line and "s3cret" not in line
    monkeypatch.setenv("AGREEMENTS_DB", url)
    result = invoke("show", "RA-MDA")
    refused((result.exit_code, result.stdout, result.stderr), "$AGREEMENTS_DB", exit_code=2)


# --------------------------------------------------------------------------- commands that say what they did


def _recipients(cli):
    ok(cli("recipients", "add", "leyla@migration.gov.az", "--name", "Leyla Məmmədova", "--locale", "az"))
    ok(cli("recipients", "add", "head.legal@migration.gov.az", "--name", "Head of Legal", "--locale", "en"))


def test_digest_send_names_each_file_written(seeded, cli, tmp_path):
    _recipients(cli)
    folder = tmp_path / "outbox"
    config = tmp_path / "files.toml"
    config.write_text(f'[digest]\ntransport = "file"\nfolder = "{folder}"\n', encoding="utf-8")
    out = ok(cli("--config", str(config), "digest", "send", at=MONDAY))
    written = re.findall(r"^  wrote (.+\.eml)$", out, re.MULTILINE)
    assert len(written) == 2 and sorted(Path(p).parent for p in written) == [folder, folder]
    assert all(Path(p).is_file() and "2026-W49" in Path(p).name for p in written), written
    assert any("leyla@migration.gov.az" in p for p in written)
    again = ok(cli("--config", str(config), "digest", "send", at=MONDAY))
    assert "wrote" not in again  # nothing sent twice, nothing named twice


def test_digest_send_names_each_address_sent_to(seeded, cli, tmp_path):
    _recipients(cli)
    with Server() as server:
        config = smtp_config_file(tmp_path, server.port)
        out = ok(cli("--config", str(config), "digest", "send", at=MONDAY))
    sent = re.findall(r"^  sent 2026-W49 to (\S+) via smtp://127\.0\.0\.1:\d+", out, re.MULTILINE)
    assert sorted(sent) == ["head.legal@migration.gov.az", "leyla@migration.gov.az"]
    assert sorted(e.rcpt_tos[0] for e in server.sink.envelopes) == sorted(sent)


def test_recipients_edit_changes_what_is_given_and_nothing_else(db, cli):
    _recipients(cli)
    out = ok(
        cli("recipients", "edit", "leyla@Migration.Gov.AZ", "--lang", "en", "--party", "Georgia", "--party", "MDA")
    )
    assert out == "Changed Leyla Məmmədova <leyla@migration.gov.az> (en); follows: party GEO, MDA.\n"
    ok(cli("recipients", "edit", "leyla@migration.gov.az", "--kind", "readmission", "--only-needs-action"))
    rows = {r["email"]: r for r in json.loads(ok(cli("recipients", "list", "--format", "json")))}
    leyla = rows["leyla@migration.gov.az"]
    assert (leyla["name"], leyla["locale"], leyla["parties"], leyla["kinds"]) == (
        "Leyla Məmmədova",
        "en",
        ["GEO", "MDA"],
        ["readmission"],
    )
    assert leyla["only_needs_action"] is True
    assert rows["head.legal@migration.gov.az"]["parties"] == []  # the other recipient untouched
    out = ok(cli("recipients", "edit", "leyla@migration.gov.az", "--everything", "--all-sections", "--name", "Leyla"))
    assert out.endswith("follows: everything.\n") and out.startswith("Changed Leyla <")


def test_recipients_edit_refuses_what_it_cannot_do_and_changes_nothing(db, cli):
    _recipients(cli)
    before = database_rows(db)
    refused(
        cli("recipients", "edit", "nobody@migration.gov.az", "--name", "X"), "no recipient 'nobody@migration.gov.az'"
    )
    refused(cli("recipients", "edit", "leyla@migration.gov.az"), "nothing to change")
    refused(cli("recipients", "edit", "leyla@migration.gov.az", "--party", "XYZQ"), "unknown counterpart 'XYZQ'")
    refused(cli("recipients", "edit", "leyla@migration.gov.az", "--name", "Bad\nName"), "line breaks")
    refused(cli("recipients", "edit", "leyla@migration.gov.az", "--locale", "ru"), "--locale", exit_code=2)
    assert database_rows(db) == before
    line = refused(cli("recipients", "add", "leyla@migration.gov.az", "--name", "L", "--locale", "az"), "already")
    assert "agreements recipients edit leyla@migration.gov.az" in line


def test_scheduler_logs_in_the_configured_zone_with_its_offset(db, cli, tmp_path):
    config = tmp_path / "tokyo.toml"
    config.write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    code, _out, err = cli("--config", str(config), "scheduler", "run", "--once", at=MONDAY)
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(
        re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00 (INFO|WARNING) agreements", line) for line in lines
    ), lines
