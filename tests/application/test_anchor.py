"""Roots kept outside the database: `verify` prints one, `verify --against`
proves the present history extends it (or an export of it), and a chain
rewritten and rehashed behind the tracker's back is caught."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from agreements.errors import BadInput
from agreements.reads.anchor import RootBuilder, parse_root, root_at, root_line
from agreements.reads.anchor_files import json_agreements
from agreements.reads.verify import DERIVED_COLUMNS, replay, verify
from agreements.store.tables import Agreement, Event
from tests.support import as_attacker, ok, refused, rehash_chain

ROOT = re.compile(r"Root ([0-9a-f]{64}@\S+) covers (\d+) events of (\d+) agreement\(s\)")
MDA = "(SELECT id FROM agreements WHERE code = 'RA-MDA')"


def _root(cli) -> str:
    """The root line `verify` prints now."""
    found = ROOT.search(ok(cli("verify")))
    assert found is not None
    return found.group(1)


def _rewrite_history(db) -> None:
    """The attack: triggers lifted, an event edited, the whole chain rehashed
    and the row's head set to match, the triggers restored."""
    with as_attacker(db) as connection:
        connection.execute(text(f"UPDATE events SET place = 'Chisinau' WHERE seq = 2 AND agreement_id = {MDA}"))
        rehash_chain(connection, "RA-MDA")


def test_the_root_printed_is_the_root_at_its_moment(seeded, cli):
    line = _root(cli)
    root = parse_root(line)
    assert root.moment.utcoffset() == timedelta(hours=4)  # shown in the tracker's zone, Asia/Baku
    assert root_line(seeded, root.moment) == line
    with seeded.snapshot() as session:
        assert (root_at(session, root.moment).agreements, root_at(session, root.moment).events) == (18, 44)
        before = root_at(session, root.moment - timedelta(days=1))
    assert (before.hex, before.agreements, before.events) == (hashlib.sha256(b"").hexdigest(), 0, 0)
    assert (
        root_line(seeded, datetime(2000, 1, 1, tzinfo=UTC))
        == hashlib.sha256(b"").hexdigest() + "@2000-01-01T00:00:00+00:00"
    )
    assert verify(seeded).root is not None and verify(seeded).root.hex == root.hex


def test_a_history_that_only_grew_extends_its_roots(seeded, cli, tmp_path):
    roots = tmp_path / "roots.txt"
    ok(cli("verify", "--save-root", str(roots)))
    first = roots.read_text(encoding="utf-8").strip()
    ok(cli("advance", "RA-MDA", "--on", "2016-12-20", "--note", "Mətn razılaşdırıldı"))
    ok(
        cli(
            "add", "RA-ARM", "--kind", "readmission", "--party", "ARM", "--title-az", "Saziş", "--title-en", "Agreement"
        )
    )
    out = ok(cli("verify", "--save-root", str(roots), "--against", first))
    assert "The history extends the root given." in out
    saved = roots.read_text(encoding="utf-8").splitlines()
    assert saved[0] == first and len(saved) == 2 and saved[1] != first
    assert ROOT.search(out).group(1) == saved[1] and ROOT.search(out).group(2, 3) == ("46", "19")
    out = ok(cli("verify", "--against", str(roots)))
    assert f"The history extends the root of {roots} line 1." in out
    assert f"The history extends the root of {roots} line 2." in out


def test_a_rewritten_and_rehashed_chain_passes_alone_but_not_against_a_root(seeded, cli, tmp_path):
    line = _root(cli)
    export = tmp_path / "export.json"
    ok(cli("export", "--out", str(export)))
    _rewrite_history(seeded)
    assert "Every row matches its history" in ok(cli("verify"))  # the chain is consistent again
    moment = parse_root(line).moment.isoformat()
    refused(cli("verify", "--against", line), f"the history recorded up to {moment} was changed since the root given")
    refused(cli("verify", "--against", str(export)), "RA-MDA: event 2 differs from the anchor")


def test_a_csv_export_is_an_anchor_too(seeded, cli, tmp_path):
    export = tmp_path / "export.csv"
    ok(cli("export", "--format", "csv", "--out", str(export)))
    assert "The history extends the export" in ok(cli("verify", "--against", str(export)))
    _rewrite_history(seeded)
    refused(cli("verify", "--against", str(export)), "RA-MDA: event 2 differs from the anchor")


def test_an_event_backdated_into_the_anchored_time_changes_its_root(seeded, cli):
    """An event whose recording time lies before the root's moment (a forged
    late entry) was not there when the root was kept."""
    line = _root(cli)
    earlier = parse_root(line).moment - timedelta(hours=1)
    ok(cli("note", "RA-TUR", "a late entry", "--on", "2017-01-10", at=earlier))
    ok(cli("verify"))
    refused(cli("verify", "--against", line), "was changed since the root given")
    # the root at a moment, by one query or by verify's pass over the events, is the same
    # (RA-TUR's history is now recorded out of order)
    for moment in (parse_root(line).moment, earlier, earlier - timedelta(seconds=1)):
        again = parse_root(root_line(seeded, moment))
        assert verify(seeded, anchors=[("that root", again)]).anchor_mismatches == [], moment


def test_a_deleted_event_is_caught_by_an_anchor(seeded, cli, tmp_path):
    """The last event deleted, the chain's head and every derived column of
    the row set to what the shortened history says: only an anchor knows."""
    line = _root(cli)
    export = tmp_path / "export.json"
    ok(cli("export", "--out", str(export)))
    with as_attacker(seeded) as connection:
        connection.execute(text(f"DELETE FROM events WHERE seq = 3 AND agreement_id = {MDA}"))
        history = connection.execute(select(Event).where(Event.agreement_id == text(MDA)).order_by(Event.seq)).all()
        derived = replay("RA-MDA", history)
        values = {name: getattr(derived, name) for name in DERIVED_COLUMNS}
        connection.execute(Agreement.__table__.update().where(Agreement.code == "RA-MDA").values(**values))
        rehash_chain(connection, "RA-MDA")
    ok(cli("verify"))
    refused(cli("verify", "--against", str(export)), "RA-MDA: event 3 of the anchor is missing")
    refused(cli("verify", "--against", line), "was changed since the root given")


def test_each_saved_root_is_checked(seeded, cli, tmp_path):
    line = _root(cli)
    forged = ("0" if line[0] != "0" else "1") + line[1:]
    roots = tmp_path / "roots.txt"
    roots.write_text(f"# kept by the auditor\n{line}\n\n{forged}\n", encoding="utf-8")
    refused(cli("verify", "--against", str(roots)), f"since the root of {roots} line 4 was kept")


def test_an_export_without_hashes_is_no_anchor(seeded, cli, tmp_path):
    export = tmp_path / "export.json"
    ok(cli("export", "--out", str(export)))
    document = json.loads(export.read_text(encoding="utf-8"))
    for agreement in document["agreements"]:
        for event in agreement["events"]:
            event.pop("hash", None)
    export.write_text(json.dumps(document), encoding="utf-8")
    refused(cli("verify", "--against", str(export)), "its events carry no hash")


@pytest.mark.parametrize(
    "args, fragment, exit_code",
    [
        (("--against", "not-a-root"), "is neither a root line", 1),
        (("--against", "{junk}"), "is neither a root line", 1),
        (("RA-MDA", "--against", "x"), "leave out CODE", 2),
    ],
)
def test_an_anchor_that_is_none_is_refused(seeded, cli, args, fragment, exit_code):
    refused(cli("verify", *args), fragment, exit_code=exit_code)


def test_a_file_without_roots_is_refused(seeded, cli, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\n", encoding="utf-8")
    refused(cli("verify", "--against", str(junk)), f"{junk} line 1: not a root line")
    (tmp_path / "empty.txt").write_text("# nothing yet\n", encoding="utf-8")
    refused(cli("verify", "--against", str(tmp_path / "empty.txt")), "holds no root line")


def test_a_root_covers_the_beginning_of_each_history_recorded_by_its_moment():
    """Recording times out of order (clocks of two machines): the root at a
    moment stops at the first event recorded after it."""
    t = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in range(6)]
    at_two = RootBuilder(t[2])
    at_two.add("A", [t[1], t[3], t[2]], ["a1", "a2", "a3"])
    at_two.add("B", [t[4]], ["b1"])
    root = at_two.root()
    assert root is not None and (root.agreements, root.events) == (1, 1)
    assert root.hex == hashlib.sha256(b"A\ta1\n").hexdigest()
    everything = RootBuilder()
    everything.add("A", [t[1], t[3], t[2]], ["a1", "a2", "a3"])
    everything.add("B", [t[4]], ["b1"])
    whole = everything.root()
    assert whole is not None and whole.moment == t[4] and (whole.agreements, whole.events) == (2, 4)
    assert whole.hex == hashlib.sha256(b"A\ta3\nB\tb1\n").hexdigest()


def test_an_export_is_read_one_agreement_at_a_time_however_it_is_laid_out(seeded, cli, tmp_path):
    export = tmp_path / "export.json"
    ok(cli("export", "--out", str(export)))
    document = json.loads(export.read_text(encoding="utf-8"))
    # laid out again: indented, "agreements" first, in pieces smaller than a value
    relaid = json.dumps({"agreements": document["agreements"], "format": document["format"], "version": 1}, indent=2)
    for chunk in (7, 1 << 20):
        assert list(json_agreements(io.StringIO(relaid), "relaid.json", chunk)) == document["agreements"]
    assert list(json_agreements(io.StringIO('{"agreements": [], "format": "x"}'), "empty.json", 3)) == []
    export.write_text(relaid, encoding="utf-8")
    assert "The history extends the export" in ok(cli("verify", "--against", str(export)))
    export.write_text(relaid[: len(relaid) // 2], encoding="utf-8")
    refused(cli("verify", "--against", str(export)), f"{export}: not valid JSON")
    export.write_text('{"format": "agreements-history", "version": 1}', encoding="utf-8")
    refused(cli("verify", "--against", str(export)), 'not an export of this tracker (no "agreements")')


def test_an_empty_tracker_has_no_root_to_keep(db, cli, tmp_path):
    roots = tmp_path / "roots.txt"
    assert _lines_of(ok(cli("verify", "--save-root", str(roots)))) == [
        "All 0 chain(s) intact (0 events).",
        "Every row matches its history, own fields included.",
        "Nothing is recorded yet: there is no root to keep.",
    ]
    assert not roots.exists()


def _lines_of(out: str) -> list[str]:
    return out.strip().splitlines()


def test_a_root_is_found_in_the_line_that_carries_it():
    digest = "ab" * 32
    for line in (
        f"{digest}@2026-11-23T00:00:00+04:00",
        f"Root of Monday 23 November (agreements verify --against): {digest}@2026-11-23T00:00:00+04:00.",
        f"  Root {digest}@2026-11-23T00:00:00+04:00 covers 29 events of 18 agreement(s) recorded up to that moment.\n",
    ):
        root = parse_root(line)
        assert root.hex == digest and root.moment == datetime(2026, 11, 22, 20, tzinfo=UTC), line
    with pytest.raises(BadInput, match="not a root line"):
        parse_root(f"{digest}@2026-11-23T00:00:00")  # no offset: which moment?
