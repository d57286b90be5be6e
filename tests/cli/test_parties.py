"""Counterparts by code or by name, at every door; refused with close matches."""

from __future__ import annotations

import json
import subprocess
import sys

import pycountry
import pytest

from tests.support import SEED, database_rows, ok, refused
from workflows.errors import BadInput
from workflows.parties import UnknownParty, display_name, known_codes, organisations, resolve

ADD = ["add", "RA-NEW", "--kind", "readmission", "--title-az", "Saziş", "--title-en", "Agreement", "--on", "2020-01-10"]


@pytest.mark.parametrize(
    "typed",
    ["MDA", "mda", " Mda ", "Moldova", "moldova", "MOLDOVA", "Moldova Respublikası", "Republic of Moldova"],
)
def test_moldova_by_code_or_by_name_is_mda(typed):
    assert resolve(typed) == "MDA"


@pytest.mark.parametrize(
    "typed, code",
    [
        ("İsveçrə", "CHE"),
        ("isvecre", "CHE"),
        ("Swiss Confederation", "CHE"),
        ("Islamic Republic of Pakistan", "PAK"),
        ("Pakistan İslam Respublikası", "PAK"),
        ("Almaniya Federativ Respublikası", "DEU"),
        ("Böyük Lüksemburq Hersoqluğu", "LUX"),
        ("Turkey", "TUR"),
        ("Türkiyə", "TUR"),
        ("Gürcüstan", "GEO"),
        ("European Union", "EU"),
        ("Avropa İttifaqı", "EU"),
        ("Beynəlxalq Miqrasiya Təşkilatı", "IOM"),
        ("icmpd", "ICMPD"),
        ("Benelux", "BNL"),
    ],
)
def test_countries_and_organisations_by_their_names_in_both_languages(typed, code):
    assert resolve(typed) == code


@pytest.mark.parametrize(
    "typed, suggested",
    [("Moldva", "MDA (Moldova)"), ("GE0", "GEO (Georgia)"), ("MD", "MDA (Moldova)"), ("Georgia!", "GEO (Georgia)")],
)
def test_a_near_miss_is_refused_with_the_close_matches(typed, suggested):
    with pytest.raises(UnknownParty) as caught:
        resolve(typed)
    message = str(caught.value)
    assert isinstance(caught.value, BadInput) and "\n" not in message
    assert f"unknown counterpart {typed!r}" in message and "did you mean" in message and suggested in message


def test_a_code_near_nothing_is_refused_naming_what_is_accepted():
    with pytest.raises(UnknownParty, match=r"unknown counterpart 'XYZQ'.*ISO 3166 alpha-3 .*EU, IOM, ICMPD"):
        resolve("XYZQ")


def test_a_name_shared_by_two_countries_is_not_guessed():
    with pytest.raises(UnknownParty, match="did you mean KOR"):
        resolve("Korea")  # the Republic of Korea, or the Democratic People's Republic of Korea


def test_names_in_azerbaijani_and_english_come_from_cldr_and_the_organisations_file():
    assert display_name("MDA", "en") == "Moldova" and display_name("MDA", "az") == "Moldova"
    assert display_name("CHE", "az") == "İsveçrə" and display_name("CHE", "en") == "Switzerland"
    assert display_name("EU", "az") == "Avropa İttifaqı" and display_name("IOM", "en").startswith("International")
    assert display_name("ZZZ", "az") == "ZZZ"  # a code held from before: shown as it is


def test_the_organisations_file_is_whole_and_collides_with_no_country():
    countries = {c.alpha_3 for c in pycountry.countries}
    for code, org in organisations().items():
        assert code not in countries and code == code.upper() and 2 <= len(code) <= 12
        assert org.name_en and org.name_az and org.source.startswith("https://"), code
    assert {"EU", "IOM", "ICMPD", "UNHCR", "BNL"} <= set(organisations())
    assert len(known_codes()) == len(organisations()) + len(countries)


def test_every_counterpart_of_the_seed_is_known():
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    parties = {p for agreement in doc["agreements"] for p in agreement["parties"]}
    assert {resolve(p) for p in parties} == parties


def test_add_stores_the_code_of_a_name(db, cli):
    ok(cli(*ADD, "--party", "Moldova Respublikası", "--party", "Georgia"))
    shown = json.loads(ok(cli("show", "RA-NEW", "--format", "json")))
    assert shown["parties"] == ["MDA", "GEO"]
    refused(cli("add", "RA-TWO", *ADD[2:], "--party", "MDA", "--party", "Moldova"), "twice")


def test_add_refuses_an_unknown_counterpart_and_records_nothing(db, cli):
    before = database_rows(db)
    refused(cli(*ADD, "--party", "XYZQ"), "unknown counterpart 'XYZQ'", exit_code=1)
    refused(cli(*ADD, "--party", "Moldva"), "did you mean MDA (Moldova)", exit_code=1)
    assert database_rows(db) == before


def test_the_party_filters_take_names(seeded, cli):
    by_name = json.loads(ok(cli("list", "--party", "moldova", "--format", "json")))
    assert [row["code"] for row in by_name] == ["RA-MDA"]
    assert ok(cli("log", "--party", "Moldova", "--format", "json")) == ok(
        cli("log", "--party", "MDA", "--format", "json")
    )
    refused(cli("list", "--party", "XYZQ"), "unknown counterpart", exit_code=1)


def test_a_recipient_follows_a_counterpart_named(db, cli):
    ok(cli("recipients", "add", "leyla@migration.gov.az", "--name", "Leyla", "--locale", "az", "--party", "Gürcüstan"))
    listed = json.loads(ok(cli("recipients", "list", "--format", "json")))
    assert listed[0]["parties"] == ["GEO"]
    refused(cli("recipients", "add", "x@migration.gov.az", "--name", "X", "--locale", "az", "--party", "XYZQ"), "XYZQ")


def test_an_import_file_takes_names_and_refuses_unknown_counterparts(db, cli, tmp_path):
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    doc["agreements"] = [a for a in doc["agreements"] if a["code"] == "RA-MDA"]
    doc["agreements"][0]["parties"] = ["Moldova"]
    named = tmp_path / "named.json"
    named.write_text(json.dumps(doc), encoding="utf-8")
    ok(cli("import", str(named)))
    assert json.loads(ok(cli("show", "RA-MDA", "--format", "json")))["parties"] == ["MDA"]
    doc["agreements"][0]["code"] = "RA-XYZ"
    doc["agreements"][0]["parties"] = ["XYZQ"]
    named.write_text(json.dumps(doc), encoding="utf-8")
    before = database_rows(db)
    refused(cli("import", str(named)), "unknown counterpart 'XYZQ'")
    assert database_rows(db) == before


def test_help_loads_no_country_tables():
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from agreements.cli import main\n"
        "CliRunner().invoke(main, ['--help'])\n"
        "CliRunner().invoke(main, ['add', '--help'])\n"
        "print(sorted(m for m in ('babel', 'pycountry') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
