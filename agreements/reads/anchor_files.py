"""Anchors kept in files, for ``verify --against``: a file of saved root
lines, or an export (JSON or CSV) whose events carry their hashes, read one
agreement at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, TextIO

from agreements.errors import BadInput
from agreements.reads.anchor import ROOT_LINE, Root, parse_root

HASH_FIELD = "hash"  # what an export carries on each event (agreements.transfer.formats.HASH_FIELD)
CHUNK = 1 << 20  # characters of an export read at a time
MAX_VALUE_CHARS = 1 << 28  # one agreement of an export, whole history included: far above any real one
_decode = json.JSONDecoder().raw_decode


@dataclass(frozen=True)
class AnchorFile:
    """What one ``--against`` names: saved roots (each with a label saying
    where it stands), or an export (JSON or CSV) whose events carry hashes."""

    name: str
    roots: list[tuple[str, Root]]
    export: str | None = None  # "json" or "csv"


def read_anchor(value: str) -> AnchorFile:
    """What ``--against VALUE`` names: a root line, a file of them, or an export."""
    if ROOT_LINE.fullmatch(value.strip()):
        return AnchorFile("the root given", [("the root given", parse_root(value))])
    path = Path(value)
    if not path.is_file():
        raise BadInput(f"{value[:80]!r} is neither a root line (ROOT_HEX@ISO_MOMENT) nor a file of them or an export")
    try:
        return _read_anchor_file(path)
    except OSError as exc:
        raise BadInput(f"cannot read {value}: {exc.strerror or exc}") from None


def _read_anchor_file(path: Path) -> AnchorFile:
    """Tell a file of root lines from an export, reading the roots (short
    lines) and leaving an export to be streamed by :func:`exported_chains`."""
    name = str(path)
    with path.open("rb") as head:
        start = head.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"{"):
        return AnchorFile(name, [], "json")
    if start.startswith(b"code,"):
        return AnchorFile(name, [], "csv")
    roots = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    roots.append((f"the root of {name} line {number}", parse_root(line)))
                except BadInput as exc:
                    raise BadInput(f"{name} line {number}: {exc}") from None
    if not roots:
        raise BadInput(f"{name} holds no root line (ROOT_HEX@ISO_MOMENT) and is not an export")
    return AnchorFile(name, roots)


def exported_chains(anchor: AnchorFile) -> Iterator[tuple[str, list[str | None]]]:
    """Each agreement of the export ``anchor`` with its events' hashes, one
    at a time. Raises BadInput when the events carry no hash."""
    name = anchor.name
    try:
        with open(name, encoding="utf-8-sig", newline="") as source:
            agreements = json_agreements(source, name) if anchor.export == "json" else csv_agreements(source, name)
            for agreement in agreements:
                events = agreement.get("events") if isinstance(agreement, dict) else None
                if not isinstance(events, list) or not isinstance(agreement.get("code"), str):
                    raise BadInput(f"{name}: not an export of this tracker (an agreement without a code or events)")
                if not all(isinstance(e, dict) and HASH_FIELD in e for e in events):
                    raise BadInput(
                        f"{name}: its events carry no hash (it was exported before exports carried them), so it "
                        "cannot anchor the history; keep a root line instead (agreements verify --save-root FILE)"
                    )
                yield agreement["code"], [e[HASH_FIELD] if isinstance(e[HASH_FIELD], str) else None for e in events]
    except OSError as exc:
        raise BadInput(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: not UTF-8 text ({exc.reason})") from None


def csv_agreements(source: TextIO, name: str) -> Iterator[dict[str, Any]]:
    """The agreements of a CSV export with their events' hashes (the only
    field an anchor needs), one agreement at a time (an export writes each
    agreement's rows together)."""
    try:
        reader = csv.DictReader(source)
        has_field = HASH_FIELD in (reader.fieldnames or ())
        for code, rows in groupby(reader, key=lambda row: row.get("code") or ""):
            events = [{HASH_FIELD: row.get(HASH_FIELD) or None} if has_field else {} for row in rows]
            yield {"code": code, "events": events}
    except csv.Error as exc:
        raise BadInput(f"{name}: not a readable CSV export ({exc})") from None


class _Window:
    """The unparsed rest of a text stream, topped up as a value needs more."""

    def __init__(self, source: TextIO, name: str, chunk: int) -> None:
        self.source, self.name, self.chunk, self.text, self.pos = source, name, chunk, "", 0

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end), consumed."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text):
                self.pos += 1
                return self.text[self.pos - 1]
            if not self._more(self.chunk):
                return ""

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        found = self.next_char()
        self.pos -= 1 if found else 0
        return found

    def value(self) -> Any:
        """The JSON value that starts at the next character that is not white space."""
        self.peek()
        while True:
            try:
                value, end = _decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # maybe cut off by the end of what was read: read as much again
                if len(self.text) - self.pos > MAX_VALUE_CHARS:
                    raise BadInput(
                        f"{self.name}: not an export (a value longer than {MAX_VALUE_CHARS:,} characters)"
                    ) from None
                if not self._more(max(self.chunk, len(self.text) - self.pos)):
                    raise BadInput(f"{self.name}: not valid JSON ({exc.msg})") from None
                continue
            if end < len(self.text) or not self._more(self.chunk):  # a number may go on in the next chunk
                self.pos = end
                return value

    def _more(self, size: int) -> bool:
        chunk = self.source.read(size)
        if not chunk:
            return False
        self.text, self.pos = self.text[self.pos :] + chunk, 0
        return True

    def expect(self, *allowed: str) -> str:
        found = self.next_char()
        if found not in allowed:
            raise BadInput(f"{self.name}: not an export of this tracker (expecting {' or '.join(allowed)!s})")
        return found


def json_agreements(source: TextIO, name: str, chunk: int = CHUNK) -> Iterator[Any]:
    """The elements of the ``agreements`` list of a JSON export, decoded one
    at a time (the other fields of the document are read and left aside),
    reading ``chunk`` characters at a time."""
    window = _Window(source, name, chunk)
    window.expect("{")
    found = False
    while window.expect('"', "}") == '"':
        window.pos -= 1
        key = window.value()
        window.expect(":")
        if key == "agreements":
            found = True
            window.expect("[")
            more = window.peek() != "]"
            if not more:
                window.next_char()
            while more:
                yield window.value()
                more = window.expect(",", "]") == ","
        else:
            window.value()
        if window.expect(",", "}") == "}":
            break
    if not found:
        raise BadInput(f'{name}: not an export of this tracker (no "agreements")')
