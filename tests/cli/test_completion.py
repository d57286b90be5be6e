"""Shell completion through click's protocol (the variables a shell's script
sets: _AGREEMENTS_COMPLETE, COMP_WORDS, COMP_CWORD), from the real database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from agreements.cli import main
from tests.support import ROOT, ok


def complete(line: str, shell: str = "bash", **env: str) -> list[str]:
    """What `agreements` offers for the last word of ``line`` (a trailing space: a new word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    result = CliRunner().invoke(
        main,
        [],
        prog_name="agreements",
        env={"_AGREEMENTS_COMPLETE": f"{shell}_complete", "COMP_WORDS": line, "COMP_CWORD": str(cword), **env},
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    lines = [line for line in result.stdout.splitlines() if line]
    return [item.split(",", 1)[1] for item in lines] if shell == "bash" else lines


def test_agreement_codes_complete_from_the_database(seeded):
    assert complete("agreements show RA-M") == ["RA-MDA", "RA-MNE"]
    assert complete("agreements advance ra-m") == ["RA-MDA", "RA-MNE"]  # any case, as codes are typed
    assert complete("agreements history IP-") == ["IP-BNL", "IP-DEU", "IP-LVA", "IP-SWE"]
    assert complete("agreements correct MC-") == ["MC-GEO", "MC-RUS"]
    assert len(complete("agreements note ")) == 18


def test_a_new_code_completes_nothing(seeded):
    assert complete("agreements add RA-M") == []


def test_stages_kinds_and_holders_complete_from_their_choices(seeded):
    assert complete("agreements advance RA-MDA --to in") == ["internal_approval", "in_force"]
    assert complete("agreements advance RA-MDA --to IN") == ["internal_approval", "in_force"]
    assert complete("agreements list --kind mem") == ["memorandum"]
    assert complete("agreements note RA-MDA text --awaiting co") == ["counterpart"]


def test_counterparts_complete_from_the_database_then_from_every_known_code(seeded):
    assert complete("agreements list --party M") == ["MDA", "MNE"]
    assert complete("agreements log --party s") == ["SVK", "SVN", "SWE"]
    assert complete("agreements add X --party UK") == ["UKR"]  # none on record: the known codes
    assert complete("agreements recipients add a@b.az --party ICM") == ["ICMPD"]


def test_recipients_complete_in_the_digest_commands_only(db, cli):
    for email in ("leyla@migration.gov.az", "head.legal@migration.gov.az"):
        ok(cli("recipients", "add", email, "--name", "N", "--locale", "az"))
    assert complete("agreements recipients remove le") == ["leyla@migration.gov.az"]
    assert complete("agreements recipients edit ") == ["head.legal@migration.gov.az", "leyla@migration.gov.az"]
    assert complete("agreements digest preview --recipient h") == ["head.legal@migration.gov.az"]
    assert complete("agreements digest resend l") == ["leyla@migration.gov.az"]
    assert complete("agreements users add x --email le") == []


def test_commands_complete_with_their_help_in_zsh(seeded):
    items = complete("agreements rec", shell="zsh")
    assert items[:2] == ["plain", "recipients"] and "weekly digest" in items[2]
    assert complete("agreements digest s") == ["send"]


@pytest.mark.parametrize(
    "env",
    [
        {"AGREEMENTS_DB": "/nonexistent/dir/agreements.db"},
        {"AGREEMENTS_DB": "mysql://u:p@h/db"},
        {"AGREEMENTS_DB": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
    ],
    ids=["no-file", "unsupported", "no-server"],
)
def test_completion_never_fails_it_offers_what_needs_no_database(env):
    assert complete("agreements show RA-", **env) == []
    assert complete("agreements list --party MD", **env) == ["MDA", "MDG", "MDV"]  # the known codes
    assert complete("agreements list --stage dr", **env) == ["draft"]


def test_the_readme_documents_completion_for_bash_zsh_and_fish():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_AGREEMENTS_COMPLETE={shell}_source agreements" in readme
    script = CliRunner().invoke(main, [], prog_name="agreements", env={"_AGREEMENTS_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_agreements_completion" in script.stdout
