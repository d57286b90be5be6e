"""Who blocks entry into force, in `stalled`, the digest and `report
pipeline` (issue 14), on SQLite and PostgreSQL: a signed agreement waiting
only on the counterpart's notification is the counterpart's move, not
overdue at signing on us."""

from __future__ import annotations

import json
from datetime import date

from tests.support import ok

NOW = date(2026, 11, 30)


def _act(cli, code: str, party: str, kind: str, on: str, *more: str) -> None:
    ok(cli("act", code, "--party", party, "--kind", kind, "--on", on, *more, at=NOW))


def _ours_done(cli, code: str = "RA-CHE") -> None:
    """Azerbaijan approved and notified; Switzerland has not notified."""
    _act(cli, code, "AZE", "approval", "2017-01-20", "--instrument", "Law No. 500-VQ")
    _act(cli, code, "AZE", "notification", "2017-02-01", "--received", "2017-02-03")


def _stalled(cli, *options: str) -> dict[str, dict]:
    rows = json.loads(ok(cli("stalled", "--all", "--format", "json", *options, at=NOW)))
    return {r["code"]: r for r in rows}


def test_stalled_names_the_blockers_and_waits_on_the_counterpart(seeded, cli):
    before = _stalled(cli)["RA-CHE"]
    assert before["waiting_for"].startswith("waiting for: AZE approval; notification from AZE")
    assert before["awaiting_counterpart"] is False
    _ours_done(cli)
    row = _stalled(cli)["RA-CHE"]  # signed in 2016: past even the counterpart's longer threshold
    assert row["waiting_for"] == "waiting for: notification from CHE; the entry-into-force rule (agreements entry-rule)"
    assert (row["awaiting_counterpart"], row["awaiting"]) == (True, "counterpart")
    assert row["threshold"] > before["threshold"]
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    assert _stalled(cli)["RA-CHE"]["waiting_for"] == "waiting for: notification from CHE"
    assert "RA-CHE" in (text := ok(cli("stalled", "--all", at=NOW))) and "notification from CHE" in text
    assert "gözlənilir: bildiriş (CHE)" in ok(cli("stalled", "--all", "--lang", "az", at=NOW))


def test_the_digest_names_blockers_and_lists_the_computed_date(seeded, cli):
    from agreements.config.file import load_config
    from agreements.digest.week import build_digest, collect
    from notifications.render import render_text

    _ours_done(cli)
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    # Switzerland's notification received on 3 March 2017: in force on the 30th day after, 2 April 2017
    _act(cli, "RA-CHE", "CHE", "approval", "unknown")
    _act(cli, "RA-CHE", "CHE", "notification", "2017-03-01", "--received", "2017-03-03")
    digest = build_digest(collect(seeded, load_config(None), "2017-W13"), locale="en")
    coming = [(c.on, c.code, c.kind) for c in digest.coming]
    assert (date(2017, 4, 2), "RA-CHE", "entry_into_force") in coming
    assert "expected in force on 2 April 2017" in render_text(digest)
    az = build_digest(collect(seeded, load_config(None), "2017-W13"), locale="az")
    assert any(c.code == "RA-CHE" and "qüvvəyə minməsi gözlənilir" in (c.what or "") for c in az.coming)
    # the week after, the date is past: not "coming up" any more
    later = build_digest(collect(seeded, load_config(None), "2017-W15"), locale="en")
    assert "RA-CHE" not in [c.code for c in later.coming]


def test_the_digest_says_the_counterpart_blocks(seeded, cli):
    from agreements.config.file import load_config
    from agreements.digest.week import build_digest, collect
    from notifications.render import render_text

    _ours_done(cli)
    digest = build_digest(collect(seeded, load_config(None), "2026-W48"), locale="en")
    item = next(i for i in digest.needs_action if i.code == "RA-CHE")
    assert item.awaiting_counterpart and item.waiting_for.startswith("waiting for: notification from CHE")
    assert "notification from CHE" in render_text(digest)


def test_report_pipeline_counts_the_counterparts_move_and_names_blockers(seeded, cli):
    def signing() -> dict:
        data = json.loads(ok(cli("report", "pipeline", "--format", "json", at=NOW)))
        return next(s for s in data["stages"] if s["stage"] == "signing"), data

    before, data = signing()
    waiting = {w["code"]: w for w in data["entry_into_force"]}
    assert waiting["RA-CHE"]["counterpart"] is False
    assert waiting["MC-RUS"]["sentence_en"].startswith("waiting for: AZE approval; notification from AZE")
    _ours_done(cli)
    after, data = signing()
    waiting = {w["code"]: w for w in data["entry_into_force"]}
    assert waiting["RA-CHE"]["counterpart"] is True
    assert after["counterpart"] == before["counterpart"] + 1 and after["total"] == before["total"]
    assert "RA-CHE: waiting for: notification from CHE" in ok(cli("report", "pipeline", at=NOW))


def test_the_daily_scan_flags_an_entry_into_force_due_once(seeded, cli):
    from sqlalchemy import select

    from agreements.config.file import load_config
    from agreements.store.tables import Agreement, Event
    from agreements.writes.stall_flags import run_scan
    from tests.support import clock_at

    now = clock_at(NOW).now()
    _ours_done(cli)
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    _act(cli, "RA-CHE", "CHE", "approval", "unknown")
    _act(cli, "RA-CHE", "CHE", "notification", "2017-03-01", "--received", "2017-03-03")
    config = load_config(None)

    def scan(day: date) -> dict[str, str]:
        return run_scan(seeded, config, day, now=now, actor="scheduler").recorded

    assert scan(date(2017, 4, 2)).get("RA-CHE") != "entry_into_force_due"  # due on 2 April: not yet late
    assert scan(date(2017, 4, 3)).get("RA-CHE") == "entry_into_force_due"
    assert "RA-CHE" not in scan(date(2017, 4, 3))  # idempotent for the day
    assert scan(date(2017, 4, 10)).get("RA-CHE") != "entry_into_force_due"  # and once only
    with seeded.read() as session:
        aid = session.scalar(select(Agreement.id).where(Agreement.code == "RA-CHE"))
        notes = session.scalars(
            select(Event.note).where(Event.agreement_id == aid, Event.outcome == "entry_into_force_due")
        ).all()
    assert len(notes) == 1 and "expected in force on 2 April 2017" in notes[0]
    assert ok(cli("verify", at=NOW))
    # recorded in force on the computed day: nothing more is flagged
    ok(cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-04-02", at=NOW))
    assert scan(date(2017, 4, 20)).get("RA-CHE") != "entry_into_force_due"
