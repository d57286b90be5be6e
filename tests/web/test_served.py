"""`agreements serve` as a user starts it: the real waitress server in its
own process on a free port of 127.0.0.1, read over HTTP and by a real headless
Chromium (Debian's, driven by Playwright); on PostgreSQL as a login in the
reader role. Screenshots go to the test's folder, and also to the folder
named by $AGREEMENTS_SCREENSHOTS (``docs`` refreshes the documentation's)."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from agreements.config.settings import Config
from agreements.reads.reports import TIMED_STAGES
from agreements.store.database import Database
from agreements.web.app import create_app
from tests.support import ROOT, SEED, TODAY, clock_at, free_port, ok

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = "AGREEMENTS_REQUIRE_BROWSER"
SCREENSHOTS_ENV = "AGREEMENTS_SCREENSHOTS"
PAGES = ["/agreements", "/agreements/RA-MDA", "/agreements/RA-MDA?lang=az", "/search?q=Moskva", "/stalled", "/reports"]


@contextmanager
def serving(db_url: str, config: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`agreements serve` in a process of its own on a free port; stopped by SIGTERM afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "agreements",
        "--db",
        db_url,
        "--config",
        str(config),
        "serve",
        "--port",
        str(port),
    ]
    process = subprocess.Popen([*command, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        assert line.startswith(f"Serving the read-only web view on http://127.0.0.1:{port}/"), (
            line,
            process.poll(),
        )
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def fetch(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8"), dict(exc.headers)


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Asia/Baku"\n', encoding="utf-8")
    return path


@pytest.mark.sqlite_only
def test_serve_answers_over_http_and_stops_cleanly_on_sigterm(seeded, store_url, config_file):
    with serving(store_url, config_file) as (base, process):
        status, html, headers = fetch(base + "/agreements")
        assert status == 200 and "18 agreement(s)" in html
        assert headers["Server"] == "agreements" and headers["X-Frame-Options"] == "DENY"
        assert fetch(base + "/agreements/XX-NONE")[0] == 404
        assert fetch(base + "/agreements?as_of=2016-02-31")[0] == 400
        status, html, headers = fetch(base + "/agreements", "POST")
        assert status == 405 and headers["Allow"] == "GET, HEAD"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert process.stderr.read() == ""  # type: ignore[union-attr]


@pytest.mark.sqlite_only
def test_serve_refuses_in_one_line_what_it_cannot_do(seeded, store_url, config_file, cli, tmp_path):
    with serving(store_url, config_file) as (base, _process):
        port = base.rsplit(":", 1)[1]
        taken = subprocess.run(
            [sys.executable, "-m", "agreements", "--db", store_url, "serve", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert taken.returncode == 1 and taken.stdout == ""
        assert taken.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}:") and taken.stderr.count("\n") == 1
    code, out, err = cli("--db", str(tmp_path / "none.db"), "serve", "--port", "0")
    assert code == 1 and out == "" and "not initialised" in err and err.count("\n") == 1
    code, _out, err = cli("serve", "--port", "70000")
    assert code == 2 and "--port" in err


def test_a_reader_login_serves_every_page(pg_db, pg_login, config_file, tmp_path):
    """On PostgreSQL the view runs as a login in the reader role: it reads
    everything it shows and can write nothing."""
    from agreements.transfer.importer import import_records
    from agreements.transfer.reading import read_records

    import_records(
        pg_db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=clock_at(TODAY), actor="tester"
    )
    _name, reader_url = pg_login("agreements_reader")
    reader = Database(reader_url)
    try:
        client = create_app(
            reader, Config(path=tmp_path / "x.toml", loaded=False), clock_at(date(2017, 3, 1))
        ).test_client()
        for url in [*PAGES, "/agreements?as_of=2016-07-01&stalled=1", "/stalled?all=1", "/search?q=kisinyov&fold=1"]:
            response = client.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[-600:])
    finally:
        reader.dispose()
    with serving(reader_url, config_file) as (base, _process):
        for url in PAGES:
            status, _html, _headers = fetch(base + url)
            assert status == 200, url
        assert "Moskva" in fetch(base + "/search?q=Moskva")[1]


# --------------------------------------------------------------------------- a real browser


@pytest.fixture
def browser():
    """Debian's headless Chromium through Playwright (never a downloaded one)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        reason = f"the browser tests need Playwright and Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER_ENV):
            pytest.fail(f"{REQUIRE_BROWSER_ENV} is set but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    # what the page itself gets wrong (a policy violation, a missing file); the
    # status of an error page a test asks for is not one of them
    tab.console_errors = []  # type: ignore[attr-defined]

    def seen(message) -> None:
        if message.type == "error" and "the server responded with a status of 400" not in message.text:
            tab.console_errors.append(message.text)  # type: ignore[attr-defined]

    tab.on("console", seen)
    yield tab
    context.close()


def keep(page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot in the test's folder, copied to $AGREEMENTS_SCREENSHOTS when set."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    folder = os.environ.get(SCREENSHOTS_ENV)
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        shutil.copyfile(shot, target / name)
    return shot


def rows(page) -> list[str]:
    return page.locator("table.list tbody td.code a").all_inner_texts()


@pytest.mark.sqlite_only
def test_the_list_filters_and_sorts_in_a_browser(seeded, store_url, config_file, page, tmp_path):
    with serving(store_url, config_file) as (base, _process):
        page.goto(base + "/agreements")
        assert len(rows(page)) == 18 and page.inner_text("#count") == "18 agreement(s)"
        keep(page, tmp_path, "web-list.png")
        page.select_option("select[name=stage]", "mfa")
        page.click("form.filters button[type=submit]")
        assert rows(page) == ["IP-LVA", "IP-SWE", "MC-GEO", "RA-PAK", "RA-TUR"] and "stage=mfa" in page.url
        page.select_option("select[name=awaiting]", "counterpart")
        page.click("form.filters button[type=submit]")
        assert rows(page) == ["MC-GEO"]
        page.click("a.clear")
        page.fill("input[name=party]", "rus")
        page.click("form.filters button[type=submit]")
        assert rows(page) == ["LM-RUS", "MC-RUS", "PR-RUS-ROAD", "RA-RUS"]
        page.click("th >> text=In stage since")
        assert rows(page)[0] == "PR-RUS-ROAD" and "sort=since" in page.url
        page.click("th >> text=In stage since")
        assert rows(page)[-1] == "PR-RUS-ROAD" and "order=desc" in page.url
        page.fill("input[name=as_of]", "2016-02-30")
        page.click("form.filters button[type=submit]")
        assert page.inner_text("h1") == "400 Bad request" and "is not a date" in page.inner_text(".message")
        assert page.console_errors == []


@pytest.mark.sqlite_only
def test_an_agreement_page_and_the_language_switch_in_a_browser(seeded, store_url, config_file, cli, page, tmp_path):
    ok(cli("correct", "MC-RUS", "2", "--place", "Moskva şəhəri", "--reason", "the report says Moskva şəhərində"))
    with serving(store_url, config_file) as (base, _process):
        page.goto(base + "/agreements")
        page.click("text=MC-RUS")
        assert page.url.endswith("/agreements/MC-RUS?lang=en")
        assert "cooperation in the field of migration" in page.inner_text("h1")
        assert page.locator("svg.timeline rect.band").count() == 2
        assert page.locator("tr.corrected").count() == 1 and "place was: Moskva" in page.inner_text("#entry-2")
        keep(page, tmp_path, "web-agreement-en.png")
        page.click("nav.langs >> text=AZ")
        assert page.url.endswith("/agreements/MC-RUS?lang=az")
        assert page.get_attribute("html", "lang") == "az"
        assert "miqrasiya sahəsində əməkdaşlıq" in page.inner_text("h1")
        assert "2016-cı ilin noyabrın 24-dən dekabrın 31-dək" in page.inner_text("#entry-3")
        keep(page, tmp_path, "web-agreement-az.png")
        page.emulate_media(media="print")
        assert not page.is_visible("form.as-of-form") and not page.is_visible("nav.langs")
        assert page.console_errors == []


@pytest.mark.sqlite_only
def test_search_the_stalled_board_and_the_reports_in_a_browser(seeded, store_url, config_file, page, tmp_path):
    with serving(store_url, config_file) as (base, _process):
        page.goto(base + "/search?lang=az")
        page.fill("#q", "kisinyov")
        page.check("input[name=fold]")
        page.click("form.search button[type=submit]")
        assert page.locator("ol.hits mark").first.inner_text() == "Kişinyov"
        page.click("ol.hits a.code >> nth=0")
        assert "/agreements/RA-MDA" in page.url and page.get_attribute("html", "lang") == "az"
        page.goto(base + "/stalled?as_of=2017-03-01")
        assert (
            page.locator("#critical article.card").count() >= 1 and page.locator("#overdue article.card").count() >= 1
        )
        keep(page, tmp_path, "web-stalled.png")
        page.goto(base + "/reports")
        assert page.locator("svg.chart rect.bar").count() >= 8
        keep(page, tmp_path, "web-reports.png")
        page.click("nav.tabs >> text=Time in each stage")
        assert "/reports/durations" in page.url and page.locator("svg.chart rect.bar.median").count() == len(
            TIMED_STAGES
        )
        keep(page, tmp_path, "web-durations.png")
        assert page.console_errors == []
