"""The web view through Flask's test client, on SQLite and PostgreSQL: every
page in both languages, the filters of the list against the read queries the
command line uses, the history's marks, every error status as a page, the
security headers, and that nothing it serves writes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from agreements.config.settings import Config
from agreements.reads.listing import list_agreements, list_as_of
from agreements.reads.stalled import stalled
from agreements.store.database import Database
from agreements.web.app import SECURITY_HEADERS, create_app
from agreements.web.pages import pager
from tests.support import clock_at, database_rows, ok
from workflows.stages import STAGE_NAMES

DAY = date(2017, 3, 1)  # a Wednesday: some stalls overdue, some critical
PAGES = [
    "/agreements",
    "/agreements?stage=mfa&sort=since&order=desc",
    "/agreements?as_of=2016-07-01",
    "/agreements/RA-MDA",
    "/agreements/RA-MDA?as_of=2016-07-01",
    "/agreements/MP-EU",
    "/search?q=Kişinyov",
    "/search",
    "/stalled",
    "/stalled?all=1&as_of=2017-06-01",
    "/reports",
    "/reports?as_of=2016-07-01",
    "/reports/durations",
]


def _config(tmp_path: Path) -> Config:
    return Config(path=tmp_path / "absent.toml", loaded=False)


@pytest.fixture
def client(seeded, tmp_path):
    app = create_app(seeded, _config(tmp_path), clock_at(DAY))
    return app.test_client()


def listed(html: str) -> list[str]:
    """The codes of the list's rows, in order."""
    return re.findall(r'<td class="code"><a href="/agreements/([A-Z0-9-]+)', html)


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    html = response.get_data(as_text=True)
    assert "Traceback" not in html
    return html


@pytest.mark.parametrize("lang", ["en", "az"])
def test_every_page_answers_in_both_languages(client, lang):
    for url in PAGES:
        html = get(client, url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert f'<html lang="{lang}">' in html, url
        assert ("Sazişlər" if lang == "az" else "Agreements") in html
        # the switch to the other language keeps the page and its parameters
        other = "en" if lang == "az" else "az"
        assert f'hreflang="{other}"' in html


def test_the_language_follows_the_browser_unless_asked(client):
    assert '<html lang="az">' in get_with(client, "/agreements", {"Accept-Language": "az-AZ,az;q=0.9,en;q=0.5"})
    assert '<html lang="en">' in get_with(client, "/agreements", {"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="en">' in get_with(client, "/agreements?lang=en", {"Accept-Language": "az"})


def get_with(client, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_shows_what_the_read_queries_give(client, seeded):
    html = get(client, "/agreements")
    assert listed(html) == [r["code"] for r in list_agreements(seeded)]
    assert "18 agreement(s)" in html
    assert "18 saziş" in get(client, "/agreements?lang=az")
    mfa = listed(get(client, "/agreements?stage=mfa"))
    assert mfa == [r["code"] for r in list_agreements(seeded, stage="mfa")] and len(mfa) == 5
    assert listed(get(client, "/agreements?party=rus")) == [r["code"] for r in list_agreements(seeded, party="RUS")]
    assert listed(get(client, "/agreements?kind=readmission")) == [
        r["code"] for r in list_agreements(seeded, kind="readmission")
    ]
    waiting = listed(get(client, "/agreements?awaiting=counterpart"))
    assert waiting == [r["code"] for r in list_agreements(seeded) if r["awaiting"] == "counterpart"] and waiting
    in_force = listed(get(client, "/agreements?awaiting=none"))
    assert in_force == ["MP-EU", "RA-EU"]
    flagged = listed(get(client, "/agreements?stalled=1"))
    assert flagged == sorted(s.code for s in stalled(seeded, Config(path=Path("x"), loaded=False), DAY)) and flagged
    html = get(client, "/agreements?as_of=2016-07-01")
    then = list_as_of(seeded, date(2016, 7, 1))
    assert listed(html) == [r["code"] for r in then]
    # what the history does not say for certain of that day is said so
    assert any(r["stage"] is None for r in then) and ("possibly" in html or "not yet recorded" in html)
    assert "As they stood at the end of 2016-07-01" in html


def test_the_list_sorts_by_its_columns_and_counts_per_stage(client, seeded):
    by_since = listed(get(client, "/agreements?sort=since"))
    rows = {r["code"]: r for r in list_agreements(seeded)}
    days = [rows[c]["stage_since"] for c in by_since]
    assert days == sorted(days) and by_since[0] == "MP-EU"
    assert listed(get(client, "/agreements?sort=since&order=desc")) == list(reversed(by_since))
    by_stage = listed(get(client, "/agreements?sort=stage"))
    order = [STAGE_NAMES.index(rows[c]["stage"]) for c in by_stage]
    assert order == sorted(order) and rows[by_stage[0]]["stage"] == "draft"
    html = get(client, "/agreements?party=RUS")
    # counts per stage of what is listed, each a link that filters on it
    assert re.search(r"expert talks <b>2</b>", html) and re.search(r"internal approval <b>1</b>", html)
    assert 'aria-sort="ascending"' in html


def test_a_long_list_comes_a_hundred_rows_a_page(client, cli, tmp_path):
    more = {
        "format": "agreements-history",
        "version": 1,
        "agreements": [
            {
                "code": f"XT-{i:03d}",
                "title_az": f"Saziş {i}",
                "title_en": f"Agreement {i}",
                "kind": "other",
                "parties": ["GEO"],
                "events": [{"kind": "opened", "to": "draft", "on": "2020-01-01", "actor": "t"}],
            }
            for i in range(95)
        ],
    }
    path = tmp_path / "more.json"
    path.write_text(json.dumps(more), encoding="utf-8")
    ok(cli("import", str(path)))
    first = get(client, "/agreements")
    assert len(listed(first)) == 100 and "1–100 of 113 agreements" in first
    second = get(client, "/agreements?page=2")
    assert len(listed(second)) == 13 and not set(listed(first)) & set(listed(second))
    assert "96 agreement(s)" in get(client, "/agreements?party=GEO")  # MC-GEO and the 95: one page
    assert get(client, "/agreements?page=3", 400)
    assert pager(1, 100) == [1, 2, 3, None, 100] and pager(50, 100) == [1, None, 48, 49, 50, 51, 52, None, 100]
    assert pager(1, 1) == [1]


def test_the_agreement_page_shows_titles_relations_history_and_timeline(client, seeded):
    html = get(client, "/agreements/IP-LVA")
    assert "Implementing Protocol between the Government of the Republic of Azerbaijan" in html
    assert 'href="/agreements/RA-EU?lang=en">RA-EU</a>' in html  # the agreement it implements
    assert 'href="/agreements/IP-LVA">http://localhost/agreements/IP-LVA</a>' in html  # the permalink
    html = get(client, "/agreements/MC-RUS?lang=az")
    assert "Azərbaycan Respublikası Hökuməti ilə Rusiya Federasiyası Hökuməti arasında" in html
    assert "2016-cı ilin noyabrın 24-dən dekabrın 31-dək" in html  # an uncertain date in Azerbaijani
    assert '<svg class="timeline"' in html and "band-internal_approval" in html and 'class="mark round' in html
    html = get(client, "/agreements/MC-RUS")
    assert "between 24 November and 31 December 2016" in html and 'class="approx"' in html
    html = get(client, "/agreements/RA-EU")
    assert 'class="mark in-force' in html and "In force since" in html
    assert 'class="mark signature' in get(client, "/agreements/RA-CHE")


def test_corrections_and_retractions_are_marked_with_the_original_kept(client, cli):
    ok(cli("note", "RA-MDA", "Draft sent to Chişinău", "--on", "2016-11", "--ref", "letter No. 02/1097"))
    ok(cli("correct", "RA-MDA", "3", "--place", "Bakı şəhəri", "--reason", "the report says Bakı şəhərində"))
    ok(cli("retract", "RA-MDA", "4", "--reason", "entered on the wrong agreement"))
    html = get(client, "/agreements/RA-MDA")
    corrected = _row(html, 3)
    assert "corrected" in corrected and "Bakı şəhəri" in corrected and "place was: Bakı" in corrected
    assert 'href="#entry-5">#5</a>' in corrected
    retracted = _row(html, 4)
    assert "retracted" in retracted and "retracted by #6" in retracted and "Draft sent to Chişinău" in retracted
    assert 'class="approx"' in retracted  # November 2016: not known to the day
    assert "corrects #3" in _row(html, 5) and "place: Bakı şəhəri" in _row(html, 5)
    assert "retracts #4" in _row(html, 6)
    az = get(client, "/agreements/RA-MDA?lang=az")
    assert "yer əvvəl: Bakı" in _row(az, 3) and "geri götürülüb" in _row(az, 4)
    assert "2016-cı ilin noyabr ayı" in _row(az, 4)


def _row(html: str, seq: int) -> str:
    match = re.search(rf'<tr id="entry-{seq}" class="([^"]*)">(.*?)</tr>', html, re.S)
    assert match, seq
    return match.group(1) + match.group(2)


def test_each_party_s_acts_are_shown_after_signature(client, cli):
    ok(
        cli(
            "act",
            "RA-CHE",
            "--party",
            "CHE",
            "--kind",
            "ratification",
            "--on",
            "2017-01-20",
            "--instrument",
            "Federal Decree",
        )
    )
    ok(
        cli(
            "act",
            "RA-CHE",
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2017-02-01",
            "--received",
            "2017-02-03",
        )
    )
    html = get(client, "/agreements/RA-CHE")
    section = html[html.index('id="after-signature"') : html.index('id="timeline"')]
    che = re.search(r"<tr><td>CHE</td>(.*?)</tr>", section, re.S)
    assert che and "Federal Decree" in che.group(1) and "<td>2017-02-03</td>" in che.group(1)
    assert "Notification received" in section and "<td>AZE</td>" in section
    assert "Bildiriş alınıb" in get(client, "/agreements/RA-CHE?lang=az")
    assert "Not signed." in get(client, "/agreements/RA-MDA")


def test_as_of_a_day_the_agreement_stands_as_then(client):
    html = get(client, "/agreements/RA-MDA?as_of=2016-07-01")
    assert "As it stood at the end of 2016-07-01" in html
    assert 'id="entry-2"' in html and 'id="entry-3"' not in html  # the October round came later


def test_search_highlights_the_matches(client):
    html = get(client, "/search?q=Kişinyov")
    assert "<mark>Kişinyov</mark>" in html and 'href="/agreements/RA-MDA?lang=en"' in html
    assert "<mark>" not in get(client, "/search?q=kisinyov")
    assert "<mark>Kişinyov</mark>" in get(client, "/search?q=kisinyov&fold=1")
    hostile = get(client, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_the_stalled_board_and_the_reports(client, seeded):
    html = get(client, "/stalled")
    flagged = stalled(seeded, Config(path=Path("x"), loaded=False), DAY)
    for stall in flagged:
        assert f">{stall.code}</a>" in html
    assert 'id="critical"' in html and 'id="overdue"' in html and "more: the whole list" not in html
    assert {s.level for s in flagged} == {"critical", "overdue"}
    assert "kritik" in get(client, "/stalled?lang=az")
    html = get(client, "/reports")
    assert html.count('class="bar holder-') >= 6 and "18 agreements" in html
    html = get(client, "/reports/durations")
    assert html.count('class="bar median') >= 6 and "383.5 / 659.9 days" in html  # expert talks: median / 90th
    assert "Possibly in a stage by then" in get(client, "/reports?as_of=2016-07-01")


@pytest.mark.parametrize(
    "url, status, words",
    [
        ("/agreements/XX-NONE", 404, "No agreement has the code XX-NONE."),
        ("/agreements/bad%20code!", 404, "No agreement has the code"),
        ("/nowhere", 404, "There is no such page."),
        ("/agreements?as_of=2016-13-01", 400, "“2016-13-01” is not a date"),
        ("/agreements/RA-MDA?as_of=yesterday", 400, "is not a date"),
        ("/stalled?as_of=2017-02-30", 400, "is not a date"),
        ("/reports?as_of=1.1.2016", 400, "is not a date"),
        ("/agreements?stage=ratified", 400, "“ratified” is not a Stage"),
        ("/agreements?party=Moldova%20Republic", 400, "is not a counterpart code"),
        ("/agreements?sort=title", 400, "“title” is not a sort"),
        ("/agreements?page=99", 400, "“99” is not a page"),
        ("/agreements?lang=fr", 400, "“fr” is not a language"),
        ("/search?q=%22%22", 400, "Nothing to search for"),
        ("/agreements/XX-NONE?lang=az", 404, "XX-NONE kodlu saziş yoxdur."),
        ("/agreements?as_of=2016-13-01&lang=az", 400, "tarix deyil"),
    ],
)
def test_errors_are_pages_in_the_page_language(client, url, status, words):
    html = get(client, url, status)
    assert words in html and f'<span class="status">{status}</span>' in html


def test_only_reads_are_allowed(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/agreements", data={"stage": "mfa"})
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
        assert "it answers GET and HEAD requests" in response.get_data(as_text=True)
    assert client.options("/agreements").status_code == 405
    assert client.post("/nowhere").status_code == 405
    head = client.head("/agreements/RA-MDA")
    assert head.status_code == 200 and head.get_data() == b""


def test_every_response_carries_the_security_headers(client):
    for url, status in (
        ("/agreements", 200),
        ("/nowhere", 404),
        ("/agreements?as_of=x", 400),
        ("/static/site.css", 200),
    ):
        response = client.get(url)
        assert response.status_code == status
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (url, name)
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    # no inline script nor style attribute that the policy would block
    for url in PAGES:
        html = get(client, url)
        assert "<script" not in html and " style=" not in html and "<style" not in html, url


def test_a_lower_case_code_redirects_to_its_permalink(client):
    response = client.get("/agreements/ra-mda?lang=az")
    assert response.status_code == 301 and response.headers["Location"] == "/agreements/RA-MDA?lang=az"
    assert client.get("/").status_code == 302


def test_serving_pages_changes_nothing(client, seeded):
    before = database_rows(seeded)
    for url in PAGES:
        get(client, url)
    client.post("/agreements", data={"stage": "mfa"})
    assert database_rows(seeded) == before


def test_forwarded_headers_count_only_when_proxies_are_configured(seeded, tmp_path):
    headers = {
        "X-Forwarded-Host": "agreements.example.gov.az",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/t",
    }
    plain = create_app(seeded, _config(tmp_path), clock_at(DAY)).test_client()
    html = get_with(plain, "/agreements/RA-MDA", headers)
    assert "http://localhost/agreements/RA-MDA" in html and "example.gov.az" not in html
    proxied = create_app(seeded, _config(tmp_path), clock_at(DAY), proxies=1).test_client()
    html = get_with(proxied, "/agreements/RA-MDA", headers)
    assert ">https://agreements.example.gov.az/t/agreements/RA-MDA</a>" in html
    assert 'href="/t/static/site.css"' in html


def test_a_broken_database_is_a_500_page_not_a_traceback(tmp_path, caplog):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # a file, but no tracker tables in it
    app = create_app(Database(f"sqlite:///{empty}"), _config(tmp_path), clock_at(DAY))
    html = get(app.test_client(), "/agreements?lang=az", 500)
    assert "Səhifə qurula bilmədi" in html and "no such table" not in html
    html = get(app.test_client(), "/agreements/RA-MDA", 500)
    assert "The page could not be built" in html
    # the details go to the server's log, with the traceback
    failed = [r for r in caplog.records if r.name == "agreements.web" and r.exc_info]
    assert [r.getMessage() for r in failed] == ["GET /agreements failed", "GET /agreements/RA-MDA failed"]
