"""`agreements obligations` on the seed, on SQLite and PostgreSQL (issue 14):
registration after entry into force, publication after approval, a fixed
term and its renewal notice recorded with `entry-rule`, done once the act
is recorded; bad options refused in one line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from tests.support import ok, refused

NOW = date(2026, 11, 30)


def _rows(cli, *options: str) -> list[dict]:
    return json.loads(ok(cli("obligations", "--format", "json", *options, at=NOW)))


def test_obligations_on_the_seed_and_done_when_the_act_is_recorded(seeded, cli):
    rows = {(r["code"], r["what"]): r for r in _rows(cli)}
    registration = rows[("RA-EU", "registration")]
    assert (registration["due"], registration["status"]) == ("2014-09-01", "open")
    assert registration["obligation_en"].startswith("registration with the UN Secretariat")
    assert "BMT Katibliyində qeydiyyat" in registration["obligation_az"]
    ok(
        cli(
            "act",
            "RA-EU",
            "--party",
            "AZE",
            "--kind",
            "registration",
            "--on",
            "2015-02-10",
            "--ref",
            "UN No. 52345",
            at=NOW,
        )
    )
    assert {(r["code"], r["what"]): r for r in _rows(cli)}[("RA-EU", "registration")]["status"] == "done"
    assert ("RA-EU", "registration") not in {(r["code"], r["what"]) for r in _rows(cli, "--open")}
    text = ok(cli("obligations", "--open", at=NOW))
    assert "obligation(s) as of 2026-11-30" in text
    assert "qeydiyyat" in ok(cli("obligations", "--lang", "az", at=NOW))
    table = list(csv.DictReader(io.StringIO(ok(cli("obligations", "--format", "csv", at=NOW)))))
    assert table and set(table[0]) >= {"code", "what", "due", "status"}


def test_a_fixed_term_with_automatic_renewal_gives_expiry_and_notice(seeded, cli):
    out = ok(
        cli(
            "entry-rule",
            "RA-EU",
            "first-day-of-month-after-last-notification:2",
            "--term-years",
            "5",
            "--notice-months",
            "6",
            "--renewal",
            "automatic",
            "--exit-notice",
            "6m",
            "--on",
            "2014-02-28",
            at=NOW,
        )
    )
    assert "term=5;notice=6;renewal=automatic;exit=6m" in out
    rows = {(r["code"], r["what"]): r for r in _rows(cli, "--as-of", "2026-11-30")}
    # in force 1 September 2014, renewed in 2019 and 2024: the term now ends on 1 September 2029
    assert rows[("RA-EU", "expiry")]["due"] == "2029-09-01"
    assert rows[("RA-EU", "renewal_notice")]["due"] == "2029-03-01"
    assert ok(cli("verify", at=NOW))


def test_bad_term_options_are_refused_in_one_line(seeded, cli):
    refused(
        cli("entry-rule", "RA-EU", "on-signature", "--renewal", "automatic", at=NOW),
        "renewal=automatic needs a fixed term",
    )
    refused(cli("entry-rule", "RA-EU", "on-signature", "--exit-notice", "six", at=NOW), "exit= takes a notice period")
    refused(cli("obligations", "--as-of", "yesterday", at=NOW), "", exit_code=2)


def test_open_obligations_near_their_date_are_in_the_digests_coming_up(seeded, cli):
    from agreements.config.file import load_config
    from agreements.digest.week import build_digest, collect

    ok(cli("entry-rule", "RA-EU", "first-day-of-month-after-last-notification:2", "--term-years", "5",
           "--notice-months", "6", "--on", "2014-02-28", at=NOW))  # fmt: skip
    # the term ends on 1 September 2019: notice against renewal by 1 March 2019
    digest = build_digest(collect(seeded, load_config(None), "2019-W09"), locale="en")
    coming = {(c.code, c.kind): c for c in digest.coming}
    notice = coming[("RA-EU", "obligation")]
    assert notice.on == date(2019, 3, 1) and notice.what.startswith("last day to give notice against renewal")
    az = build_digest(collect(seeded, load_config(None), "2019-W09"), locale="az")
    assert any(c.kind == "obligation" and "uzadılmaması" in (c.what or "") for c in az.coming)
    far = build_digest(collect(seeded, load_config(None), "2019-W02"), locale="en")
    assert ("RA-EU", "obligation") not in {(c.code, c.kind) for c in far.coming}
