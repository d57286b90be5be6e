"""Generate a synthetic archive: N agreements, M events, lifecycle-following
stage paths, Azerbaijani and English notes. Written straight into a migrated
SQLite database (the FTS triggers index it as it goes). Given a PostgreSQL
URL, the archive is generated into a SQLite file first and then exported and
imported into the URL's schema by the tracker (`agreements export`,
`agreements import --db URL`): the schema is dropped and created anew.

    .venv/bin/python -m benchmarks.generate /tmp/archive.db --agreements 10000 --events 1000000
    .venv/bin/python -m benchmarks.generate /tmp/archive-100k.db --events 100000   # 1,000 agreements
    .venv/bin/python -m benchmarks.generate \
        'postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench' --from /tmp/archive.db
    .venv/bin/python -m benchmarks.generate 'postgresql+psycopg://...?options=-csearch_path%3Dbench' --drop
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from agreements.store.database import Database
from agreements.store.migrate import upgrade
from agreements.writes.summaries import backfill_summaries
from benchmarks.databases import copy_from_sqlite, drop, fresh, target
from workflows.stages import DEFAULT_HOLDER, KINDS, allowed_targets

PARTIES = (
    "MDA",
    "GEO",
    "TUR",
    "RUS",
    "KAZ",
    "UZB",
    "TKM",
    "KGZ",
    "TJK",
    "UKR",
    "BLR",
    "ARM",
    "IRN",
    "PAK",
    "AFG",
    "IND",
    "CHN",
    "DEU",
    "FRA",
    "ITA",
    "ESP",
    "NLD",
    "BEL",
    "LUX",
    "CHE",
    "AUT",
    "POL",
    "CZE",
    "SVK",
    "HUN",
    "ROU",
    "BGR",
    "SRB",
    "MNE",
    "ALB",
    "GRC",
    "LVA",
    "LTU",
    "EST",
    "FIN",
    "SWE",
    "NOR",
    "DNK",
    "GBR",
    "IRL",
    "USA",
    "CAN",
    "ISR",
    "EGY",
    "JOR",
    "ARE",
    "SAU",
    "QAT",
    "KOR",
    "JPN",
    "EU",
    "IOM",
)
PLACES = (
    "Bakı",
    "Kişinyov",
    "Tbilisi",
    "Ankara",
    "İstanbul",
    "Moskva",
    "Astana",
    "Daşkənd",
    "Aşqabad",
    "Bişkek",
    "Düşənbə",
    "Kiyev",
    "Minsk",
    "Tehran",
    "İslamabad",
    "Berlin",
    "Paris",
    "Roma",
    "Brüssel",
    "Vyana",
    "Varşava",
    "Praqa",
    "Budapeşt",
    "Buxarest",
    "Sofiya",
    "Belqrad",
    "Podqoritsa",
    "Riqa",
    "Vilnüs",
    "Stokholm",
    "Oslo",
    "Helsinki",
    "London",
    "Cenevrə",
    "Lüksemburq",
    "Haaqa",
    "Gəncə",
    "Sumqayıt",
)
NOTES_AZ = (
    "Layihənin mətni qarşı tərəfə göndərildi",
    "Qarşı tərəfin şərhləri alındı və nəzərdən keçirildi",
    "Maddələr üzrə razılıq əldə olundu",
    "Xarici İşlər Nazirliyinə məktub göndərildi",
    "Dövlət orqanları ilə razılaşdırma davam edir",
    "Növbəti danışıqlar raundu planlaşdırılır",
    "İcazəsiz yaşayan şəxslərin readmissiyası məsələləri müzakirə olundu",
    "Ədliyyə Nazirliyinin rəyi alındı",
    "Nota vasitəsilə cavab gözlənilir",
    "Ekspertlər səviyyəsində görüş keçirildi",
    "İmzalanma mərasimi hazırlanır",
    "Qüvvəyə minmə üçün daxili prosedurlar başa çatdı",
)
NOTES_EN = (
    "Draft text sent to the counterpart",
    "Counterpart's comments received and reviewed",
    "Agreement reached on the articles",
    "Letter sent to the Ministry of Foreign Affairs",
    "Clearance with state bodies under way",
    "Next round of talks being scheduled",
    "Readmission of persons residing without authorisation discussed",
    "Opinion of the Ministry of Justice received",
    "Reply awaited through a note verbale",
    "Expert-level meeting held",
    "Signing ceremony being arranged",
    "Internal procedures for entry into force completed",
)
TITLE_AZ = "Azərbaycan Respublikası Hökuməti ilə {p} Hökuməti arasında {w} haqqında Saziş"
TITLE_EN = "Agreement between the Government of the Republic of Azerbaijan and the Government of {p} on {w}"
TOPICS = (
    ("readmissiya", "readmission"),
    ("miqrasiya sahəsində əməkdaşlıq", "cooperation in migration"),
    ("əmək miqrasiyası", "labour migration"),
    ("vizaların sadələşdirilməsi", "visa facilitation"),
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
END = date(2026, 11, 1)
TERMINATION_REASON = "Tərəflərdən biri danışıqları dayandırdı / One party withdrew from the talks"


# where a non-binding instrument ends instead of entering into force (workflows.entry_rules)
NON_BINDING = ("memorandum", "joint_declaration")


def _events_for(rng: random.Random, count: int, start: date, binding: bool = True):
    stage, day = "draft", start
    holder: str | None = "us"
    suspended_from = None
    signed = in_force = None
    round_until = None
    events: list[tuple] = []
    for seq in range(1, count + 1):
        from_stage: str | None
        day = min(day + timedelta(days=rng.randint(0, 25)), END)
        if round_until is not None and day < round_until:
            # nothing moves before a round's last day (workflows.chronology.check_event_date)
            day = round_until
        precision = "not_after" if seq == 1 and rng.random() < 0.3 else "day"
        kind, from_stage, to_stage, until, place, outcome, articles = "note", stage, None, None, None, None, None
        if seq == 1:
            kind, from_stage, to_stage = "opened", None, "draft"
        else:
            # a binding agreement enters into force, a non-binding one is approved
            ending = "approved" if binding else "in_force"
            targets = [t for t in allowed_targets(stage, suspended_from) if t != ending]
            r = rng.random()
            if stage == "expert_talks" and r < 0.3:
                kind, place = "round", rng.choice(PLACES)
                until = day + timedelta(days=rng.randint(0, 2))
                if until > END:
                    until = END
                articles = rng.randint(0, 12)
                round_until = until
                outcome = rng.choice(NOTES_AZ) + ". " + rng.choice(NOTES_EN) + "."
            elif stage == "signing" and signed is None and r < 0.3:
                kind, signed, place = "signature", day, rng.choice(PLACES)
            elif targets and r > 0.88:
                forward = [t for t in targets if t not in ("terminated", "suspended")]
                weights = [
                    0.7 if t in ("expert_talks", "internal_approval", "mfa", "signing", "in_force") else 0.3
                    for t in forward
                ]
                if stage == "signing" and signed is None:
                    forward = [t for t in forward if t != "in_force"] or forward
                    weights = weights[: len(forward)]
                if rng.random() < 0.008 and "terminated" in targets:
                    target = "terminated"
                elif rng.random() < 0.05 and "suspended" in targets:
                    target = "suspended"
                elif forward:
                    target = rng.choices(forward, weights=weights[: len(forward)])[0]
                else:
                    target = targets[0]
                kind, to_stage = "stage_change", target
                if target == "suspended":
                    suspended_from = stage
                elif stage == "suspended":
                    suspended_from = None
                if target == "in_force":
                    in_force = day
        if to_stage:
            stage = to_stage
            if to_stage != "suspended":
                holder = DEFAULT_HOLDER.get(to_stage, holder)
        if rng.random() < 0.15:
            holder = rng.choice(("us", "counterpart", "mfa", "government"))
        note = (
            rng.choice(NOTES_AZ) + " / " + rng.choice(NOTES_EN) if kind in ("note", "stage_change", "opened") else None
        )
        ref = (
            f"məktub № 02/{rng.randint(100, 9999)}, {day.day} {MONTHS[day.month - 1]} {day.year}"
            if rng.random() < 0.4
            else None
        )
        events.append(
            (seq, kind, from_stage, to_stage, day, precision, until, place, note, ref, outcome, articles, holder)
        )
    return events, stage, holder, signed, in_force, suspended_from


_EVENT_INSERT = (
    "INSERT INTO events (agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, occurred_until, "
    "recorded_at, actor, place, note, reason, reference, outcome, open_articles, awaiting, source) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)"
)


def _event_rows(rng: random.Random, aid: int | None, evs: list[tuple], recorded: str) -> list[tuple]:
    """The rows of one agreement's events, with an actor each."""
    # terminating needs a reason (workflows.lifecycle), so that the archive re-imports
    return [
        (
            aid,
            s,
            k,
            f,
            t,
            d.isoformat(),
            p,
            u.isoformat() if u else None,
            recorded,
            rng.choice(("l.mammadova", "r.aliyev", "s.ismayilova", "scheduler")),
            pl,
            n,
            TERMINATION_REASON if t == "terminated" else None,
            ref,
            o,
            a,
            h,
        )
        for s, k, f, t, d, p, u, pl, n, ref, o, a, h in evs
    ]


def generate(path: str, agreements: int, events: int, seed: int = 7) -> None:
    db = Database(f"sqlite:///{path}", allow_create=True)
    upgrade(db)
    db.dispose()
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    per = events // agreements
    recorded = datetime(2026, 11, 20, 9, 0, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")
    started = time.perf_counter()
    for index in range(agreements):
        kind = rng.choice(KINDS)
        parties = [rng.choice(PARTIES)] + ([rng.choice(PARTIES)] if rng.random() < 0.05 else [])
        parties = list(dict.fromkeys(parties))
        topic = rng.choice(TOPICS)
        code = f"{kind[:2].upper()}-{parties[0]}-{index:05d}"
        start = date(1990, 1, 1) + timedelta(days=rng.randint(0, 365 * 28))
        evs, stage, holder, signed, in_force, suspended_from = _events_for(rng, per, start, kind not in NON_BINDING)
        since = max((e for e in evs if e[3]), key=lambda e: e[0])
        cur = conn.execute(
            "INSERT INTO agreements (code, title_az, title_en, kind, parent_id, officer, stage, stage_since, "
            "stage_since_precision, suspended_from, awaiting, signed_on, in_force_on, event_count, created_at, version) "
            "VALUES (?,?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,1)",
            (
                code,
                TITLE_AZ.format(p=parties[0], w=topic[0]),
                TITLE_EN.format(p=parties[0], w=topic[1]),
                kind,
                rng.choice(("L. Məmmədova", "R. Əliyev", "S. İsmayılova", None)),
                stage,
                since[4].isoformat(),
                since[5],
                suspended_from,
                holder,
                signed.isoformat() if signed else None,
                in_force.isoformat() if in_force else None,
                len(evs),
                recorded,
            ),
        )
        aid = cur.lastrowid
        conn.executemany(
            "INSERT INTO agreement_parties (agreement_id, party, position) VALUES (?,?,?)",
            [(aid, p, i) for i, p in enumerate(parties)],
        )
        conn.executemany(_EVENT_INSERT, _event_rows(rng, aid, evs, recorded))
        if index % 1000 == 999:
            conn.commit()
            print(f"{index + 1} agreements, {time.perf_counter() - started:.0f} s", flush=True)
    conn.commit()
    conn.close()
    # the per-agreement summaries that agreements.writes.apply.append_event keeps (migration 0005)
    db = Database(f"sqlite:///{path}")
    with db.engine.begin() as connection:
        backfill_summaries(connection)
        connection.exec_driver_sql("ANALYZE")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="a SQLite file, or a PostgreSQL URL naming a schema (options=-csearch_path=NAME)")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in all (default 1,000,000)")
    parser.add_argument("--agreements", type=int, help="agreements (default: one per 100 events)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--from", dest="source", metavar="SQLITE", help="PostgreSQL: copy this archive instead")
    parser.add_argument("--drop", action="store_true", help="drop the SQLite file or PostgreSQL schema, and stop")
    args = parser.parse_args()
    db = target(args.path)
    if args.drop:
        drop(db)
        return
    agreements = args.agreements or max(1, args.events // 100)
    if db.is_sqlite:
        fresh(db)
        generate(db.path, agreements, args.events, args.seed)
        return
    with tempfile.TemporaryDirectory(prefix="agreements-generate-") as scratch:
        source = args.source
        if source is None:
            source = os.path.join(scratch, "archive.db")
            generate(source, agreements, args.events, args.seed)
        started = time.perf_counter()
        copy_from_sqlite(source, db, scratch)
        print(f"{db.label()} filled by export and import in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
