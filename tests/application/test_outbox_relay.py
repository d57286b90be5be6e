"""The outbox relays nothing but the tracker's own digests, and a digest too
large for the mail server is shortened to fit; a refused one makes `digest
send` fail. Real databases (both backends), a real SMTP server (aiosmtpd).

The attacker here can write outbox rows with SQL (a writer login, or write
access to the SQLite file) but cannot read the tracker's configuration or
secrets: a row they insert or change must never reach the SMTP server.
"""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from functools import partial

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from agreements.config.file import load_config
from agreements.digest.mail import sender_of
from agreements.digest.outbox import queue_week
from agreements.digest.recipients import add_recipient, list_recipients
from agreements.digest.send import run_week
from agreements.digest.week import build_digest, collect
from agreements.store.tables import OutboxMessage
from notifications.message import digest_message
from notifications.transport import wire_size
from tests.support import Server, Sink, free_port, ok, refused, smtp_config, smtp_config_file

WEEK = "2017-W09"  # Monday 27 February 2017
NOW = datetime(2017, 2, 27, 5, 0, tzinfo=UTC)
GOZEL = "gozel@migration.gov.az"
DESK = "desk@migration.gov.az"
HEAD = "head@migration.gov.az"
VICTIM = "victim@evil.example"
PAY = b"Wire 10 000 EUR to IBAN XX00 0000 today"


@pytest.fixture
def server():
    srv = Server().start()
    yield srv
    srv.stop()


@pytest.fixture
def recipients(seeded):
    """The seed history and three recipients: everything in Azerbaijani, everything
    in English, and "needs action only" in English."""
    add_recipient(seeded, GOZEL, name="Gözəl Şükürova", locale="az", actor="tester", now=NOW)
    add_recipient(seeded, DESK, name="Legal desk", locale="en", actor="tester", now=NOW)
    add_recipient(seeded, HEAD, name="Head of Legal", locale="en", actor="tester", only_needs_action=True, now=NOW)
    return seeded


def insert_row(db, recipient: str, message: bytes, *, week: str = WEEK, message_id: str = "<forged@evil.example>"):
    """An outbox row written with SQL, as a login with write access can."""
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO outbox (recipient, week, locale, subject, message_id, message, status, attempts, queued_at)"
                " VALUES (:recipient, :week, 'en', 'Invoice', :message_id, :message, 'queued', 0, :at)"
            ),
            {
                "recipient": recipient,
                "week": week,
                "message_id": message_id,
                "message": message,
                "at": NOW.replace(tzinfo=None),
            },
        )


def set_message(db, recipient: str, message: bytes) -> None:
    """Change the bytes of a queued row with SQL."""
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE outbox SET message = :message WHERE recipient = :recipient AND week = :week"),
            {"message": message, "recipient": recipient, "week": WEEK},
        )


def rows(db) -> dict[str, OutboxMessage]:
    with db.read() as session:
        return {r.recipient: r for r in session.scalars(select(OutboxMessage).where(OutboxMessage.week == WEEK))}


def send(cli, tmp_path, *args: str, at: datetime | None = None):
    return cli("--config", str(tmp_path / "config.toml"), "digest", *args, at=at)


def nothing_of_it_arrived(sink, *recipients: str) -> None:
    for envelope in sink.envelopes:
        assert not set(envelope.rcpt_tos) & set(recipients), envelope.rcpt_tos
        assert PAY not in envelope.content and b"evil" not in envelope.content


# --------------------------------------------------------------------------- the attack


def forged_message(to: str) -> bytes:
    head = f"From: digest@migration.gov.az\r\nTo: {to}\r\nSubject: Invoice\r\nMessage-ID: <forged@evil.example>\r\n"
    return head.encode() + b"\r\n" + PAY + b"\r\n"


def test_a_row_written_with_sql_to_any_address_is_not_relayed(recipients, server, tmp_path, cli):
    smtp_config(tmp_path, server.port)
    insert_row(recipients, VICTIM, forged_message(VICTIM))
    refused(send(cli, tmp_path, "send", "--week", WEEK), VICTIM, "recipient not registered")
    nothing_of_it_arrived(server.sink, VICTIM)
    assert sorted(server.sink.by_recipient()) == [DESK, GOZEL, HEAD]  # the tracker's own still go out
    row = rows(recipients)[VICTIM]
    assert row.status == "failed" and "recipient not registered" in row.last_error
    # a second run does not try it again
    ok(send(cli, tmp_path, "send", "--week", WEEK))
    nothing_of_it_arrived(server.sink, VICTIM)


def test_a_row_written_with_sql_for_a_registered_recipient_is_not_sent(recipients, server, tmp_path, cli):
    """Written before the week is queued: the week's run finds the row there and
    queues nothing for that recipient; the sender refuses the row."""
    smtp_config(tmp_path, server.port)
    insert_row(recipients, GOZEL, forged_message(GOZEL))
    refused(send(cli, tmp_path, "send", "--week", WEEK), GOZEL, "not produced by the tracker")
    nothing_of_it_arrived(server.sink, GOZEL)
    assert sorted(server.sink.by_recipient()) == [DESK, HEAD]
    row = rows(recipients)[GOZEL]
    assert row.status == "failed" and "not produced by the tracker" in row.last_error


def _replaced(head: bytes, name: bytes, value: bytes) -> bytes:
    """``head`` with the header ``name`` (and its folded lines) replaced."""
    pattern = rb"(?m)^" + name + rb":[^\n]*\n(?:[ \t][^\n]*\n)*"
    changed = re.sub(pattern, name + b": " + value + b"\r\n", head + b"\r\n")
    assert changed != head + b"\r\n"
    return changed[:-2]


def _tampered(genuine: bytes, how: str) -> bytes:
    head, body = genuine.split(b"\r\n\r\n", 1)
    if how == "bcc":  # one header more: a hidden recipient
        return head + b"\r\nBcc: spy@evil.example\r\n\r\n" + body
    if how == "reply-to":
        return head + b"\r\nReply-To: pay@evil.example\r\n\r\n" + body
    if how == "to":  # the To header names someone else
        return _replaced(head, b"To", b"victim@evil.example") + b"\r\n\r\n" + body
    if how == "two-recipients":
        return _replaced(head, b"To", b"head@migration.gov.az, victim@evil.example") + b"\r\n\r\n" + body
    if how == "from":
        return _replaced(head, b"From", b"Bank <digest@migration.gov.az.evil.example>") + b"\r\n\r\n" + body
    if how == "body":  # every header as the tracker writes it, another text
        changed = body.replace(b"Head of Legal", b"Pay here: " + PAY, 1)
        assert changed != body
        return head + b"\r\n\r\n" + changed
    if how == "appended":  # the genuine message, and more after it
        return genuine + b"\r\n" + PAY + b"\r\n"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["bcc", "reply-to", "to", "two-recipients", "from", "body", "appended"])
def test_a_queued_digest_changed_with_sql_is_not_sent(recipients, server, tmp_path, cli, how):
    config = smtp_config(tmp_path, server.port)
    queue_week(recipients, config, WEEK, now=NOW)
    genuine = rows(recipients)[HEAD].message
    set_message(recipients, HEAD, _tampered(genuine, how))
    line = refused(send(cli, tmp_path, "send", "--week", WEEK), HEAD, "not produced by the tracker")
    assert "1 digest(s) not delivered" in line
    nothing_of_it_arrived(server.sink, HEAD)
    assert not any(b"spy@" in e.content or b"pay@" in e.content for e in server.sink.envelopes)
    assert sorted(server.sink.by_recipient()) == [DESK, GOZEL]
    row = rows(recipients)[HEAD]
    assert row.status == "failed" and "not produced by the tracker" in row.last_error
    assert row.transport is None  # never handed to a transport


def test_the_genuine_bytes_moved_to_another_recipient_are_not_sent(recipients, server, tmp_path, cli):
    """A copy of a real digest under another (registered) recipient's row: the
    To header and the envelope would disagree, and that recipient's digest is not this one."""
    config = smtp_config(tmp_path, server.port)
    queue_week(recipients, config, WEEK, now=NOW)
    set_message(recipients, DESK, rows(recipients)[GOZEL].message)
    refused(send(cli, tmp_path, "send", "--week", WEEK), DESK, "not produced by the tracker")
    assert sorted(server.sink.by_recipient()) == [GOZEL, HEAD]


def test_a_digest_queued_for_a_recipient_removed_since_is_not_sent(recipients, server, tmp_path, cli):
    config = smtp_config(tmp_path, server.port)
    queue_week(recipients, config, WEEK, now=NOW)
    ok(cli("recipients", "remove", DESK))
    refused(send(cli, tmp_path, "send", "--week", WEEK), DESK, "recipient not registered")
    assert sorted(server.sink.by_recipient()) == [GOZEL, HEAD]
    assert rows(recipients)[DESK].status == "failed"


def test_digests_queued_by_an_earlier_run_are_sent_by_a_later_one(recipients, server, tmp_path):
    """The check does not get in the way of the tracker's own retries: rows
    queued by one run (server down) are recognised and sent by the next."""
    down = smtp_config(tmp_path, free_port())
    first = run_week(recipients, down, WEEK, now=NOW)
    assert len(first.pending) == 3 and first.delivery.rejected == []
    later = run_week(recipients, smtp_config(tmp_path, server.port), WEEK, now=NOW + timedelta(hours=1))
    assert sorted(later.delivery.sent) == [DESK, GOZEL, HEAD] and later.delivery.rejected == []
    stored = rows(recipients)
    assert {a: e.content for a, e in server.sink.by_recipient().items()} == {a: r.message for a, r in stored.items()}


def test_a_digest_whose_week_changed_since_it_was_queued_is_held_until_resent(recipients, tmp_path, cli):
    """The price of checking by rendering again: a note dated last week,
    recorded while the digest waited for the server, makes the queued bytes
    differ from the digest rendered now. It is held back, saying so, and
    `digest resend` renders it anew, with the note."""
    down = smtp_config(tmp_path, free_port())
    assert len(run_week(recipients, down, WEEK, now=NOW).pending) == 3
    ok(cli("note", "RA-TUR", "Reply from the MFA received", "--on", "2017-02-24", at=NOW))
    with Server() as server:
        smtp_config(tmp_path, server.port)
        later = NOW + timedelta(hours=1)  # the retry time has come
        line = refused(send(cli, tmp_path, "send", "--week", WEEK, at=later), "not produced by the tracker")
        assert "changed since it was queued" in line and f"agreements digest resend {GOZEL} --week {WEEK}" in line
        assert sorted(server.sink.by_recipient()) == [HEAD]  # "needs action only": the note changes nothing there
        ok(send(cli, tmp_path, "resend", GOZEL, "--week", WEEK, at=later))
        got = email.message_from_bytes(server.sink.by_recipient()[GOZEL].content, policy=policy.default)
    assert "Reply from the MFA received" in got.get_body(("plain",)).get_content()
    assert got["Message-ID"] == rows(recipients)[GOZEL].message_id


def test_resend_of_a_forged_row_sends_the_trackers_digest_not_the_forged_bytes(recipients, server, tmp_path, cli):
    smtp_config(tmp_path, server.port)
    insert_row(recipients, GOZEL, forged_message(GOZEL), message_id="<kept.1@migration.gov.az>")
    refused(send(cli, tmp_path, "send", "--week", WEEK), GOZEL, "not produced by the tracker")
    out = ok(send(cli, tmp_path, "resend", GOZEL, "--week", WEEK))
    assert f"Sent the {WEEK} digest to {GOZEL} again" in out
    got = server.sink.by_recipient()[GOZEL]
    nothing_of_it_arrived(server.sink)
    msg = email.message_from_bytes(got.content, policy=policy.default)
    assert msg["Subject"].startswith("Həftəlik icmal 2017-W09")
    assert msg["Message-ID"] == "<kept.1@migration.gov.az>"  # the row's own Message-ID is kept
    assert "Hörmətli Gözəl Şükürova," in msg.get_body(("plain",)).get_content()
    assert rows(recipients)[GOZEL].message == got.content and rows(recipients)[GOZEL].status == "sent"


# --------------------------------------------------------------------------- the server's SIZE


def limited_server(limit: int, handler=None) -> Server:
    """aiosmtpd with a small SIZE: it advertises it and refuses bigger messages with 552."""
    return Server(handler=handler, controller=partial(Controller, data_size_limit=limit))


def rendered(db, config, email_address: str, keep: int | None = None) -> bytes:
    """The digest of ``email_address`` as the tracker renders it (``keep``: entries per list)."""
    recipient = next(r for r in list_recipients(db) if r.email == email_address)
    digest = build_digest(collect(db, config, WEEK), recipient)
    return digest_message(digest, sender_of(config), when=NOW, keep=keep).as_bytes()


def test_a_digest_larger_than_the_servers_size_is_shortened_to_fit(recipients, tmp_path, cli):
    config = smtp_config(tmp_path, 1)
    full = {a: wire_size(rendered(recipients, config, a)) for a in (GOZEL, DESK)}
    shortest = {a: wire_size(rendered(recipients, config, a, keep=0)) for a in (GOZEL, DESK)}
    limit = max(shortest.values()) + (min(full.values()) - max(shortest.values())) // 2
    assert limit < min(full.values())  # both full digests are too big for this server...
    assert wire_size(rendered(recipients, config, HEAD)) + 100 < limit  # ...the "needs action only" one is not
    with limited_server(limit) as server:
        smtp_config(tmp_path, server.port)
        out = ok(send(cli, tmp_path, "send", "--week", WEEK))
        assert "sent 3" in out
        got = server.sink.by_recipient()
    stored = rows(recipients)
    for address in (GOZEL, DESK):
        assert wire_size(got[address].content) <= limit
        assert got[address].content == stored[address].message  # the outbox keeps what was sent
        msg = email.message_from_bytes(got[address].content, policy=policy.default)
        plain, html = msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()
        assert "agreements stalled --as-of 2017-02-27" in plain and "agreements stalled --as-of 2017-02-27" in html
    az, en = (
        " ".join(
            email.message_from_bytes(got[a].content, policy=policy.default).get_body(("plain",)).get_content().split()
        )
        for a in (GOZEL, DESK)
    )
    assert "poçt serverinin ölçü həddinə" in az and re.search(r"daha \d+ qeyd", az)
    assert "shortened to fit the mail server's size limit" in en and re.search(r"\d+ more", en)
    assert "Diqqət tələb edir (7)" in az and "Needs action (7)" in en  # the counts stay the full ones
    # the recipient whose digest fits gets it whole
    head = email.message_from_bytes(got[HEAD].content, policy=policy.default).get_body(("plain",)).get_content()
    assert "shortened" not in head and "more:" not in head and got[HEAD].content == stored[HEAD].message


class RefusesOnce(Sink):
    """Answers 451 (try later) to the first message for ``address``."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos == [self.address] and not self.refused:
            self.refused += 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_shortened_digest_retried_later_is_the_same_message(recipients, tmp_path):
    """The shortened bytes are kept at hand-over; the retry recognises them as the
    tracker's and sends them unchanged."""
    config = smtp_config(tmp_path, 1)
    limit = wire_size(rendered(recipients, config, GOZEL)) * 3 // 4
    with limited_server(limit, RefusesOnce(GOZEL)) as server:
        config = smtp_config(tmp_path, server.port)
        first = run_week(recipients, config, WEEK, now=NOW)
        assert first.pending == [(GOZEL, WEEK)] and "451" in first.delivery.retrying[0][2]
        kept = rows(recipients)[GOZEL].message
        assert wire_size(kept) <= limit
        later = run_week(recipients, config, WEEK, now=NOW + timedelta(hours=1))
        assert later.delivery.sent == [GOZEL] and later.delivery.rejected == []
        assert server.sink.by_recipient()[GOZEL].content == kept


def test_a_refused_delivery_makes_send_exit_1_naming_the_recipient_and_the_reply(recipients, tmp_path, cli):
    """The full digests are too big even shortened to no entry at all: the
    server refuses them (552); the "needs action only" one, shortened, fits and goes out."""
    config = smtp_config(tmp_path, 1)
    limit = wire_size(rendered(recipients, config, HEAD, keep=0)) + 200  # (Message-IDs differ in length a little)
    assert limit < min(wire_size(rendered(recipients, config, a, keep=0)) for a in (DESK, GOZEL))
    with limited_server(limit) as server:
        smtp_config(tmp_path, server.port)
        line = refused(send(cli, tmp_path, "send", "--week", WEEK), "2 digest(s) not delivered", DESK, GOZEL)
        assert sorted(server.sink.by_recipient()) == [HEAD]
    assert "552 Error: message size exceeds fixed maximum message size" in line
    stored = rows(recipients)
    assert stored[DESK].status == "failed" and "552" in stored[DESK].last_error
    assert b"more; the full list" not in stored[DESK].message  # refused before the hand-over: kept whole
    assert stored[HEAD].status == "sent" and b"more; the full list" in stored[HEAD].message


def test_resend_exits_1_while_the_server_refuses_and_0_once_it_accepts(recipients, server, tmp_path, cli):
    smtp_config(tmp_path, server.port)
    server.sink.refuse = {DESK}
    line = refused(send(cli, tmp_path, "send", "--week", WEEK), DESK, "550 5.1.1 no such mailbox here")
    assert "1 digest(s) not delivered" in line
    assert sorted(server.sink.by_recipient()) == [GOZEL, HEAD]
    refused(send(cli, tmp_path, "resend", DESK, "--week", WEEK), DESK, "550 5.1.1 no such mailbox here")
    assert rows(recipients)[DESK].status == "failed"
    server.sink.refuse = set()
    out = ok(send(cli, tmp_path, "resend", DESK, "--week", WEEK))
    assert f"Sent the {WEEK} digest to {DESK} again" in out
    assert sorted(server.sink.by_recipient()) == [DESK, GOZEL, HEAD]
    assert rows(recipients)[DESK].status == "sent"


def test_the_file_transport_writes_the_checked_digests_whole(recipients, tmp_path):
    config = load_config(
        str(smtp_config_file(tmp_path, 1, f'[digest]\ntransport = "file"\nfolder = "{tmp_path}/eml"\n'))
    )
    insert_row(recipients, VICTIM, forged_message(VICTIM))
    report = run_week(recipients, config, WEEK, now=NOW)
    assert sorted(report.delivery.sent) == [DESK, GOZEL, HEAD]
    assert [r[0] for r in report.delivery.rejected] == [VICTIM]
    files = {f.name: f.read_bytes() for f in (tmp_path / "eml").glob("*.eml")}
    assert sorted(files) == [f"{WEEK}-{a}.eml" for a in (DESK, GOZEL, HEAD)]
    assert files[f"{WEEK}-{GOZEL}.eml"] == rows(recipients)[GOZEL].message
    assert b"shortened" not in files[f"{WEEK}-{DESK}.eml"]
