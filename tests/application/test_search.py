"""Full-text search: Azerbaijani case and diacritics, hostile strings, the index kept in sync."""

from __future__ import annotations

import json

import pytest

from agreements.reads.search import fts5_query, parse, search


def codes(hits):
    return [(h["code"], h["date_label"], h["kind"]) for h in hits]


@pytest.mark.parametrize("query", ["Kişinyov", "kişinyov", "KİŞİNYOV", "KIŞINYOV", "kişinyovda"[:8]])
def test_azerbaijani_case_insensitive(seeded, query):
    hits = search(seeded, query)
    assert codes(hits) == [("RA-MDA", "2016-02-23", "round")]
    assert "[Kişinyov]" in hits[0]["snippet"]


def test_diacritics_only_on_request(seeded):
    assert search(seeded, "Kisinyov") == []
    assert codes(search(seeded, "Kisinyov", fold=True)) == [("RA-MDA", "2016-02-23", "round")]
    assert codes(search(seeded, "KISINYOV", fold=True)) == [("RA-MDA", "2016-02-23", "round")]


@pytest.mark.parametrize("query", ["Bakı", "BAKI", "bakı", "baki"])
def test_dotless_i_matches_either_case(seeded, query):
    hits = search(seeded, query)
    assert ("RA-MDA", "2016-10-18", "round") in codes(hits)
    assert any("[Bakı]" in h["snippet"] for h in hits)


def test_schwa_case_and_fold_in_titles(seeded):
    upper = search(seeded, "AZƏRBAYCAN", limit=100)
    lower = search(seeded, "azərbaycan", limit=100)
    assert upper and {h["code"] for h in upper} == {h["code"] for h in lower}
    # every title, and one note of the seed (RA-EU's quote of the Mobility Partnership's point 9)
    assert sorted((h["code"], h["source"]) for h in upper if h["source"] != "title") == [("RA-EU", "event")]
    assert len([h for h in upper if h["source"] == "title"]) == 18
    assert search(seeded, "azerbaycan", limit=100) == []
    assert {h["code"] for h in search(seeded, "azerbaycan", fold=True, limit=100)} == {h["code"] for h in lower}


def test_english_title_words_and_prefix(seeded):
    hits = search(seeded, "readmission Moldova")
    assert codes(hits)[0] == ("RA-MDA", "", "title")
    assert "[Moldova]" in hits[0]["snippet"]
    assert "RA-MDA" in {h["code"] for h in search(seeded, "readmiss")}


def test_limit(seeded):
    assert len(search(seeded, "agreement", limit=3)) == 3


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "'; DROP TABLE",
        "-",
        "",
        "   ",
        '"unbalanced',
        "a OR b",
        "x AND",
        "NOT",
        "^",
        "col:1",
        "(((",
        "a-b",
        "ə*",
    ],
)
def test_hostile_strings_never_crash(seeded, cli, query):
    code, out, err = cli("search", query)
    assert code in (0, 1), err
    assert "Traceback" not in out + err
    if code == 1:
        assert err.startswith("Error: nothing to search for")
    code, out, err = cli("search", query, "--ignore-diacritics", "--format", "json")
    assert code in (0, 1)
    if code == 0:
        json.loads(out)
    # still there
    assert cli("list")[0] == 0


def test_parse_quotes_each_word_as_data():
    assert fts5_query(parse('"NEAR(a b)*'), False) == '"NEAR a" * AND "b" *'
    assert fts5_query(parse("'; DROP TABLE"), False) == '"DROP" * AND "TABLE" *'
    assert fts5_query(parse("02/1097 İstanbul"), True) == '"02 1097" * AND "istanbul" *'


def test_new_events_and_titles_are_indexed(seeded, cli):
    code, _out, err = cli(
        "note", "RA-TUR", "Görüş Ankarada keçirildi", "--on", "2017-01-16", "--ref", "note verbale No. 4/118"
    )
    assert code == 0, err
    assert codes(search(seeded, "ANKARADA")) == [("RA-TUR", "2017-01-16", "note")]
    assert codes(search(seeded, "gorus", fold=True)) == [("RA-TUR", "2017-01-16", "note")]
    assert codes(search(seeded, "4/118")) == [("RA-TUR", "2017-01-16", "note")]
    code, _out, err = cli(
        "add",
        "RA-GEO",
        "--kind",
        "readmission",
        "--party",
        "GEO",
        "--on",
        "2020-01-10",
        "--title-az",
        "Gürcüstan ilə readmissiya haqqında Saziş",
        "--title-en",
        "Agreement with Georgia on readmission",
    )
    assert code == 0, err
    assert codes(search(seeded, "GÜRCÜSTAN readmissiya")) == [("RA-GEO", "", "title")]


def test_cli_output(seeded, cli):
    code, out, err = cli("search", "Kisinyov", "--ignore-diacritics")
    assert code == 0, err
    assert "RA-MDA" in out and "[Kişinyov]" in out and "1 hit(s)" in out
    code, out, _ = cli("search", "Kişinyov", "--format", "json")
    hit = json.loads(out)[0]
    assert (hit["code"], hit["on"], hit["source"]) == ("RA-MDA", "2016-02-23", "event")
    code, out, _ = cli("search", "Kişinyov", "--format", "csv")
    assert out.splitlines()[0] == "code,source,kind,on,date_precision,snippet,score"


def test_postgres_search(pg_db, cli, monkeypatch):
    from sqlalchemy.engine import make_url

    monkeypatch.setenv("AGREEMENTS_DB", pg_db.url)
    from tests.support import SEED

    code, _out, err = cli("import", str(SEED))
    assert code == 0, err
    assert codes(search(pg_db, "KİŞİNYOV")) == [("RA-MDA", "2016-02-23", "round")]
    assert search(pg_db, "Kisinyov") == []
    assert codes(search(pg_db, "kisinyov", fold=True)) == [("RA-MDA", "2016-02-23", "round")]
    assert ("RA-MDA", "2016-10-18", "round") in codes(search(pg_db, "BAKI"))
    for hostile in ('"', "NEAR(", "'; DROP TABLE", "a:*", "!&|"):
        try:
            search(pg_db, hostile)
        except Exception as exc:  # only the clear message
            assert "nothing to search for" in str(exc)
    del make_url
