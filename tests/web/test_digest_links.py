"""The weekly digest links each agreement to its page of the web view when
the configuration names the view's ``base_url``; without it the footer keeps
the commands. A bad ``base_url`` is one line naming the key."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreements.cli import main
from agreements.config.file import load_config
from agreements.config.settings import ConfigError
from agreements.web.app import create_app
from tests.support import clock_at, ok, refused

WEEK = "2017-W09"
BASE = "https://agreements.example.gov.az/tracker"


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_with_a_base_url_every_agreement_links_to_its_page(seeded, cli, tmp_path):
    config = _config(tmp_path, f'base_url = "{BASE}/"\n')
    text = ok(cli("--config", str(config), "digest", "preview", "--week", WEEK))
    links = re.findall(rf"^  {re.escape(BASE)}/agreements/([A-Z0-9-]+)$", text, re.M)
    assert "PR-RUS-ROAD" in links and len(links) >= 7
    assert f"the full list:\n{BASE}/stalled" in text and "agreements show CODE" not in text
    html = ok(cli("--config", str(config), "digest", "preview", "--week", WEEK, "--locale", "az", "--format", "html"))
    assert f'href="{BASE}/agreements/PR-RUS-ROAD"' in html and "Hər saziş öz səhifəsinə keçid verir" in html
    # each link is a page the web view serves
    app = create_app(seeded, load_config(str(config)), clock_at(date(2017, 3, 1)))
    client = app.test_client()
    for code in set(links):
        assert client.get(f"/agreements/{code}").status_code == 200
    assert "base_url" in ok(cli("--config", str(config), "config", "show")) and BASE in ok(
        cli("--config", str(config), "config", "show")
    )


def test_without_a_base_url_the_footer_keeps_the_commands(seeded, cli):
    text = ok(cli("digest", "preview", "--week", WEEK))
    assert "Details: agreements show CODE; the full list: agreements stalled." in text
    assert "/agreements/" not in text


@pytest.mark.parametrize(
    "value",
    [
        '"ftp://agreements.example.gov.az"',
        '"agreements.example.gov.az"',
        '"https://"',
        '"https://x.gov.az/?q=1"',
        "42",
        '"https://x.gov.az/a b"',
        '"http://[::1"',
    ],
)
def test_a_bad_base_url_is_one_line_naming_the_key(tmp_path, value):
    config = _config(tmp_path, f"base_url = {value}\n")
    with pytest.raises(ConfigError, match=r"base_url: not an http\(s\) URL"):
        load_config(str(config))
    result = CliRunner().invoke(main, ["--config", str(config), "config", "show"])
    refused((result.exit_code, result.stdout, result.stderr), "base_url: not an http(s) URL")
