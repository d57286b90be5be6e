"""Reading a JSON history file an agreement at a time, in bounded memory.

The file is read in chunks into a window. The document's own frame
(``{"format": ..., "version": ..., "agreements": [``) is read here piece by
piece. An agreement that lies whole in the window is decoded at once by the
standard library's C decoder (as quick as ``json.loads``); one that does not
(it crosses the window's end, or is very long, or is not JSON) is read in
parts: field by field, its events one at a time, each handed to
``check_event`` as it is read. So no value longer than
:data:`MAX_VALUE_CHARS` is ever decoded, a file whose frame is wrong is
refused at its first wrong character, and a file of junk is never held
whole, whatever its size.
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from agreements.errors import BadInput
from agreements.transfer.formats import AGREEMENT_FIELDS, FORMAT, VERSION

CHUNK = 1 << 20  # bytes read at a time
MAX_FIELD_CHARS = 4096  # a field name, or the JSON of "format" or "version"
MAX_VALUE_CHARS = 1 << 20  # the JSON of one event or one field of an agreement (free text: 10,000 characters)
TOP_FIELDS = ("format", "version", "agreements")
_SPACE = re.compile(r"[ \t\n\r]*")
_decode = json.JSONDecoder().raw_decode
_PARTIAL = object()

#: checks one event of an agreement read in parts: (where, the agreement's
#: fields read so far, its number, the decoded event) -> what to keep of it
EventCheck = Callable[[str, dict[str, Any], int, Any], Any]


class _Window:
    """The part of a UTF-8 stream not yet parsed: ``text[pos:]``, topped up
    a chunk at a time; the lines read are counted (in bytes: quicker) for messages."""

    def __init__(self, source: BinaryIO, name: str):
        self.source, self.name = source, name
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()  # a byte-order mark is not content
        self.text, self.pos, self.lines_read, self.eof = "", 0, 0, False

    def more(self) -> bool:
        """Read another chunk, dropping what is parsed; False at the end."""
        if self.eof:
            return False
        data = self.source.read(CHUNK)
        self.lines_read += data.count(b"\n")
        try:
            chunk = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise BadInput(f"{self.name}: cannot read it: not UTF-8 text ({exc.reason})") from None
        if not data:
            self.eof = True
        self.text, self.pos = self.text[self.pos :] + chunk, 0
        return not self.eof

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]  # matches always
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def take(self, expected: str) -> None:
        """Consume ``expected``, the next character that is not white space."""
        found = self.peek()
        if found != expected:
            self.invalid(f"expecting {expected!r}" + (f", found {found!r}" if found else ", found the end of the file"))
        self.pos += 1

    def after_item(self, closing: str) -> bool:
        """Consume the ``,`` after an item of a list or object (True), or its
        ``closing`` bracket (False)."""
        found = self.peek()
        if found == ",":
            self.pos += 1
            return True
        if found != closing:
            self.invalid(f"expecting ',' or {closing!r}" + ("" if found else ", found the end of the file"))
        self.pos += 1
        return False

    def whole(self) -> Any:
        """The value that starts here if it lies whole in the window (consumed),
        else :data:`_PARTIAL` (nothing consumed). With no line break after it
        (an export writes an agreement a line), one more chunk is read first:
        a value that runs past the window is then seldom tried (a failed try
        costs a count of the lines before it, in the decoder's message)."""
        if not self.eof and self.text.find("\n", self.pos) == -1:
            self.more()
        try:
            value, end = _decode(self.text, self.pos)
        except json.JSONDecodeError:
            return _PARTIAL
        if end == len(self.text) and not self.eof:
            return _PARTIAL  # a number at the very end may go on
        self.pos = end
        return value

    def value(self, limit: int, what: str) -> Any:
        """Decode the JSON value that starts here (at most ``limit`` characters)."""
        self.peek()
        last = None
        while True:
            try:
                value, end = _decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # the value may go on in the next chunk; an error that more text
                # does not move (other than an unterminated string) is the file's
                seen = (exc.msg, exc.pos - self.pos)
                if self.eof or (seen == last and not exc.msg.startswith("Unterminated string")):
                    self.invalid(exc.msg, exc.pos)
                last = seen
            else:
                if end < len(self.text) or self.eof:  # a number at the very end may go on
                    self.pos = end
                    return value
            if len(self.text) - self.pos > limit:
                raise BadInput(f"{what} is longer than {limit:,} characters of JSON: not a history file")
            self.more()

    def invalid(self, reason: str, at: int | None = None) -> None:
        at = self.pos if at is None else at
        line = self.lines_read - self.text.count("\n", at) + 1
        raise BadInput(f"{self.name}: not valid JSON ({reason.removesuffix(' at')} at line {line})")


def json_agreements(source: BinaryIO, name: str, check_event: EventCheck) -> Iterator[Any]:
    """The agreements of a JSON history file as decoded JSON values, one at a
    time (the events of one read in parts are what ``check_event`` made of
    them). The document's fields are checked as they come (an unknown one, or
    another format, at once) and once more at the end."""
    window = _Window(source, name)
    first = window.peek()
    if first != "{":
        if first == "":
            raise BadInput(f"{name}: not valid JSON (the file is empty)")
        raise BadInput(f'{name}: not an {FORMAT} file (expected "format": "{FORMAT}")')
    window.pos += 1
    document: dict[str, Any] = {}
    more = _opened(window, "}")
    while more:
        key = _field_name(window, f"{name}: a field name")
        if key not in TOP_FIELDS:
            raise BadInput(f"{name}: unknown field(s) {key}")
        if key in document:
            raise BadInput(f"{name}: field {key} is given twice")
        if key == "agreements":
            if window.peek() != "[":
                raise BadInput(f'{name}: "agreements" must be a list')
            window.pos += 1
            yield from _agreements(window, name, check_event)
            document[key] = True
        else:
            document[key] = window.value(MAX_FIELD_CHARS, f'{name}: "{key}"')
            if key == "format" and document[key] != FORMAT:
                break  # refused below
        more = window.after_item("}")
    if document.get("format") != FORMAT:
        raise BadInput(f'{name}: not an {FORMAT} file (expected "format": "{FORMAT}")')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise BadInput(f"{name}: unsupported version {version!r} (this tracker reads {VERSION})")
    if "agreements" not in document:
        raise BadInput(f'{name}: "agreements" must be a list')
    if window.peek() != "":
        window.invalid("extra data after the document")


def _opened(window: _Window, closing: str) -> bool:
    """After an opening bracket: False (and ``closing`` consumed) if nothing follows."""
    if window.peek() == closing:
        window.pos += 1
        return False
    return True


def _field_name(window: _Window, what: str) -> Any:
    """The name of the next field of an object, and its ``:`` consumed."""
    found = window.peek()
    if found != '"':
        window.invalid("expecting a field name in double quotes" + ("" if found else ", found the end of the file"))
    key = window.value(MAX_FIELD_CHARS, what)
    window.take(":")
    return key


def _agreements(window: _Window, name: str, check_event: EventCheck) -> Iterator[Any]:
    """The elements of the "agreements" list, its ``[`` consumed."""
    if not _opened(window, "]"):
        return
    for index in itertools.count(1):
        found = window.peek()
        if found == "":
            window.invalid("the file ends inside the list of agreements")
        where = f"{name}: agreement {index}"
        if found != "{":
            raise BadInput(f"{where}: an agreement must be an object")
        agreement = window.whole()
        yield _in_parts(window, where, check_event) if agreement is _PARTIAL else agreement
        if not window.after_item("]"):
            return


def _in_parts(window: _Window, where: str, check_event: EventCheck) -> dict[str, Any]:
    """An agreement read field by field, its events one at a time."""
    window.take("{")
    raw: dict[str, Any] = {}
    more = _opened(window, "}")
    while more:
        key = _field_name(window, f"{where}: a field name")
        if key not in AGREEMENT_FIELDS and key != "events":
            raise BadInput(f"{where}: unknown field(s) {key}")
        if key == "events" and window.peek() == "[":
            window.pos += 1
            events: list[Any] = []
            listed = _opened(window, "]")
            while listed:
                number = len(events) + 1
                event = window.value(MAX_VALUE_CHARS, f"{where}, event {number}")
                events.append(check_event(where, raw, number, event))
                listed = window.after_item("]")
            raw[key] = events
        else:
            raw[key] = window.value(MAX_VALUE_CHARS, f"{where}: {key}")
        more = window.after_item("}")
    return raw
