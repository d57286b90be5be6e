"""Tables that fit the terminal: wrapped at spaces, never a code or a date cut."""

from __future__ import annotations

import json

import pytest

from agreements.cli import output
from tests.support import ok
from workflows.short_titles import short_title


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("lang", ["en", "az"])
def test_list_fits_80_columns_with_every_code_whole(cli, seeded, monkeypatch, lang):
    codes = [row["code"] for row in json.loads(ok(cli("list", "--format", "json")))]
    monkeypatch.setenv("COLUMNS", "80")
    out = ok(cli("list", "--lang", lang))
    assert widest(out) <= 80, out
    starts = [line.split(" ")[0] for line in out.splitlines()]
    assert all(code in starts for code in codes)
    if lang == "en":  # a date in words stays on one line
        assert "31 December 2016" in out and "December\n" not in out
    else:
        assert "dekabrın 31-dək" in out


def test_the_history_of_a_plain_agreement_fits_80_columns(cli, seeded, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for lang in ("en", "az"):
        out = ok(cli("history", "RA-MDA", "--lang", lang))
        assert widest(out) <= 80, out
        assert "Kişinyov" in out  # the place moved into the details, not lost


def test_output_that_is_not_a_terminal_is_not_narrowed(cli, seeded, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    title = json.loads(ok(cli("show", "RA-MDA", "--format", "json")))["title_en"]
    out = ok(cli("show", "RA-MDA"))
    assert title in out and widest(out) > 80  # CliRunner's output is not a terminal: one line per title


@pytest.mark.parametrize("command", [("list",), ("history", "RA-MDA")])
def test_json_and_csv_do_not_depend_on_the_width(cli, seeded, monkeypatch, command):
    wide = [ok(cli(*command, "--format", fmt)) for fmt in ("json", "csv")]
    monkeypatch.setenv("COLUMNS", "40")
    assert [ok(cli(*command, "--format", fmt)) for fmt in ("json", "csv")] == wide


def test_a_narrow_terminal_wraps_cells_and_never_cuts_a_word_or_date(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    rows = [{"code": "PR-RUS-ROAD-2016", "when": "no later than 31 December 2016", "note": "a " * 30}]
    text = output.table(rows, [("code", "code"), ("when", "date"), ("note", "note")], wrap={"note": 60})
    assert "PR-RUS-ROAD-2016" in text and "31 December 2016" in text
    assert widest(text) > 30  # wider than asked rather than cutting the code or the date
    notes = [line for line in text.splitlines() if line.rstrip().endswith("a")]
    assert len(notes) > 1  # the free text wrapped over several lines
    monkeypatch.setenv("COLUMNS", "200")
    assert len(output.table(rows, [("code", "code"), ("when", "date"), ("note", "note")]).splitlines()) == 3


def test_free_text_breaks_a_long_word_only_when_it_must(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    rows = [{"code": "RA-EU", "note": "see https://example.org/" + "x" * 60}]
    text = output.table(rows, [("code", "code"), ("note", "note")], wrap={"note": 60})
    assert widest(text) <= 40
    assert "".join(line[7:].strip() for line in text.splitlines()[2:]).endswith("x" * 60)


def test_short_titles():
    assert short_title(["MDA"], "readmission") == "AZE–MDA readmission"
    assert short_title(["BEL", "NLD", "LUX"], "icra protokolu") == "AZE–BEL/NLD/LUX icra protokolu"
    assert short_title(["EU", "CZE", "BGR", "FRA"], "joint declaration") == "AZE–EU/CZE+2 joint declaration"


def test_list_shows_short_titles_in_the_language(cli, seeded):
    assert "AZE–MDA readmission" in ok(cli("list"))
    assert "AZE–MDA readmissiya" in ok(cli("list", "--lang", "az"))
