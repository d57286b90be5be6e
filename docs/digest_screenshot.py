"""Render the HTML digest of the seed history and photograph it with headless Chromium.

Not run in CI. Needs Debian's Chromium (``apt-get install chromium``) and the
project installed in a virtual environment::

    .venv/bin/python docs/digest_screenshot.py            # writes docs/digest-az.png and docs/digest-en.png
    .venv/bin/python docs/digest_screenshot.py --locale az --week 2017-W09 --width 760

Works in a temporary directory (its own SQLite file, nothing sent): imports
``data/seed_history.json``, records a few events of the week before so that
every section has content, renders ``agreements digest preview --format html``
and runs ``chromium --headless --screenshot``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from workflows.locales import LOCALES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_html(workdir: Path, locale: str, week: str) -> Path:
    from agreements.clock import Clock
    from agreements.config.file import load_config
    from agreements.digest.plans import record_plan
    from agreements.digest.preview import preview
    from agreements.store.database import Database
    from agreements.store.migrate import upgrade
    from agreements.transfer.importer import import_records
    from agreements.transfer.reading import parse_json
    from agreements.writes.commands import Details, add_note, advance, record_round
    from agreements.writes.stall_flags import acknowledge

    db = Database(f"sqlite:///{workdir / 'agreements.db'}", allow_create=True)
    upgrade(db)
    seed = ROOT / "data" / "seed_history.json"
    today = Clock(source=lambda: datetime(2017, 2, 27, 9, tzinfo=UTC))
    import_records(db, parse_json(seed.read_text(encoding="utf-8"), seed.name), today)
    advance(
        db,
        "RA-MDA",
        "internal_approval",
        Details("leyla", note="Text agreed ad referendum", reference="letter No. 02/2210 of 22 February 2017"),
        on=date(2017, 2, 22),
        clock=today,
    )
    record_round(
        db,
        "IP-DEU",
        Details("rashad", place="Berlin"),
        on=date(2017, 2, 23),
        until=date(2017, 2, 24),
        outcome="Two articles left open",
        clock=today,
    )
    add_note(
        db,
        "RA-TUR",
        "XİN mətni qarşı tərəfə təqdim edib",
        Details("leyla", reference="nota № 4/118"),
        on=date(2017, 2, 21),
        clock=today,
    )
    acknowledge(
        db,
        "RA-PAK",
        Details("leyla", note="XİN-in cavabı gözlənilir"),
        until=date(2017, 3, 6),
        on=date(2017, 2, 20),
        clock=today,
    )
    record_plan(
        db,
        "RA-CHE",
        on=date(2017, 3, 3),
        what="Qüvvəyə minmə barədə notalar mübadiləsi",
        actor="leyla",
        clock=Clock(source=lambda: datetime(2017, 2, 24, 9, tzinfo=UTC)),
    )
    html = preview(db, load_config(None), week, locale=locale, fmt="html", now=today.now())
    db.dispose()
    target = workdir / f"digest-{locale}.html"
    target.write_text(html, encoding="utf-8")
    return target


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("Chromium not found: apt-get install chromium")


def screenshot(html: Path, png: Path, width: int, height: int) -> None:
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", choices=LOCALES, action="append", help="default: both")
    parser.add_argument("--week", default="2017-W09")
    parser.add_argument("--width", type=int, default=760)
    parser.add_argument("--height", type=int, default=2450)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp  # nothing in the user's own data directory
        for locale in args.locale or list(LOCALES):
            workdir = Path(tmp) / locale
            workdir.mkdir()
            html = build_html(workdir, locale, args.week)
            png = args.out / f"digest-{locale}.png"
            screenshot(html, png, args.width, args.height)
            print(f"wrote {png}")


if __name__ == "__main__":
    main()
