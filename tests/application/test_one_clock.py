"""One clock, one time zone: "today" is the configured zone's day everywhere."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from agreements.store.tables import Event

# 19:00 UTC on 1 March 2017: 23:00 that day in Baku, already 09:00 on
# 2 March on Kiritimati (UTC+14), after the daily scan's 08:00 there
MOMENT = datetime(2017, 3, 1, 19, 0, tzinfo=UTC)


def flagged_on(db, day: date) -> set[str]:
    from agreements.store.tables import Agreement

    with db.read() as s:
        rows = s.execute(
            select(Agreement.code)
            .join(Event, Event.agreement_id == Agreement.id)
            .where(Event.kind == "flag", Event.occurred_on == day, Event.outcome != "cleared")
        )
        return {code for (code,) in rows}


def test_stalled_and_the_daily_scan_agree_on_today_in_another_zone(seeded, cli, tmp_path):
    config = tmp_path / "kiritimati.toml"
    config.write_text('timezone = "Pacific/Kiritimati"\n', encoding="utf-8")

    code, out, err = cli("--config", str(config), "stalled", at=MOMENT)
    assert code == 0, err
    assert out.strip().endswith("as of 2017-03-02")
    code, out, err = cli("--config", str(config), "stalled", "--format", "json", at=MOMENT)
    listed = {row["code"] for row in json.loads(out)}
    assert listed  # the seed history has stalled agreements then

    code, out, err = cli("--config", str(config), "scheduler", "run", "--once", at=MOMENT)
    assert code == 0, err
    assert "stall_scan 2017-03-02: done" in out
    assert flagged_on(seeded, date(2017, 3, 2)) == listed

    # the same moment judged in Baku is still 1 March
    code, out, err = cli("stalled", at=MOMENT)
    assert out.strip().endswith("as of 2017-03-01")


def test_times_are_shown_in_the_configured_zone(seeded, cli, tmp_path):
    config = tmp_path / "kiritimati.toml"
    config.write_text('timezone = "Pacific/Kiritimati"\n', encoding="utf-8")
    code, out, err = cli("--config", str(config), "note", "RA-MDA", "Seen on the island", at=MOMENT)
    assert code == 0, err
    code, out, err = cli("--config", str(config), "history", "RA-MDA", "--format", "json", at=MOMENT)
    last = json.loads(out)["history"][-1]
    assert last["on"] == "2017-03-02"  # today there, the default day of a note
    assert last["recorded_at"] == "2017-03-02T09:00:00+14:00"
