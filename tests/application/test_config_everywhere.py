"""A configuration file that cannot be used stops every command that opens the
database, with the same one line naming the key, and nothing is recorded."""

from __future__ import annotations

import pytest

from tests.support import database_rows, ok, refused

BROKEN = {
    "invalid TOML": ("timezone = \n", "not valid TOML"),
    "unknown time zone": ('timezone = "Mars/Olympus_Mons"\n', "timezone: unknown time zone 'Mars/Olympus_Mons'"),
    "bad threshold": ("[stall.thresholds]\nmfa = -3\n", "stall.thresholds.mfa"),
}

COMMANDS = [
    ("list",),
    ("show", "RA-MDA"),
    ("history", "RA-MDA"),
    ("note", "RA-MDA", "Called the desk"),
    ("advance", "RA-MDA", "--on", "2016-12-20"),
    ("round", "RA-MDA", "--on", "2016-12-01", "--place", "Bakı"),
    ("search", "Kişinyov"),
    ("log", "--limit", "1"),
    ("stalled",),
    ("export",),
    ("recipients", "list"),
    ("report", "pipeline"),
    ("verify",),
]


@pytest.fixture
def broken_file(tmp_path, request):
    text, _fragment = BROKEN[request.param]
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("broken_file", list(BROKEN), indirect=True)
def test_a_broken_file_stops_every_command_alike_and_records_nothing(seeded, cli, broken_file, request):
    fragment = BROKEN[request.node.callspec.params["broken_file"]][1]
    before = database_rows(seeded)
    lines = set()
    for command in COMMANDS:
        lines.add(refused(cli("--config", str(broken_file), *command), str(broken_file), fragment, exit_code=1))
    assert len(lines) == 1, lines  # the same line whichever command reads it
    assert database_rows(seeded) == before


def test_the_environment_variable_names_the_file_as_well(seeded, cli, tmp_path, monkeypatch):
    path = tmp_path / "broken.toml"
    path.write_text('timezone = "Nowhere/Else"\n', encoding="utf-8")
    monkeypatch.setenv("AGREEMENTS_CONFIG", str(path))
    before = database_rows(seeded)
    refused(cli("list"), "timezone: unknown time zone 'Nowhere/Else'")
    refused(cli("note", "RA-MDA", "A note"), "timezone: unknown time zone 'Nowhere/Else'")
    assert database_rows(seeded) == before


def test_a_missing_file_is_a_usage_error_for_every_command(seeded, cli, tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.toml"
    before = database_rows(seeded)
    for command in COMMANDS:
        refused(cli("--config", str(missing), *command), str(missing), "--config", "does not exist", exit_code=2)
    monkeypatch.setenv("AGREEMENTS_CONFIG", str(missing))
    refused(cli("list"), "$AGREEMENTS_CONFIG", "does not exist", exit_code=2)
    assert database_rows(seeded) == before


def test_help_and_commands_that_read_no_configuration_still_run(seeded, cli, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("timezone = \n", encoding="utf-8")
    assert "Usage:" in ok(cli("--config", str(path), "list", "--help"))
    assert "Usage:" in ok(cli("--config", str(path), "digest"))
    assert "expert_talks" in ok(cli("--config", str(path), "workflow"))


def test_a_good_file_applies(seeded, cli, tmp_path):
    path = tmp_path / "good.toml"
    path.write_text('timezone = "Europe/Chisinau"\n', encoding="utf-8")
    assert "Europe/Chisinau" in ok(cli("--config", str(path), "config", "show"))
    ok(cli("--config", str(path), "list"))
