"""The weekly digest's footer carries the history anchor of its Monday: the
root of every chain as recorded when that Monday began, in both languages and
both parts, so that every recipient keeps a copy outside the database.
`verify --against` that copy passes on the history as it is and fails once a
chain was rewritten and rehashed behind the tracker's back. Real databases
(both backends), a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from agreements.digest.recipients import add_recipient
from agreements.reads.anchor import Root, parse_root, root_line
from agreements.store.tables import Agreement, Event, OutboxMessage
from tests.support import SEED, Server, as_attacker, free_port, ok, refused, rehash_chain, smtp_config_file

BAKU = ZoneInfo("Asia/Baku")
WEEK = "2026-W48"  # Monday 23 November 2026
BEGAN = datetime(2026, 11, 23, tzinfo=BAKU)  # the moment the week's footer anchors
IMPORTED = datetime(2026, 11, 20, 10, 0, tzinfo=BAKU)  # the seed is recorded the Friday before
MONDAY_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=BAKU)
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=BAKU)
GOZEL = "gozel@migration.gov.az"
DESK = "desk@migration.gov.az"
CHANGED = "was changed since the root given"
EXTENDS = "The history extends the root given."


@pytest.fixture
def history(db, cli):
    """The seed history, recorded before the week's Monday, and two recipients."""
    ok(cli("import", str(SEED), at=IMPORTED))
    add_recipient(db, GOZEL, name="Gözəl Şükürova", locale="az", actor="tester", now=IMPORTED)
    add_recipient(db, DESK, name="Legal desk", locale="en", actor="tester", now=IMPORTED)
    return db


def footer(plain: str) -> str:
    """The plain-text footer: what follows the signature separator."""
    assert plain.count("\n-- \n") == 1, plain[-400:]
    return plain.split("\n-- \n", 1)[1]


def rewrite_history(db) -> None:
    """The attack: triggers lifted, an event dated long before the Monday
    edited, the whole chain rehashed and the row's head set, triggers restored."""
    with db.read() as session:
        mda = session.scalar(select(Agreement.id).where(Agreement.code == "RA-MDA"))
        day = session.scalar(select(Event.occurred_on).where(Event.agreement_id == mda, Event.seq == 2))
    assert day is not None and day < BEGAN.date()
    with as_attacker(db) as connection:
        connection.execute(
            text("UPDATE events SET place = 'Chisinau' WHERE seq = 2 AND agreement_id = :id"), {"id": mda}
        )
        rehash_chain(connection, "RA-MDA")


def parts(raw: bytes) -> tuple[str, str]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content().replace("\r\n", "\n"), html.get_content()


def anchors_in(plain: str, html: str) -> Root:
    """The one root both parts carry, with the command that checks it."""
    root = parse_root(footer(plain))
    assert parse_root(html.split('class="foot"', 1)[1]).line == root.line
    for part in (footer(plain), html):
        assert f"agreements verify --against {root.line}" in part
    return root


def outbox(db) -> dict[str, OutboxMessage]:
    with db.read() as session:
        return {row.recipient: row for row in session.scalars(select(OutboxMessage))}


def test_the_preview_footer_anchors_the_history_as_its_monday_began(history, cli):
    roots = set()
    for locale, words in (
        ("en", "History anchor: the record as it stood at 23 November 2026, 00:00."),
        ("az", "Tarixçənin lövbəri: qeydlərin 23 noyabr 2026, saat 00:00 tarixinə olan vəziyyəti."),
    ):
        plain = ok(cli("digest", "preview", "--week", WEEK, "--locale", locale, at=TUESDAY))
        html = ok(cli("digest", "preview", "--week", WEEK, "--locale", locale, "--format", "html", at=TUESDAY))
        root = anchors_in(plain, html)
        assert " ".join(words.split()) in " ".join(footer(plain).split()) and words in html
        roots.add(root.line)
    (line,) = roots  # one anchor for the week, whatever the language
    root = parse_root(line)
    assert root.moment == BEGAN and root.moment.isoformat() == "2026-11-23T00:00:00+04:00"
    assert line == root_line(history, BEGAN)
    assert root.hex != parse_root(root_line(history, IMPORTED.replace(hour=9))).hex  # the seed is in it
    assert EXTENDS in ok(cli("verify", "--against", line))
    rewrite_history(history)
    assert "Every row matches its history" in ok(cli("verify"))  # the rehashed chain is consistent again...
    refused(cli("verify", "--against", line), CHANGED)  # ...but not the anchor every recipient holds


def test_every_recipient_gets_the_weeks_anchor_over_smtp(history, cli, tmp_path):
    with Server() as server:
        config = smtp_config_file(tmp_path, server.port)
        assert "sent 2" in ok(cli("--config", str(config), "digest", "send", "--week", WEEK, at=MONDAY_0900))
        got = {address: envelope.content for address, envelope in server.sink.by_recipient().items()}
    assert sorted(got) == [DESK, GOZEL]
    roots = {address: anchors_in(*parts(raw)) for address, raw in got.items()}
    assert "Tarixçənin lövbəri" in parts(got[GOZEL])[0] and "History anchor" in parts(got[DESK])[0]
    assert roots[GOZEL] == roots[DESK] and roots[GOZEL].moment == BEGAN
    line = roots[GOZEL].line
    assert EXTENDS in ok(cli("verify", "--against", line))
    rewrite_history(history)
    refused(cli("verify", "--against", line), CHANGED)


def test_a_queued_digest_renders_again_to_the_same_anchor_after_more_is_recorded(history, cli, tmp_path):
    """Queued while the server is down, sent the next day after an event was
    recorded: the sender's check renders the digest again, and its anchor
    (the Monday's, not the time of sending) comes out the same bytes."""
    down = smtp_config_file(tmp_path, free_port())
    refused(cli("--config", str(down), "digest", "send", "--week", WEEK, at=MONDAY_0900), "still queued")
    queued = {address: row.message for address, row in outbox(history).items()}
    before = root_line(history, BEGAN)
    ok(cli("plan", "RA-TUR", "--on", "2027-06-01", "--what", "Signing in Ankara", at=TUESDAY))
    assert root_line(history, BEGAN) == before  # recorded after the Monday began: not in its root
    with Server() as server:
        config = smtp_config_file(tmp_path, server.port)
        assert "sent 2" in ok(cli("--config", str(config), "digest", "send", "--week", WEEK, at=TUESDAY))
        got = {address: envelope.content for address, envelope in server.sink.by_recipient().items()}
    assert got == queued
    root = anchors_in(*parts(got[GOZEL]))
    assert root.line == before
    now = parse_root(ok(cli("verify", "--against", root.line)).split("Root ", 1)[1])
    assert now.hex != root.hex  # the root of the history as it is now moved on; the anchor did not


def test_a_digest_rendered_before_its_monday_anchors_the_moment_it_was_rendered(history, cli, tmp_path):
    """Sent early: a root at a Monday still to come would change with every
    event recorded until then. The footer anchors the moment of rendering
    (to the second, as the Date header has it), which the re-render finds
    again from the row's own Date."""
    early = datetime(2026, 11, 25, 12, 0, 30, 750000, tzinfo=BAKU)  # Wednesday before 2026-W49
    down = smtp_config_file(tmp_path, free_port())
    refused(cli("--config", str(down), "digest", "send", "--week", "2026-W49", at=early), "still queued")
    queued = {address: row.message for address, row in outbox(history).items()}
    root = anchors_in(*parts(queued[DESK]))
    assert root.moment.isoformat() == "2026-11-25T12:00:30+04:00"
    assert "the record as it stood at 25 November 2026, 12:00." in parts(queued[DESK])[0]
    ok(cli("plan", "RA-TUR", "--on", "2027-06-01", "--what", "Signing in Ankara", at=early.replace(day=26)))
    assert EXTENDS in ok(cli("verify", "--against", root.line))  # the Thursday's plan is not in it
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=BAKU)
    with Server() as server:
        config = smtp_config_file(tmp_path, server.port)
        assert "sent 2" in ok(cli("--config", str(config), "digest", "send", "--week", "2026-W49", at=monday))
        got = {address: envelope.content for address, envelope in server.sink.by_recipient().items()}
    assert got == queued  # the check rendered the same footer again, from the row's Date
    rewrite_history(history)
    refused(cli("verify", "--against", root.line), CHANGED)


def test_a_week_before_anything_was_recorded_anchors_the_empty_history(history, cli):
    """The footer of an old week states what was recorded then: nothing."""
    plain = ok(cli("digest", "preview", "--week", "2017-W09", "--locale", "en", at=TUESDAY))
    root = parse_root(footer(plain))
    assert root.moment.date() == date(2017, 2, 27) and root.line == root_line(history, root.moment)
    assert root.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256 of no lines
    assert EXTENDS in ok(cli("verify", "--against", root.line))
