"""Command-line text that is not valid UTF-8 (issue 12).

A shell hands a program bytes; Python turns those that are not UTF-8 into
lone surrogates (``\\xff`` becomes ``\\udcff``, PEP 383), which no database,
comparison or terminal takes as text. Every command refuses such an
argument (or AGREEMENTS_* variable) in one usage line naming it, before
anything runs: exit 2, no traceback, nothing changed. In process the
arguments are given as click receives them; as a subprocess, the installed
``agreements`` is run with real bytes in its argv.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import database_rows, ok, refused

# \xff\xfe as Python decodes a command line (surrogateescape)
UNDECODABLE = "\udcff\udcfe"


@pytest.mark.parametrize(
    ("args", "position"),
    [
        (("note", "RA-MDA", UNDECODABLE), 3),
        (("note", "RA-MDA", "Birinci " + UNDECODABLE + " sətir"), 3),
        (("note", "RA-MDA", "qeyd", "--ref", UNDECODABLE), 5),
        (("note", UNDECODABLE, "qeyd"), 2),
        (("add", "RA-X" + UNDECODABLE, "--kind", "readmission", "--party", "MDA"), 2),
        (("search", UNDECODABLE), 2),
        (("list", "--party", UNDECODABLE), 3),
        (("--db", "/tmp/" + UNDECODABLE + ".db", "list"), 2),
    ],
    ids=["note text", "inside a note", "option value", "code", "new code", "search", "filter", "db path"],
)
def test_an_argument_that_is_not_utf8_is_a_usage_error_naming_it(seeded, cli, args, position):
    before = database_rows(seeded)
    line = refused(cli(*args), f"argument {position}", "not valid UTF-8", "\\xff\\xfe", exit_code=2)
    assert "unexpected failure" not in line
    assert database_rows(seeded) == before


def test_a_lone_surrogate_that_is_no_escaped_byte_is_refused_too(seeded, cli):
    before = database_rows(seeded)
    refused(cli("note", "RA-MDA", "a\ud800b"), "argument 3", "not valid UTF-8", "\\ud800", exit_code=2)
    assert database_rows(seeded) == before


def test_a_long_argument_is_shown_shortened(seeded, cli):
    line = refused(cli("note", "RA-MDA", "x" * 5000 + UNDECODABLE), "argument 3", exit_code=2)
    assert len(line) < 200


def test_an_agreements_variable_that_is_not_utf8_is_refused(seeded, cli, monkeypatch):
    before = database_rows(seeded)
    monkeypatch.setenv("AGREEMENTS_LANG", UNDECODABLE)
    refused(cli("note", "RA-MDA", "qeyd"), "AGREEMENTS_LANG", "not valid UTF-8", "\\xff\\xfe", exit_code=2)
    assert database_rows(seeded) == before


def test_valid_utf8_text_in_every_script_still_passes(seeded, cli):
    # the control: Azerbaijani, Cyrillic, Arabic and an emoji are all UTF-8
    text = "Kişinyov, Москва, القاهرة 🤝"
    ok(cli("note", "RA-MDA", text))
    assert ok(cli("search", "Kişinyov")).count("RA-MDA") >= 1


# ---------------------------------------------------------------- the installed command, real bytes


def _installed() -> str:
    """The ``agreements`` script installed beside the interpreter running the tests."""
    script = Path(sys.executable).with_name("agreements")
    if not script.exists():
        pytest.skip(f"no installed agreements script beside {sys.executable} (pip install -e .)")
    return str(script)


@pytest.mark.parametrize(
    ("argv", "position", "shown"),
    [
        ([b"note", b"RA-MDA", b"\xff\xfe"], 3, "\\xff\\xfe"),
        ([b"note", b"RA-MDA", b"qeyd", b"--place", b"Ki\xfeinyov"], 5, "Ki\\xfeinyov"),
        ([b"note", b"RA-MDA", "Bakı".encode("cp1254")], 3, "Bak\\xfd"),
        ([b"--db", b"/tmp/\xff.db", b"list"], 2, "/tmp/\\xff.db"),
    ],
    ids=["bytes", "latin-1 word", "turkish code page", "db path"],
)
def test_the_installed_command_refuses_bytes_that_are_not_utf8(seeded, argv, position, shown):
    before = database_rows(seeded)
    done = subprocess.run([_installed().encode(), *argv], capture_output=True, env=dict(os.environ), timeout=120)
    err = done.stderr.decode("utf-8")
    refused(
        (done.returncode, done.stdout.decode("utf-8"), err),
        f"argument {position}",
        "not valid UTF-8",
        shown,
        exit_code=2,
    )
    assert database_rows(seeded) == before
    assert not Path("/tmp/\udcff.db").exists()
