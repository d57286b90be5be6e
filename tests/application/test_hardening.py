"""The smaller cases of issue 12, tried for real.

- A full disk: a real tiny file system (tmpfs in a mount namespace of the
  test's own, where the kernel allows it), ``/dev/full`` for outputs, and
  SQLite's page limit on the test's file standing in for a full disk on
  every SQLite run: one ``Error:`` line saying there is no space, exit 1,
  nothing recorded, no half-written file left.
- The memory an import of junk takes: the installed command, run on 50 MB
  files of junk, must refuse them without holding them (peak RSS).
- ``export --format csv --safe-cells``: what a spreadsheet would run as a
  formula gets a leading quote; the default export stays as typed.
- Each exported event carries its stored hash; an import reads a hash but
  records its own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select

from agreements.store.tables import Agreement, Event
from agreements.transfer.formats import CSV_COLUMNS
from tests.support import SEED, database_rows, ok, refused

FORMAT_HEAD = '{"format": "agreements-history", "version": 1, "agreements": ['


def _installed() -> str:
    """The ``agreements`` script installed beside the interpreter running the tests."""
    script = Path(sys.executable).with_name("agreements")
    if not script.exists():
        pytest.skip(f"no installed agreements script beside {sys.executable} (pip install -e .)")
    return str(script)


def _history(code: str = "RA-GEO", notes: int = 300, note_chars: int = 2000) -> dict:
    """A history file with one new agreement and many long notes (a few
    hundred kilobytes: more than a full disk has room for)."""
    events = [{"kind": "opened", "to": "draft", "on": "2016-01-11", "actor": "test"}]
    events += [
        {"kind": "note", "on": "2016-02-01", "note": f"{i}: " + "Qeyd mətni. " * (note_chars // 12), "actor": "test"}
        for i in range(notes)
    ]
    agreement = {
        "code": code,
        "title_az": "Azərbaycan Respublikası ilə Gürcüstan arasında readmissiya haqqında Saziş",
        "title_en": "Agreement between Azerbaijan and Georgia on readmission",
        "kind": "readmission",
        "parties": ["GEO"],
        "events": events,
    }
    return {"format": "agreements-history", "version": 1, "agreements": [agreement]}


# ---------------------------------------------------------------- a full disk: SQLite's page limit


@contextmanager
def _no_room_in(path: Path) -> Iterator[None]:
    """Every connection opened meanwhile to the SQLite file ``path`` may not
    make it any larger (PRAGMA max_page_count): a write that needs a page
    then fails with SQLITE_FULL, "database or disk is full", as on a full disk.
    Installed as a listener of SQLAlchemy's connect event, so that the
    command line's own connections get it."""

    def limit(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if str(path) in [row[2] for row in cursor.execute("PRAGMA database_list")]:
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    event.listen(Engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(Engine, "connect", limit)


@pytest.mark.sqlite_only("SQLite's page limit stands in for a full disk")
@pytest.mark.parametrize("command", ["import", "note", "add"])
def test_a_full_database_file_is_one_line_and_records_nothing(seeded, cli, db_path, tmp_path, command):
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_history(), ensure_ascii=False), encoding="utf-8")
    args = {
        "import": ("import", str(big)),
        "note": ("note", "RA-MDA", "Uzun qeyd. " * 900),
        "add": ("add", "RA-GEO", "--kind", "readmission", "--party", "GEO", "--title-en", "T", "--title-az", "T")
        + ("--note", "Uzun qeyd. " * 900),
    }[command]
    before = database_rows(seeded)
    with _no_room_in(db_path):
        refused(cli(*args), "no space left on the device of the database", "nothing was recorded")
    assert database_rows(seeded) == before
    ok(cli(*args))  # with room again the same command passes: it was the space


# ---------------------------------------------------------------- a full disk: a real tiny file system

# Runs inside a mount namespace of its own (unshare -Urm): mounts a 4 MB tmpfs,
# fills it, and reports what each command did, as JSON.
_ON_A_TINY_DISK = r"""
import json, os, subprocess, sys

mount, tool, seed, big, outside = sys.argv[1:6]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount], check=True)
db = os.path.join(mount, "a.db")


def run(*args, stdout=None):
    done = subprocess.run([tool, *args], stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return [done.returncode, done.stdout or "", done.stderr]


def fill(keep):
    fd = os.open(os.path.join(mount, "filler"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"x" * 4096)
    except OSError:
        pass
    os.close(fd)
    filler = os.path.join(mount, "filler")
    os.truncate(filler, max(0, os.path.getsize(filler) - keep))


found = {"init": run("--db", db, "init"), "seed": run("--db", db, "import", seed)}
backup = os.path.join(mount, "backup.json")
with open(backup, "w") as handle:
    handle.write("an older backup\n")
fill(96 * 1024)  # room for SQLite to open the file, none for the new history
found["before"] = run("--db", db, "export")
found["import"] = run("--db", db, "import", big)
found["after"] = run("--db", db, "export")
fill(0)  # now nothing: exports of another database onto this disk
found["out"] = run("--db", outside, "export", "--out", backup)
found["backup"] = open(backup).read()
with open(os.path.join(mount, "piped.json"), "w") as handle:
    found["stdout"] = run("--db", outside, "export", stdout=handle)
found["files"] = sorted(os.listdir(mount))
os.unlink(os.path.join(mount, "filler"))
found["again"] = run("--db", db, "import", big)
print(json.dumps(found))
"""


def _namespaces_usable(where: Path) -> str | None:
    """Why a tmpfs cannot be mounted in a namespace of our own here, or None."""
    if not (shutil.which("unshare") and shutil.which("mount")):
        return "needs unshare and mount (util-linux)"
    probe = subprocess.run(
        ["unshare", "-Urm", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    return None if probe.returncode == 0 else f"this kernel refuses a mount namespace: {probe.stderr.strip()}"


def test_a_full_file_system_is_one_line_and_leaves_nothing_half_written(tmp_path):
    tool = _installed()
    mount = tmp_path / "tiny"
    mount.mkdir()
    reason = _namespaces_usable(mount)
    if reason:
        pytest.skip(reason)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_history(), ensure_ascii=False), encoding="utf-8")
    outside = tmp_path / "outside.db"
    ok_run = subprocess.run([tool, "--db", str(outside), "init"], capture_output=True, text=True)
    assert ok_run.returncode == 0, ok_run.stderr
    assert subprocess.run([tool, "--db", str(outside), "import", str(SEED)], capture_output=True).returncode == 0

    done = subprocess.run(
        ["unshare", "-Urm", sys.executable, "-c", _ON_A_TINY_DISK, str(mount), tool, str(SEED), str(big), str(outside)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["init"][0] == 0 and found["seed"][0] == 0, found

    # the database's disk is full: refused in one line, nothing recorded
    refused(tuple(found["import"]), "no space left on the device of the database", "nothing was recorded")
    assert found["before"][0] == 0 and found["before"][1].startswith("{"), found["before"]
    assert found["after"] == found["before"]
    assert "Imported 1 new agreement(s)" in found["again"][1], found["again"]  # with room, it goes in

    # an export onto the full disk: one line; the older backup is left as it was, no temporary file remains
    refused(tuple(found["out"]), "no space left on the device", "left as it was")
    assert found["backup"] == "an older backup\n"
    assert [f for f in found["files"] if f.endswith(".part")] == [], found["files"]
    refused(tuple(found["stdout"]), "no space left on the device while writing the output")


# ---------------------------------------------------------------- a full disk: /dev/full

needs_dev_full = pytest.mark.skipif(
    not Path("/dev/full").exists(), reason="/dev/full (a device always full) is Linux's"
)


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [("export",), ("export", "--format", "csv"), ("log",), ("history", "RA-MDA", "--format", "json"), ("workflow",)],
    ids=["export", "export csv", "log", "history", "small output"],
)
def test_standard_output_on_a_full_disk_is_one_line(seeded, args):
    before = database_rows(seeded)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [_installed(), *args], stdout=full, stderr=subprocess.PIPE, text=True, env=dict(os.environ), timeout=120
        )
    refused((done.returncode, "", done.stderr), "no space left on the device while writing the output")
    assert database_rows(seeded) == before


@needs_dev_full
def test_export_out_onto_a_full_device_is_one_line(seeded, cli):
    refused(cli("export", "--out", "/dev/full"), "no space left on the device", "/dev/full is incomplete")


def test_export_out_replaces_a_file_only_when_complete(seeded, cli, tmp_path):
    target = tmp_path / "backup.json"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    ok(cli("export", "--out", str(target)))
    assert target.read_text(encoding="utf-8") == ok(cli("export"))
    assert target.stat().st_mode & 0o777 == 0o640  # the permissions of the file it replaced
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    refused(cli("export", "--out", str(tmp_path / "missing" / "x.json")), "cannot write", "No such file or directory")


# ---------------------------------------------------------------- an import of junk: bounded memory

JUNK_MB = 50
_CSV_HEAD = ",".join(CSV_COLUMNS) + "\n"
JUNK = {
    "a list of empty objects": ("[", "{},", "{}]"),
    "agreements that are empty objects": (FORMAT_HEAD, "{},", "{}]}"),
    "an agreement of empty lists": (FORMAT_HEAD + '{"code": "RA-X", "events": [', "[],", "[]]}]}"),
    "an agreement of notes without an opening": (
        FORMAT_HEAD
        + '{"code": "RA-X", "title_az": "t", "title_en": "t", "kind": "readmission", "parties": ["MDA"], "events": [',
        '{"kind": "note"},',
        '{"kind": "note"}]}]}',
    ),
    "one endless title": (FORMAT_HEAD + '{"code": "RA-X", "title_en": "', "ə", '"}]}'),
    "deep nesting": ("[" * 1000, "[", ""),
    "a csv line of commas": (_CSV_HEAD, ",", "\n"),
    "csv rows of notes": (_CSV_HEAD, "RA-X,t,t,readmission,MDA,,,note,,,,unknown,,,,,a,,,,,,\n", ""),
}


def _write_junk(path: Path, head: str, unit: str, tail: str, size: int) -> int:
    block = unit * (65536 // len(unit.encode()))
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head)
        written = len(head.encode())
        while written < size:
            handle.write(block)
            written += len(block.encode())
        handle.write(tail)
    return path.stat().st_size


def _import_peak(path: Path, tmp_path: Path) -> tuple[int, int, str]:
    """Run the installed ``agreements import PATH``: (exit code, peak RSS in kB, stderr)."""
    with (tmp_path / "stderr.txt").open("w+", encoding="utf-8") as err:
        process = subprocess.Popen(
            [_installed(), "import", str(path)], stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ)
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return process.returncode, usage.ru_maxrss, err.read()


@pytest.mark.sqlite_only("reading a file is the same on every backend")
@pytest.mark.parametrize("shape", list(JUNK), ids=list(JUNK))
def test_an_import_of_junk_is_refused_in_memory_that_does_not_grow_with_the_file(seeded, tmp_path, shape):
    head, unit, tail = JUNK[shape]
    suffix = ".csv" if "csv" in shape else ".json"
    tiny = tmp_path / f"tiny{suffix}"
    _write_junk(tiny, head, unit, tail, 0)
    _code, baseline, _err = _import_peak(tiny, tmp_path)
    junk = tmp_path / f"junk{suffix}"
    size = _write_junk(junk, head, unit, tail, JUNK_MB << 20)
    before = database_rows(seeded)

    code, peak, err = _import_peak(junk, tmp_path)

    refused((code, "", err))
    assert database_rows(seeded) == before
    # before: the file was read whole, then parsed whole (a 200 MB file of
    # empty objects took 4.9 GB); now not even the file's own size is held
    grown = peak - baseline
    assert grown < size // 1024, f"{shape}: peak {peak} kB, {grown} kB over the {baseline} kB of a tiny file"


# ---------------------------------------------------------------- CSV for a spreadsheet

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+994 12 000 00 00",
    "-2 articles still open",
    "@SUM(A1:A9)",
    "\tindented",
    "\rafter a carriage return",
]
STARTS = ("=", "+", "-", "@", "\t", "\r")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_safe_cells_quote_what_a_spreadsheet_would_run_and_nothing_else(seeded, cli):
    for text in FORMULAS:
        ok(cli("note", "RA-MDA", "--on", "2017-01-02", "--", text))
    plain = _rows(ok(cli("export", "--format", "csv")))
    safe = _rows(ok(cli("export", "--format", "csv", "--safe-cells")))
    assert plain[0] == safe[0] == list(CSV_COLUMNS)
    assert len(plain) == len(safe)
    quoted = 0
    for plain_row, safe_row in zip(plain[1:], safe[1:]):
        for typed, shown in zip(plain_row, safe_row):
            if typed.startswith(STARTS):
                assert shown == "'" + typed
                quoted += 1
            else:
                assert shown == typed
    note = plain[0].index("note")
    plain_notes = [row[note] for row in plain if row[0] == "RA-MDA"][-len(FORMULAS) :]
    safe_notes = [row[note] for row in safe if row[0] == "RA-MDA"][-len(FORMULAS) :]
    assert plain_notes == FORMULAS  # the default export: as typed
    assert safe_notes == ["'" + text for text in FORMULAS]
    assert quoted >= len(FORMULAS)


def test_the_default_csv_export_still_imports_back_as_typed(seeded, cli, tmp_path):
    for text in FORMULAS:
        ok(cli("note", "RA-MDA", "--on", "2017-01-02", "--", text))
    path = tmp_path / "plain.csv"
    ok(cli("export", "--format", "csv", "--out", str(path)))
    other = tmp_path / "other.db"
    ok(cli("--db", str(other), "init"))
    ok(cli("--db", str(other), "import", str(path)))
    history = json.loads(ok(cli("--db", str(other), "history", "RA-MDA", "--format", "json")))["history"]
    assert [e["note"] for e in history[-len(FORMULAS) :]] == FORMULAS


def test_safe_cells_is_for_csv_only(seeded, cli):
    refused(cli("export", "--safe-cells"), "--safe-cells", "csv", exit_code=2)
    help_text = ok(cli("export", "--help"))
    assert "--safe-cells" in help_text and "Example" in help_text


# ---------------------------------------------------------------- the hash of each event, exported


def _stored_hashes(db) -> tuple[dict[tuple[str, int], str], dict[str, str]]:
    with db.read() as session:
        events = session.execute(
            select(Agreement.code, Event.seq, Event.hash).join(Agreement, Event.agreement_id == Agreement.id)
        )
        hashes = {(code, seq): value for code, seq, value in events}
        heads = {code: head for code, head in session.execute(select(Agreement.code, Agreement.last_hash))}
    return hashes, heads


def test_an_export_carries_each_events_stored_hash(seeded, cli):
    ok(cli("note", "RA-MDA", "Bir qeyd", "--on", "2017-01-02"))
    doc = json.loads(ok(cli("export")))
    exported = {(a["code"], i): e["hash"] for a in doc["agreements"] for i, e in enumerate(a["events"], 1)}
    stored, heads = _stored_hashes(seeded)
    assert exported == stored
    assert all(isinstance(h, str) and len(h) == 64 for h in exported.values())
    assert {a["code"]: a["events"][-1]["hash"] for a in doc["agreements"]} == heads  # each chain's head
    rows = list(csv.DictReader(io.StringIO(ok(cli("export", "--format", "csv")), newline="")))
    assert [r["hash"] for r in rows] == [e["hash"] for a in doc["agreements"] for e in a["events"]]


def test_an_import_reads_hashes_but_records_its_own(seeded, cli, tmp_path):
    doc = json.loads(ok(cli("export")))
    forged = "0" * 64
    for agreement in doc["agreements"]:
        for item in agreement["events"]:
            item["hash"] = forged
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # into the database it came from: the same history, nothing added (hashes are not compared)
    before = database_rows(seeded)
    assert "Imported 0 new agreement(s) and 0 event(s)" in ok(cli("import", str(path)))
    assert database_rows(seeded) == before
    # into another: the history goes in, each event with the hash the tracker computes
    other = tmp_path / "other.db"
    ok(cli("--db", str(other), "init"))
    assert "Imported 18 new agreement(s)" in ok(cli("--db", str(other), "import", str(path)))
    again = json.loads(ok(cli("--db", str(other), "export")))
    hashes = [e["hash"] for a in again["agreements"] for e in a["events"]]
    assert forged not in hashes and all(len(h) == 64 for h in hashes)
    ok(cli("--db", str(other), "verify"))


def test_a_csv_written_before_the_hash_column_still_imports(seeded, cli, tmp_path):
    rows = _rows(ok(cli("export", "--format", "csv")))
    assert rows[0][-1] == "hash"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(row[:-1] for row in rows)
    path = tmp_path / "old.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    other = tmp_path / "other.db"
    ok(cli("--db", str(other), "init"))
    assert "Imported 18 new agreement(s) and 44 event(s)" in ok(cli("--db", str(other), "import", str(path)))


def test_a_hash_that_is_not_text_is_refused(seeded, cli, tmp_path):
    doc = json.loads(ok(cli("export")))
    doc["agreements"][0]["events"][0]["hash"] = 5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = database_rows(seeded)
    refused(cli("import", str(path)), "event 1", "hash must be text")
    assert database_rows(seeded) == before


@needs_dev_full
def test_digest_preview_out_onto_a_full_device_is_one_line(seeded, cli, tmp_path):
    refused(cli("digest", "preview", "--week", "2017-W09", "--locale", "en", "--out", "/dev/full"), "no space left")
    kept = tmp_path / "digest.txt"
    kept.write_text("an older preview\n", encoding="utf-8")
    assert "Wrote" in cli("digest", "preview", "--week", "2017-W09", "--locale", "en", "--out", str(kept))[1]
    assert "2017-W09" in kept.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
