"""The weekly digest end to end: real SQLite files, a real SMTP server (aiosmtpd
on 127.0.0.1), the outbox, the commands and the scheduler's weekly job."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agreements.config.file import load_config
from agreements.config.settings import ConfigError
from agreements.digest.iso_week import parse_week
from agreements.digest.plans import record_plan
from agreements.digest.recipients import add_recipient
from agreements.digest.send import DigestIncomplete, run_week, send_weekly_digest
from agreements.digest.week import build_digest, collect
from agreements.scheduling import jobs
from agreements.store.tables import OutboxMessage
from agreements.writes.commands import Details, add_agreement, add_note, advance, record_round
from agreements.writes.stall_flags import acknowledge
from notifications.render import render_html, render_text
from tests.support import Server, clock_at, free_port, refused, smtp_config
from workflows.errors import BadInput

WEEK = "2017-W09"  # Monday 27 February 2017; "moved last week" = 20-26 February
MONDAY_0900 = datetime(2017, 2, 27, 9, 0, tzinfo=ZoneInfo("Asia/Baku"))
NOW = MONDAY_0900.astimezone(UTC)
AZ_NAME = "Gözəl Çobanoğlu-İsmayılqızı Şükürova"


# --------------------------------------------------------------------------- a real SMTP server


@pytest.fixture
def server():
    srv = Server(free_port()).start()
    yield srv
    srv.stop()


@pytest.fixture
def down_server():
    """A port with nothing listening yet; ``start()`` brings the server up."""
    srv = Server(free_port())
    yield srv
    srv.stop()


# --------------------------------------------------------------------------- history of the week


@pytest.fixture
def week_history(seeded):
    """The seed history plus what happened in the week of 20-26 February 2017."""
    db = seeded

    def details(actor, **kw):
        return Details(actor=actor, **kw)

    today = date(2017, 2, 27)
    advance(
        db,
        "RA-MDA",
        "internal_approval",
        details("tester", note="Text agreed ad referendum", reference="letter No. 02/2210"),
        on=date(2017, 2, 22),
        clock=clock_at(today),
    )
    record_round(
        db,
        "IP-DEU",
        details("tester", place="Berlin"),
        on=date(2017, 2, 23),
        until=date(2017, 2, 24),
        outcome="Two articles left open",
        clock=clock_at(today),
    )
    add_note(
        db,
        "RA-TUR",
        "XİN mətni qarşı tərəfə təqdim edib",
        details("tester", reference="nota № 4/118"),
        on=date(2017, 2, 21),
        clock=clock_at(today),
    )
    acknowledge(
        db,
        "RA-PAK",
        details("tester", note="Waiting for the MFA's reply"),
        until=date(2017, 3, 6),
        on=date(2017, 2, 20),
        clock=clock_at(today),
    )
    record_plan(
        db,
        "RA-CHE",
        on=date(2017, 3, 3),
        what="Exchange of notes on entry into force",
        actor="tester",
        clock=clock_at(date(2017, 2, 24)),
    )
    add_agreement(
        db,
        "XS-TST",
        title_az="Sınaq <script>alert(1)</script> sazişi",
        title_en="Test <script>alert(1)</script> agreement",
        kind="other",
        parties=["MDA"],
        actor="tester",
        on=date(2017, 2, 21),
        clock=clock_at(today),
    )
    return db


@pytest.fixture
def recipients(week_history):
    db = week_history
    add_recipient(db, "gozel@migration.gov.az", name=AZ_NAME, locale="az", actor="tester", now=NOW)
    add_recipient(
        db, "ru.desk@migration.gov.az", name="Russia desk", locale="en", actor="tester", parties=["RUS"], now=NOW
    )
    add_recipient(
        db, "head@migration.gov.az", name="Head of Legal", locale="en", actor="tester", only_needs_action=True, now=NOW
    )
    add_recipient(
        db,
        "mda@migration.gov.az",
        name="Moldova desk",
        locale="en",
        actor="tester",
        parties=["MDA"],
        only_needs_action=True,
        now=NOW,
    )
    return db


def outbox_rows(db):
    with db.read() as session:
        return {r.recipient: r for r in session.scalars(select(OutboxMessage))}


def to_header(envelope) -> str:
    return str(make_header(decode_header(email.message_from_bytes(envelope.content)["To"])))


# --------------------------------------------------------------------------- rendering on the seed


def test_weeks_are_iso_weeks():
    assert parse_week("2017-W09") == date(2017, 2, 27)
    assert parse_week("2026-W53") == date(2026, 12, 28)
    for bad in ("2017-9", "2017-W54", "2017W09", ""):
        with pytest.raises(BadInput, match="invalid week"):
            parse_week(bad)


def test_render_az_on_the_seed_history(week_history, tmp_path):
    digest = build_digest(collect(week_history, load_config(None), WEEK), locale="az")
    text, html = render_text(digest), render_html(digest)
    # MC-RUS entered internal approval between 24 Nov and 31 Dec 2016: counted from the latest day
    assert [i.code for i in digest.needs_action] == ["PR-RUS-ROAD", "IP-LVA", "IP-SWE", "RA-TUR", "RA-CHE", "MC-RUS"]
    assert [i.code for i in digest.acknowledged] == ["RA-PAK"]
    assert "Həftəlik icmal — 2017-W09 həftəsi" in text
    assert "İkitərəfli sazişlər 27 fevral 2017 tarixinə" in text
    assert "* PR-RUS-ROAD [kritik] layihə, iş günləri: 186 / 30" in text
    assert "Növbəti addım: XİN; mərhələdə ən gec 31 dekabr 2016 tarixindən" in text
    assert "* 22 fevral 2017  RA-MDA: ekspertlər səviyyəsində danışıqlar → dövlətdaxili razılaşdırma (tester)" in text
    assert "* 23–24 fevral 2017  IP-DEU: ekspertlər səviyyəsində danışıqlar raundu (tester)" in text
    assert "XİN mətni qarşı tərəfə təqdim edib" in text and "sənəd: nota № 4/118" in text
    assert "* 3 mart 2017  RA-CHE: Exchange of notes on entry into force" in text
    assert "* 6 mart 2017  RA-PAK: nəzərə alınma müddəti bitir" in text
    assert "6 mart 2017 tarixədək" in text
    assert "Xarici İşlər Nazirliyi (XİN)" in html and "Diqqət tələb edir (6)" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_render_en_on_the_seed_history(week_history):
    digest = build_digest(collect(week_history, load_config(None), WEEK), locale="en")
    text = render_text(digest)
    assert "Weekly digest — Week 2017-W09" in text
    assert "Bilateral agreements as of 27 February 2017" in text
    assert "* MC-RUS [overdue] internal approval, working days: 37 of 30" in text
    assert "* 22 February 2017  RA-MDA: expert talks → internal approval (tester)" in text
    assert "Text agreed ad referendum" in text and "ref.: letter No. 02/2210" in text
    assert "* 21 February 2017  XS-TST: entered the tracker at draft (tester)" in text
    pipeline = {row.stage: row.count for row in digest.pipeline}
    assert (
        pipeline["internal_approval"] == 2
        and pipeline["in_force"] == 1
        and pipeline["approved"] == 1
        and sum(pipeline.values()) == 19
    )


def test_preview_command_on_the_bare_seed(seeded, cli, tmp_path):
    code, out, err = cli("digest", "preview", "--locale", "az", "--week", WEEK)
    assert code == 0, err
    assert "Diqqət tələb edir (7)" in out and "RA-MDA" not in out.split("Ötən həftə")[0]
    code, out, err = cli(
        "digest", "preview", "--locale", "en", "--week", WEEK, "--format", "html", "--out", str(tmp_path / "d.html")
    )
    assert code == 0, err
    assert (tmp_path / "d.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, out, err = cli("digest", "preview", "--week", "2017-W60")
    assert code == 2 and "invalid week" in err  # a usage error, as a wrong date is


# --------------------------------------------------------------------------- sending over real SMTP


def test_digests_go_out_over_smtp_with_both_parts_headers_and_azerbaijani_intact(recipients, server, tmp_path):
    config = smtp_config(tmp_path, server.port)
    report = run_week(recipients, config, WEEK, now=NOW)
    assert report.pending == []
    assert sorted(report.delivery.sent) == [
        "gozel@migration.gov.az",
        "head@migration.gov.az",
        "ru.desk@migration.gov.az",
    ]
    assert report.queue.skipped == ["mda@migration.gov.az"]  # needs-action only, nothing needs action
    got = server.sink.by_recipient()
    assert sorted(got) == sorted(report.delivery.sent)
    rows = outbox_rows(recipients)
    for address, envelope in got.items():
        assert envelope.mail_from == "digest@migration.gov.az"
        assert envelope.rcpt_tos == [address]
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert [a.addr_spec for a in msg["To"].addresses] == [address]
        assert msg["From"].addresses[0].addr_spec == "digest@migration.gov.az"
        assert msg["Message-ID"] == rows[address].message_id and msg["Date"] is not None
        assert rows[address].status == "sent" and rows[address].attempts == 1
    az = email.message_from_bytes(got["gozel@migration.gov.az"].content, policy=policy.default)
    assert az["Subject"] == "Həftəlik icmal 2017-W09: 6 diqqət tələb edir"
    assert to_header(got["gozel@migration.gov.az"]) == f"{AZ_NAME} <gozel@migration.gov.az>"
    text, html = az.get_body(("plain",)).get_content(), az.get_body(("html",)).get_content()
    for letters in (
        f"Hörmətli {AZ_NAME},",
        "Xarici İşlər Nazirliyi (XİN)",
        "XİN mətni qarşı tərəfə təqdim edib",
        ["ə", "ğ", "ı", "İ", "ö", "ü", "ş", "ç"][3],
    ):
        assert letters in text and letters in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    en = email.message_from_bytes(got["ru.desk@migration.gov.az"].content, policy=policy.default)
    assert en["Subject"] == "Weekly digest 2017-W09: 2 need action"


def test_each_recipient_sees_only_what_they_follow(recipients, server, tmp_path):
    run_week(recipients, smtp_config(tmp_path, server.port), WEEK, now=NOW)
    got = {
        a: email.message_from_bytes(e.content, policy=policy.default).get_body(("plain",)).get_content()
        for a, e in server.sink.by_recipient().items()
    }
    russia = got["ru.desk@migration.gov.az"]
    assert "PR-RUS-ROAD" in russia and "MC-RUS" in russia
    for other in ("RA-TUR", "IP-LVA", "RA-MDA", "IP-DEU", "RA-CHE"):
        assert other not in russia
    assert "You follow: counterpart RUS." in russia
    head = got["head@migration.gov.az"]
    assert "Needs action (6)" in head and "Moved last week" not in head and "Pipeline" not in head
    everything = got["gozel@migration.gov.az"]
    assert "İzlədiyiniz: bütün sazişlər." in everything and "IP-DEU" in everything


def test_a_second_send_of_the_same_week_sends_nothing(recipients, server, tmp_path):
    config = smtp_config(tmp_path, server.port)
    run_week(recipients, config, WEEK, now=NOW)
    assert len(server.sink.envelopes) == 3
    again = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=1))
    assert again.queue.queued == [] and again.delivery.sent == []
    assert len(again.queue.already) == 4
    assert send_weekly_digest(recipients, config, WEEK, NOW).startswith(
        "weekly digest for 2017-W09: queued 0; 4 already"
    )
    assert len(server.sink.envelopes) == 3


def test_server_down_keeps_digests_queued_with_the_error_then_delivers_them(recipients, down_server, tmp_path):
    config = smtp_config(tmp_path, down_server.port)
    first = run_week(recipients, config, WEEK, now=NOW)
    assert len(first.pending) == 3 and first.delivery.sent == []
    rows = outbox_rows(recipients)
    queued = {a: r for a, r in rows.items() if r.status == "queued"}
    assert len(queued) == 3
    for row in queued.values():
        assert row.attempts == 1
        assert "cannot connect to 127.0.0.1" in row.last_error
        assert row.next_attempt_at == NOW + timedelta(minutes=15)
    assert "still queued for a retry" in first.summary()

    # before the retry time: nothing is tried
    early = run_week(recipients, config, WEEK, now=NOW + timedelta(minutes=5))
    assert early.delivery.retrying == [] and all(
        r.attempts == 1 for a, r in outbox_rows(recipients).items() if a in queued
    )

    # a second failure doubles the wait
    run_week(recipients, config, WEEK, now=NOW + timedelta(minutes=16))
    row = outbox_rows(recipients)["gozel@migration.gov.az"]
    assert row.attempts == 2 and row.next_attempt_at == NOW + timedelta(minutes=16 + 30)

    down_server.start()
    later = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=1))
    assert sorted(later.delivery.sent) == sorted(queued) and later.pending == []
    assert len(down_server.sink.envelopes) == 3
    rows = outbox_rows(recipients)
    assert all(rows[a].status == "sent" and rows[a].attempts == 3 and rows[a].last_error is None for a in queued)
    # the message sent is the one queued: same Message-ID
    sent_ids = {email.message_from_bytes(e.content)["Message-ID"] for e in down_server.sink.envelopes}
    assert sent_ids == {rows[a].message_id for a in queued}
    run_week(recipients, config, WEEK, now=NOW + timedelta(hours=2))
    assert len(down_server.sink.envelopes) == 3


def test_a_refused_recipient_fails_for_good_and_the_rest_of_the_batch_goes_out(recipients, server, tmp_path):
    server.sink.refuse = {"ru.desk@migration.gov.az"}
    report = run_week(recipients, smtp_config(tmp_path, server.port), WEEK, now=NOW)
    rows = outbox_rows(recipients)
    assert rows["ru.desk@migration.gov.az"].status == "failed"
    assert "550" in rows["ru.desk@migration.gov.az"].last_error
    assert sorted(server.sink.by_recipient()) == ["gozel@migration.gov.az", "head@migration.gov.az"]
    assert report.pending == []  # a failed one is not retried


def test_max_attempts_then_failed(recipients, down_server, tmp_path):
    config = smtp_config(tmp_path, down_server.port, "[digest]\nmax_attempts = 2\nretry_minutes = 1\n")
    run_week(recipients, config, WEEK, now=NOW)
    run_week(recipients, config, WEEK, now=NOW + timedelta(minutes=2))
    statuses = {a: r.status for a, r in outbox_rows(recipients).items()}
    assert statuses == {
        "gozel@migration.gov.az": "failed",
        "ru.desk@migration.gov.az": "failed",
        "head@migration.gov.az": "failed",
        "mda@migration.gov.az": "skipped",
    }


def test_file_transport_is_the_default_and_writes_parseable_eml(recipients, isolated):
    config = load_config(None)
    assert config.digest.transport_for(config.smtp) == "file"
    folder = config.digest.folder_path()
    assert folder == isolated / "xdg" / "agreements" / "outbox"  # the user data directory, not the repository
    report = run_week(recipients, config, WEEK, now=NOW)
    assert len(report.delivery.sent) == 3
    files = sorted(folder.glob("*.eml"))
    assert [f.name for f in files] == [
        "2017-W09-gozel@migration.gov.az.eml",
        "2017-W09-head@migration.gov.az.eml",
        "2017-W09-ru.desk@migration.gov.az.eml",
    ]
    msg = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["Subject"] == "Həftəlik icmal 2017-W09: 6 diqqət tələb edir"
    assert "Hörmətli Gözəl" in msg.get_body(("plain",)).get_content()


# --------------------------------------------------------------------------- the scheduler's weekly job


def test_the_weekly_job_delivers_each_digest_exactly_once(recipients, down_server, tmp_path):
    config = smtp_config(tmp_path, down_server.port)
    failed = jobs.run_period(recipients, config, "weekly_digest", NOW, clock_at(NOW))
    assert failed.status == "failed" and failed.period == WEEK
    assert "DigestIncomplete" in failed.detail and "still queued" in failed.detail

    down_server.start()
    later = NOW + timedelta(hours=1)
    done = jobs.run_due(recipients, config, "weekly_digest", clock_at(later))  # takes the failed claim over
    again = jobs.run_due(recipients, config, "weekly_digest", clock_at(later + timedelta(minutes=5)))
    assert done.status == "done" and "sent 3" in done.detail
    assert again.status == "not_due"
    assert sorted(down_server.sink.by_recipient()) == [
        "gozel@migration.gov.az",
        "head@migration.gov.az",
        "ru.desk@migration.gov.az",
    ]
    assert len(down_server.sink.envelopes) == 3


def test_send_weekly_digest_raises_while_digests_wait(recipients, down_server, tmp_path):
    with pytest.raises(DigestIncomplete):
        send_weekly_digest(recipients, smtp_config(tmp_path, down_server.port), WEEK, NOW)


# --------------------------------------------------------------------------- commands


def test_recipient_commands(db, cli):
    code, out, err = cli(
        "recipients",
        "add",
        "leyla@migration.gov.az",
        "--name",
        "Leyla Məmmədova",
        "--locale",
        "az",
        "--party",
        "rus",
        "--kind",
        "readmission",
    )
    assert code == 0, err
    assert "follows: party RUS; kind readmission" in out
    code, out, err = cli("recipients", "add", "leyla@migration.gov.az", "--name", "Again", "--locale", "en")
    assert code == 1 and "already a recipient" in err
    code, out, err = cli("recipients", "add", "not-an-address", "--name", "X", "--locale", "en")
    assert code == 1 and err.startswith("Error: invalid e-mail address")
    code, out, err = cli(
        "recipients", "add", "x@migration.gov.az", "--name", "Ali\r\nBcc: spy@evil.example", "--locale", "en"
    )
    assert code == 1 and "line breaks" in err
    code, out, err = cli("recipients", "add", "x@migration.gov.az", "--name", "X", "--locale", "ru")
    assert code == 2
    code, out, err = cli("recipients", "list", "--format", "json")
    assert code == 0 and '"parties": [\n      "RUS"\n    ]' in out
    code, out, err = cli("recipients", "remove", "leyla@migration.gov.az")
    assert code == 0 and "Removed leyla@migration.gov.az" in out
    code, out, err = cli("recipients", "remove", "leyla@migration.gov.az")
    assert code == 1 and "no recipient" in err


def test_send_outbox_and_plan_commands(recipients, cli, server, tmp_path):
    config = tmp_path / "config.toml"
    smtp_config(tmp_path, server.port)
    code, out, err = cli("--config", str(config), "digest", "send", "--week", WEEK, "--dry-run")
    assert code == 0, err
    assert "would queue 3" in out and "would skip (nothing needs action): mda@migration.gov.az" in out
    assert server.sink.envelopes == [] and outbox_rows(recipients) == {}
    code, out, err = cli("--config", str(config), "digest", "send", "--week", WEEK)
    assert code == 0, err
    assert "queued 3" in out and "sent 3 via smtp://127.0.0.1" in out
    code, out, err = cli("--config", str(config), "outbox", "--status", "sent")
    assert code == 0 and "3 message(s)" in out and "gozel@migration.gov.az" in out
    code, out, err = cli("plan", "RA-MDA", "--on", "2099-01-01", "--what", "Third round in Chişinău")
    assert code == 0 and "RA-MDA: planned for 2099-01-01" in out
    code, out, err = cli("plan", "RA-MDA", "--on", "2000-01-01", "--what", "Too late")
    assert code == 1 and "cannot be in the past" in err


def test_smtp_password_is_never_in_the_configuration_nor_printed(tmp_path, cli, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('[smtp]\nhost = "mail.example.az"\npassword = "s3cret"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"smtp\.password: the password is not written in the configuration"):
        load_config(str(bad))
    good = tmp_path / "good.toml"
    good.write_text(
        '[smtp]\nhost = "mail.example.az"\nuser = "digest"\npassword_env = "DIGEST_SMTP_PASSWORD"\n', encoding="utf-8"
    )
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret-value")
    code, out, err = cli("--config", str(good), "config", "show")
    assert code == 0, err
    assert "s3cret-value" not in out
    assert "smtp.password" in out and "'***'" in out and "$DIGEST_SMTP_PASSWORD" in out
    assert load_config(str(good)).smtp.password() == "s3cret-value"
    secret = tmp_path / "smtp-password"
    secret.write_text("from-a-file\n", encoding="utf-8")
    filed = tmp_path / "filed.toml"
    filed.write_text(f'[smtp]\nhost = "mail.example.az"\npassword_file = "{secret}"\n', encoding="utf-8")
    assert load_config(str(filed)).smtp.password() == "from-a-file"
    code, out, err = cli("--config", str(filed), "config", "show", "--format", "json")
    assert "from-a-file" not in out


# --------------------------------------------------------------------------- login, interrupted sends


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_reads_the_password_from_the_environment(recipients, tmp_path, monkeypatch):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"digest", b"p4ss-w0rd")
        logins.append(ok)
        return AuthResult(success=ok)

    server = Server(authenticator=authenticator).start()
    port = server.port
    try:
        (tmp_path / "config.toml").write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nuser = "digest"\n'
            'password_env = "TEST_DIGEST_PASSWORD"\nfrom = "digest@migration.gov.az"\n',
            encoding="utf-8",
        )
        config = load_config(str(tmp_path / "config.toml"))
        monkeypatch.delenv("TEST_DIGEST_PASSWORD", raising=False)
        first = run_week(recipients, config, WEEK, now=NOW)
        assert first.delivery.sent == [] and "no password is available" in first.delivery.retrying[0][2]
        monkeypatch.setenv("TEST_DIGEST_PASSWORD", "pəss")  # smtplib cannot send it: a clear error, kept queued
        second = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=1))
        assert second.delivery.sent == [] and "non-ASCII" in second.delivery.retrying[0][2]
        monkeypatch.setenv("TEST_DIGEST_PASSWORD", "p4ss-w0rd")
        later = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=3))
        assert len(later.delivery.sent) == 3 and logins == [True]
        assert all(
            "p4ss" not in (r.last_error or "") and "pəss" not in (r.last_error or "")
            for r in outbox_rows(recipients).values()
        )
    finally:
        server.stop()


def test_an_interrupted_send_is_not_resent_until_an_operator_says_so(recipients, server, tmp_path, cli):
    from sqlalchemy import update

    config = smtp_config(tmp_path, server.port)
    from agreements.digest.outbox import queue_week

    queue_week(recipients, config, WEEK, now=NOW)
    with recipients.sessions().begin() as session:  # a sender died after claiming this one
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == "gozel@migration.gov.az")
            .values(status="sending", attempts=1, attempted_at=NOW)
        )
    report = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=2))
    assert report.delivery.interrupted == [("gozel@migration.gov.az", WEEK)]
    rows = outbox_rows(recipients)
    assert (
        rows["gozel@migration.gov.az"].status == "failed"
        and "may have accepted it" in rows["gozel@migration.gov.az"].last_error
    )
    assert "gozel@migration.gov.az" not in server.sink.by_recipient()
    code, _out, err = cli(
        "--config", str(tmp_path / "config.toml"), "digest", "resend", "gozel@migration.gov.az", "--week", WEEK
    )
    assert code == 0, err
    code, _out, err = cli("--config", str(tmp_path / "config.toml"), "digest", "send", "--week", WEEK)
    assert code == 0, err
    assert "gozel@migration.gov.az" in server.sink.by_recipient()
    assert outbox_rows(recipients)["gozel@migration.gov.az"].message_id == rows["gozel@migration.gov.az"].message_id


def test_a_week_out_of_range_and_an_unwritable_out_are_one_line_errors(seeded, cli, tmp_path):
    refused(cli("digest", "preview", "--week", "9999-W52"), "9999-W52", "out of range", exit_code=2)
    assert cli("digest", "preview", "--week", "9998-W52")[0] == 0
    missing = tmp_path / "no-such-folder" / "digest.html"
    refused(cli("digest", "preview", "--week", WEEK, "--format", "html", "--out", str(missing)), "cannot write")
    assert not missing.parent.exists()
