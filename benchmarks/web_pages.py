"""Time each page of the web view (``agreements serve``) through Flask's test
client, in-process: the median of N requests after a warm-up, per page.

On the seed history (loaded into a temporary SQLite file) by default; on an
archive with ``--db`` (e.g. the one ``benchmarks/generate.py`` writes)::

    .venv/bin/python -m benchmarks.web_pages
    .venv/bin/python -m benchmarks.web_pages --db /tmp/archive.db --repeat 10

Prints milliseconds; no thresholds (the goal is each page under 100 ms on the
seed and under 300 ms on the 10,000-agreement archive).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from agreements.clock import Clock
from agreements.config.settings import Config
from agreements.reads.listing import list_agreements
from agreements.store.database import Database
from agreements.store.migrate import upgrade
from agreements.transfer.importer import import_records
from agreements.transfer.reading import read_records
from agreements.web.app import create_app

SEED = Path(__file__).resolve().parent.parent / "data" / "seed_history.json"


def pages(code: str, word: str) -> list[str]:
    """The pages timed: every kind of page, with and without its filters."""
    return [
        "/agreements",
        "/agreements?lang=az&sort=since&order=desc",
        "/agreements?stage=expert_talks",
        "/agreements?stalled=1",
        "/agreements?as_of=2016-07-01",
        f"/agreements/{code}",
        f"/agreements/{code}?lang=az",
        f"/agreements/{code}?as_of=2016-07-01",
        f"/search?q={word}",
        "/stalled",
        "/reports",
        "/reports?as_of=2016-07-01",
        "/reports/durations",
        "/agreements/XX-NONE",
    ]


def median_ms(get, url: str, repeat: int) -> tuple[float, int]:
    status = get(url).status_code  # warm up: templates compiled, caches filled
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get(url)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), status


def seeded(folder: str) -> Database:
    db = Database(f"sqlite:///{folder}/seed.db", allow_create=True)
    upgrade(db)
    import_records(db, read_records(SEED.read_text(encoding="utf-8"), str(SEED)), clock=Clock(), actor="benchmark")
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a database URL or SQLite file (default: the seed history, loaded anew)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument("--code", default="RA-MDA", help="the agreement whose page is timed (default RA-MDA)")
    parser.add_argument("--word", default="Moskva", help="the word searched for (default Moskva)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.db:
            db = Database(args.db if "://" in args.db else f"sqlite:///{Path(args.db).absolute()}")
        else:
            db = seeded(folder)
        code = args.code
        if args.db and args.code == "RA-MDA":  # an archive: its first agreement
            code = list_agreements(db)[0]["code"]
        client = create_app(db, Config(path=Path(folder) / "none.toml", loaded=False), Clock()).test_client()
        print(f"database: {db.display_url}; median of {args.repeat} requests per page")
        print(f"{'page':60} {'status':>6} {'ms':>8}")
        for url in pages(code, args.word):
            ms, status = median_ms(client.get, url, args.repeat)
            print(f"{url:60} {status:>6} {ms:8.1f}")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
