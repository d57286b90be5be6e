"""`agreements verify`: the hash chains, and the agreement rows against the
replay of their histories and the own fields those histories recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from agreements.reads.verify import replay, verify
from agreements.store.database import Database
from agreements.store.migrate import upgrade
from agreements.store.tables import Agreement, Event
from tests.support import as_attacker, column_names, ok, refused, rehash_chain

MDA = "(SELECT id FROM agreements WHERE code = 'RA-MDA')"


def _lines(out: str) -> list[str]:
    return out.strip().splitlines()


def test_verify_reports_every_seed_chain_intact(seeded, cli):
    lines = _lines(ok(cli("verify")))
    assert lines[0] == "All 18 chain(s) intact (44 events)."
    assert lines[1] == "Every row matches its history, own fields included."
    assert re.fullmatch(
        r"Root [0-9a-f]{64}@\d{4}-\d\d-\d\dT[\d:.]+\+04:00 covers 44 events of 18 agreement\(s\) recorded up to that moment\.",
        lines[2],
    ), lines[2]
    assert len(lines) == 3
    assert _lines(ok(cli("verify", "RA-MDA"))) == [
        "All 1 chain(s) intact (3 events).",
        "Every row matches its history, own fields included.",
    ]


def test_live_history_keeps_its_chain_and_its_row(seeded, cli):
    ok(cli("advance", "RA-MDA", "--on", "2016-12-20", "--note", "Mətn razılaşdırıldı"))
    ok(cli("note", "RA-TUR", "called, no answer", "--on", "2017-01-10"))
    ok(cli("ack", "RA-TUR", "--until", "2099-01-01", "--note", "waiting on the MFA"))
    out = ok(cli("verify"))
    assert "(47 events)" in out and "Every row matches its history" in out


def _attack(db: Database, *statements: str) -> None:
    with as_attacker(db) as connection:
        for statement in statements:
            connection.execute(text(statement))


@pytest.mark.parametrize(
    "statements, fragment",
    [
        (
            ["UPDATE agreements SET stage = 'in_force' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says stage in_force, its history says expert_talks",
        ),
        (
            ["UPDATE agreements SET stage_since = '2015-01-01' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says stage_since 2015-01-01, its history says 2016-02-23",
        ),
        (
            ["UPDATE agreements SET awaiting = 'counterpart' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says awaiting counterpart, its history says us",
        ),
        (
            ["UPDATE agreements SET clock_since = '2030-01-01' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says clock_since 2030-01-01, its history says",
        ),
        (
            ["UPDATE agreements SET title_en = 'A forged title' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says title_en A forged title, its history says Agreement between the Republic",
        ),
        (
            ["UPDATE agreements SET officer = 'someone else' WHERE code = 'RA-MDA'"],
            "RA-MDA: the row says officer someone else, its history says none",
        ),
        (
            [f"UPDATE agreement_parties SET party = 'ARM' WHERE agreement_id = {MDA}"],
            "RA-MDA: the row says parties ARM, its history says MDA",
        ),
        (
            [
                "UPDATE agreement_parties SET position = 9 WHERE party = 'BEL'",
                "UPDATE agreement_parties SET position = 0 WHERE party = 'LUX' AND agreement_id = "
                "(SELECT id FROM agreements WHERE code = 'IP-BNL')",
            ],
            "IP-BNL: the row says parties LUX, NLD, BEL, its history says BEL, NLD, LUX",
        ),
        (
            [
                "UPDATE agreements SET parent_id = (SELECT id FROM agreements WHERE code = 'RA-MDA') "
                "WHERE code = 'IP-LVA'"
            ],
            "IP-LVA: the row says parent RA-MDA, its history says RA-EU",
        ),
        (
            # the last event deleted, the row's head and count set to match: the chain is sound
            [
                f"DELETE FROM events WHERE seq = 3 AND agreement_id = {MDA}",
                "UPDATE agreements SET event_count = 2, last_hash = (SELECT hash FROM events WHERE seq = 2 "
                f"AND agreement_id = {MDA}) WHERE code = 'RA-MDA'",
            ],
            "RA-MDA: the row says last_event_on 2016-10-18, its history says 2016-02-23",
        ),
        (
            # and with the head alone set to match
            [
                f"DELETE FROM events WHERE seq = 3 AND agreement_id = {MDA}",
                "UPDATE agreements SET last_hash = (SELECT hash FROM events WHERE seq = 2 "
                f"AND agreement_id = {MDA}) WHERE code = 'RA-MDA'",
            ],
            "RA-MDA: the row says event_count 3, its history says 2",
        ),
        (
            [f"DELETE FROM events WHERE seq = 3 AND agreement_id = {MDA}"],
            "RA-MDA: the chain breaks at the end of its history",
        ),
        (
            [f"DELETE FROM events WHERE seq = 2 AND agreement_id = {MDA}"],
            "RA-MDA: the chain breaks at event 2 (missing event)",
        ),
        (
            [
                f"DELETE FROM events WHERE agreement_id = {MDA}",
                "UPDATE agreements SET last_hash = NULL WHERE code = 'RA-MDA'",
            ],
            "RA-MDA: its history is empty",
        ),
        (
            [f"UPDATE events SET note = 'rewritten' WHERE seq = 2 AND agreement_id = {MDA}"],
            "RA-MDA: the chain breaks at event 2 (content does not match its hash)",
        ),
        (
            [f"UPDATE events SET occurred_on = '2016-02-24' WHERE seq = 2 AND agreement_id = {MDA}"],
            "RA-MDA: the chain breaks at event 2",
        ),
    ],
)
def test_a_record_changed_behind_the_tracker_is_named_at_its_first_difference(seeded, cli, statements, fragment):
    _attack(seeded, *statements)
    line = refused(cli("verify"), fragment)
    assert "RA-TUR" not in line  # the other agreements are sound
    assert ";" not in line  # one finding: the first difference of the one agreement changed
    code = fragment.split(":")[0]
    refused(cli("verify", code), fragment)
    ok(cli("verify", "RA-TUR"))


def test_every_agreement_found_wrong_is_named_once(seeded, cli):
    _attack(
        seeded,
        "UPDATE agreements SET stage = 'draft' WHERE code IN ('RA-MDA', 'RA-TUR')",
        "UPDATE agreements SET title_az = 'x' WHERE code = 'RA-MDA'",
    )
    line = refused(
        cli("verify"), "RA-MDA: the row says stage draft", "RA-TUR: the row says stage draft, its history says mfa"
    )
    assert line.count("RA-MDA") == 1


def test_a_rehashed_event_that_breaks_the_rules_is_named(seeded, cli):
    """A round forged into entering in force (no signature, from expert
    talks) in a chain rehashed to match: the chain is sound, the replay is not."""
    with as_attacker(seeded) as connection:
        connection.execute(
            text(
                f"UPDATE events SET kind = 'stage_change', to_stage = 'in_force' WHERE seq = 2 AND agreement_id = {MDA}"
            )
        )
        connection.execute(text("UPDATE agreements SET stage = 'in_force' WHERE code = 'RA-MDA'"))
        rehash_chain(connection, "RA-MDA")
    refused(
        cli("verify"),
        "RA-MDA: event 2 does not follow from the events before it (cannot move from expert_talks to in_force",
    )


def test_the_replay_is_the_rules_of_the_live_commands(seeded, cli):
    """The production replay gives each row exactly as the commands left it."""
    ok(cli("sign", "IP-LVA", "--on", "2017-02-01"))
    ok(cli("advance", "IP-LVA", "--to", "in_force", "--on", "2017-03-01"))
    ok(cli("suspend", "RA-TUR", "--on", "2017-01-10", "--note", "pause"))
    with seeded.read() as session:
        for code in ("IP-LVA", "RA-TUR", "RA-MDA"):
            row = session.scalars(select(Agreement).where(Agreement.code == code)).one()
            history = session.scalars(select(Event).where(Event.agreement_id == row.id).order_by(Event.seq)).all()
            replayed = replay(code, history)
            assert (replayed.stage, replayed.signed_on, replayed.in_force_on, replayed.suspended_from) == (
                row.stage,
                row.signed_on,
                row.in_force_on,
                row.suspended_from,
            )
            assert replayed.event_count == row.event_count == len(history)
    assert verify(seeded).findings == []


def test_a_history_without_a_record_of_its_own_fields_is_said_uncovered(seeded, cli):
    """Events written before openings recorded the own fields (migration
    0009) have no subject: verify says so, and passes."""
    with as_attacker(seeded) as connection:
        connection.execute(text(f"UPDATE events SET subject = NULL WHERE agreement_id = {MDA}"))
        rehash_chain(connection, "RA-MDA")
    lines = _lines(ok(cli("verify")))
    assert lines[1] == (
        "Every row matches its history; the own fields of 1 agreement(s) (RA-MDA) are not covered: "
        "their history began before openings recorded them."
    )
    result = verify(seeded)
    assert (result.uncovered, result.uncovered_codes, result.findings) == (1, ["RA-MDA"], [])


def test_verify_holds_one_history_at_a_time(seeded, cli):
    """The ordered merge hands each agreement its own counterparts and events,
    whatever order the rows were written in."""
    first = (
        "--kind",
        "readmission",
        "--party",
        "ARM",
        "--party",
        "AFG",
        "--title-az",
        "Birinci",
        "--title-en",
        "First",
    )
    ok(cli("add", "AA-FIRST", *first))
    ok(cli("add", "ZZ-LAST", "--kind", "other", "--party", "ZWE", "--title-az", "Sonuncu", "--title-en", "Last"))
    result = verify(seeded)
    assert (result.agreements, result.events, result.findings) == (20, 46, [])
    _attack(seeded, "UPDATE agreement_parties SET position = 5 WHERE party = 'ARM'")  # AFG first now
    assert verify(seeded).findings == ["AA-FIRST: the row says parties AFG, ARM, its history says ARM, AFG"]


def test_the_migration_backfills_the_same_chain(seeded, cli):
    from alembic import command

    from agreements.store.migrate import _config

    with seeded.read() as s:
        before = list(s.execute(select(Event.id, Event.prev_hash, Event.hash).order_by(Event.id)).all())
    with seeded.engine.begin() as connection:
        command.downgrade(_config(seeded, connection), "0005")
        columns = column_names(connection, "events")
        assert "hash" not in columns
    assert upgrade(seeded)[0] == "0005"
    with seeded.read() as s:
        after = list(s.execute(select(Event.id, Event.prev_hash, Event.hash).order_by(Event.id)).all())
    # the downgrade dropped what 0009 added (subjects, stated actors): the
    # backfill hashes what is left, a chain that verifies; the own fields are
    # then covered by no history, which verify says without failing
    assert [i for i, _p, _h in after] == [i for i, _p, _h in before] and all(h for _i, _p, h in after)
    lines = _lines(ok(cli("verify")))
    assert lines[0] == "All 18 chain(s) intact (44 events)."
    assert "the own fields of 18 agreement(s)" in lines[1]
    # the append-only triggers are back after the backfill
    with pytest.raises(Exception, match="append-only"), seeded.engine.begin() as conn:
        conn.execute(text("UPDATE events SET note = 'x'"))
