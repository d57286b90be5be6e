"""Printing rows as a table, JSON or CSV. Heavy formatting modules load lazily."""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from workflows.date_forms import shown
from workflows.text import CONTROL

# the columns of an event in CSV output (`history`, and `log` after the code)
EVENT_COLUMNS = (
    "seq",
    "on",
    "date_precision",
    "until",
    "kind",
    "from",
    "to",
    "place",
    "outcome",
    "open_articles",
    "actor",
    "note",
    "reason",
    "reference",
    "awaiting",
    "source",
    "recorded_at",
    "stated_actor",
    "stated_recorded_at",
    "target",
    "correction",
    "retracted_by",
    "party",
    "act",
    "received",
    "instrument",
    "rule",
)

FORMATS = ("table", "json", "csv")
# text output shows control characters as escapes (\r, \n, \x1b); JSON, CSV
# and export keep every character as stored
_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    return _ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """``text`` for a table cell or a line of text output: control characters escaped, the rest verbatim."""
    return CONTROL.sub(_escape, text)


def shorten(text: str | None, width: int) -> str:
    if not text:
        return ""
    text = " ".join(printable(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], wrap: dict[str, int] | None = None
) -> str:
    """``rows`` as a plain table: cells longer than ``wrap`` says wrapped at
    spaces, then the widest columns narrowed until the table fits the
    terminal (``terminal_width``); a word (a code, a date) is never cut."""
    from tabulate import tabulate

    if not rows:
        return "(none)"
    headers = [title for _key, title in columns]
    body = [[_cell(row.get(key)) for key, _title in columns] for row in rows]
    widths = [(wrap or {}).get(key) for key, _title in columns]
    body = [[_wrapped(cell, width) for cell, width in zip(line, widths, strict=True)] for line in body]
    limit = terminal_width()
    if limit is not None:
        free = {i for i, width in enumerate(widths) if width is not None}
        body, headers = _fitted(body, headers, limit, free)
    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


GAP = 2  # the spaces between two columns of a "simple" table
HEADER_PAD = 2  # tabulate's MIN_PADDING: a header is that much narrower than its column
FREE_LEAST = 16  # the narrowest a column of free text (notes, details) becomes: a date in words still fits


def terminal_width() -> int | None:
    """How wide a table may be: $COLUMNS when set, else the terminal's width;
    None (no limit) when the output is not a terminal."""
    import shutil

    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


# the dates written in words, kept on one line: "31 December 2016",
# "December 2016", "2016-cı ilin dekabrın 31-dək", "2016-cı ilin noyabrın 24-dən dekabrın 31-dək"
DATE_WORDS = re.compile(
    r"\d{1,2} [^\W\d_]+ \d{4}|[A-Z][a-z]+ \d{4}"
    r"|\d{4}-[^\W\d_]+ ilin|[^\W\d_]+ \d{1,2}-[^\W\d_]+|[^\W\d_]+ ayı"
)
NBSP = "\xa0"  # not a place to break (textwrap breaks at ASCII whitespace only)


def _wrapped(text: str, width: int | None, free: bool = False) -> str:
    """``text`` wrapped at spaces to ``width``; a longer word, or a date in words, stays whole."""
    if width is None or all(len(line) <= width for line in text.split("\n")):
        return text
    text = text.replace("\n", " ")  # a cell has no line breaks of its own (``printable``): only earlier wrapping
    if NBSP in text:  # a character of the record: keep it as it is, wrap at other spaces
        return _plain_wrap(text, width, free)
    kept = DATE_WORDS.sub(lambda m: m.group().replace(" ", NBSP), text)
    return _plain_wrap(kept, width, free).replace(NBSP, " ")


def _plain_wrap(text: str, width: int, free: bool = False) -> str:
    """Wrapped at spaces; in ``free`` text (notes, details) a word longer than
    the column (a long path or address) is broken too."""
    import textwrap

    words = text.split(" ")
    if free and any(len(w) > width for w in words):
        text = " ".join(w if len(w) <= width else _broken(w.replace(NBSP, " "), width) for w in words)
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def _broken(word: str, width: int) -> str:
    """A word (or a date in words) too long for a column of free text, in pieces that fit."""
    if " " in word:
        return word
    return " ".join(word[i : i + width] for i in range(0, len(word), width))


def fit(text: str, indent: str = "  ") -> str:
    """A line of text output wrapped to the terminal's width (``terminal_width``),
    its continuation lines indented; whole when there is no limit."""
    limit = terminal_width()
    if limit is None or len(text) <= limit:
        return text
    kept = DATE_WORDS.sub(lambda m: m.group().replace(" ", NBSP), text)
    import textwrap

    lines = textwrap.wrap(kept, limit, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines).replace(NBSP, " ")


def _span(cells: Sequence[str]) -> tuple[int, int]:
    """The width of a column and the least it may be narrowed to (its longest word or date)."""
    lines = [
        DATE_WORDS.sub(lambda m: m.group().replace(" ", NBSP), line) for cell in cells for line in cell.split("\n")
    ]
    return max(map(len, lines), default=0), max((len(w) for line in lines for w in line.split(" ")), default=0)


def _fitted(body: list[list[str]], headers: list[str], limit: int, free: set[int]) -> tuple[list[list[str]], list[str]]:
    """Narrow the widest narrowable columns until the table fits ``limit``
    (the ``free`` text columns down to FREE_LEAST, their long words broken)."""
    count = len(headers)
    spans = []
    for i in range(count):
        width, least = _span([line[i] for line in body])
        head, head_least = _span([headers[i]])  # tabulate pads a header by HEADER_PAD
        width, least = max(width, head + HEADER_PAD), max(least, head_least + HEADER_PAD)
        spans.append((width, min(least, FREE_LEAST) if i in free else least))
    widths = [width for width, _least in spans]
    excess = sum(widths) + GAP * (count - 1) - limit
    while excess > 0:
        narrowable = [i for i in range(count) if widths[i] > spans[i][1]]
        if not narrowable:
            break  # only whole words left: wider than the terminal rather than cut
        widest = max(narrowable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    changed = [i for i in range(count) if widths[i] < spans[i][0]]
    for i in changed:
        headers[i] = _wrapped(headers[i], widths[i] - HEADER_PAD)
        for line in body:
            line[i] = _wrapped(line[i], widths[i], i in free)
    return body, headers


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return printable(", ".join(str(v) for v in value))
    return printable(str(value))


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def emit_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    # the csv module leaves a lone CR unquoted when lines end in LF, which a
    # reader takes for the end of the row: a row with a CR is quoted whole
    quoted = csv.writer(sys.stdout, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        values = [
            ";".join(v) if isinstance(v, list) else ("" if v is None else v) for v in (row.get(c) for c in columns)
        ]
        (quoted if any(isinstance(v, str) and "\r" in v for v in values) else writer).writerow(values)


def emit_data(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str]) -> bool:
    """Print ``rows`` as JSON or CSV when ``fmt`` asks for it; False for a table."""
    if fmt == "json":
        emit_json(rows)
        return True
    if fmt == "csv":
        emit_csv(rows, columns)
        return True
    return False


def stage_text(name: str | None, lang: str) -> str:
    """A stage as shown to people: its name, or its Azerbaijani label."""
    from workflows.stages import stage_label

    if not name:
        return ""
    return stage_label(name, "az") if lang == "az" else name


def since_text(row: dict[str, Any], lang: str) -> str:
    """The day a row's stage began, in ``lang`` (agreements.cli.phrases)."""
    from agreements.cli.phrases import since_text as phrase

    return phrase(row, lang)


def describe_event(event: dict[str, Any], lang: str, open_articles: bool = True) -> None:
    """Add the table columns ``when``, ``what``, ``details``, ``kind_text``
    and ``awaiting_text`` to an event row, in ``lang``."""
    from agreements.cli.phrases import event_kind_text, holder_text
    from workflows.locales import gettext_for

    _ = gettext_for(lang)
    # a round's span is written with a dash: ".." is the form of a date known only to lie between two days
    day = event["date_label"] if lang != "az" else shown(event["on"], event["date_precision"], event["earliest"], lang)
    event["when"] = day + (f" – {event['until']}" if event["until"] else "")
    event["kind_text"] = event_kind_text(event.get("kind"), lang)
    event["awaiting_text"] = holder_text(event["awaiting"], lang) if event.get("awaiting") else ""
    original = event.get("original") or {}
    if "on" in original or "until" in original:
        event["when"] += " *"  # corrected: the original stays in the details and in JSON
    if event["to"]:
        event["what"] = f"{stage_text(event['from'], lang) or '·'} -> {stage_text(event['to'], lang)}"
    else:
        event["what"] = ""
    if event.get("act"):
        event["what"] = f"{event['party']} {_act_words(event['act'], lang)}"
    elif event.get("rule"):
        event["what"] = _("entry rule")
    if event.get("retracted_by"):
        event["what"] = (_("RETRACTED (#{seq})").format(seq=event["retracted_by"]) + " " + event["what"]).rstrip()
    details = [event[k] for k in ("what_done", "outcome", "note", "reason") if event.get(k)]
    if event.get("rule"):
        details.insert(0, event["rule"])
    if event.get("received"):
        details.append(_("received {day}").format(day=shown_received(event, lang)))
    if event.get("instrument"):
        details.append(event["instrument"])
    if original:
        was = "; ".join(
            _("{field} was {value}").format(field=k, value=v if v is not None else _("empty"))
            for k, v in original.items()
            if k != "earliest"
        )
        seqs = ", #".join(map(str, event["corrected_by"]))
        details.append(_("corrected by #{seqs}: {was}").format(seqs=seqs, was=was))
    if open_articles and event["open_articles"] is not None:
        details.append(_("open articles: {n}").format(n=event["open_articles"]))
    if event["reference"]:
        details.append(_("ref: {reference}").format(reference=event["reference"]))
    if event.get("stated_actor") or event.get("stated_recorded_at"):
        stated = ", ".join(x for x in (event.get("stated_actor"), event.get("stated_recorded_at")) if x)
        details.append(
            _("imported by {actor} at {moment}; the file states {stated}").format(
                actor=event["actor"], moment=str(event["recorded_at"]).replace("T", " "), stated=stated
            )
        )
    event["details"] = " | ".join(details)


def _act_words(kind: str, lang: str) -> str:
    from workflows.acts import act_label

    return act_label(kind, lang)


def shown_received(event: dict[str, Any], lang: str) -> str:
    """An act's received date in words, in ``lang``."""
    if lang != "az":
        return event["received_label"]
    from workflows.date_forms import parse_when

    return parse_when(event["received"]).label(lang)


def after_signature_fields(agreement: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """``show``'s labelled lines after signature: the entry-into-force rule,
    and the expected date or what it waits for, in ``lang``."""
    from workflows.locales import gettext_for

    _ = gettext_for(lang)
    fields = []
    rule = agreement.get("entry_rule_az" if lang == "az" else "entry_rule_en")
    if rule:
        fields.append((_("entry rule"), rule))
    if agreement.get("binding") is False:
        fields.append((_("binding"), _("no: it is approved, never in force")))
    entry = agreement.get("entry_into_force")
    if entry and entry["status"] != "in_force":
        fields.append((_("entry"), entry["sentence_az" if lang == "az" else "sentence_en"]))
    return fields


def parties_table(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """``show``'s table of each party's acts."""
    from workflows.locales import gettext_for

    _ = gettext_for(lang)
    columns = [
        ("party", _("party")),
        ("signature", _("signature")),
        ("approval", _("approval")),
        ("notification_sent", _("notification sent")),
        ("notification_received", _("received")),
        ("in_force", _("in force")),
        ("notes", _("notes")),
    ]
    return table(
        rows, columns, wrap={"approval": 36, "notes": 40, "notification_sent": 24, "notification_received": 24}
    )


def write_whole(out: str, write: Callable[[TextIO], object]) -> None:
    """Let ``write`` fill ``out`` whole or not at all: a regular file is
    written beside it under a temporary name and renamed over it once
    complete; a device or a pipe (which cannot be renamed over) directly."""
    from agreements.errors import BadInput  # lazy: only a failing --out needs it

    path = os.path.realpath(out)  # through a symbolic link: the file it points to is replaced
    direct = os.path.exists(path) and not os.path.isfile(path)
    folder, base = os.path.split(path)
    target = path if direct else os.path.join(folder, f".{base}.{os.getpid()}.part")
    try:
        handle = open(target, "w" if direct else "x", encoding="utf-8", newline="")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise BadInput(f"cannot write {out}: {exc.strerror}") from None
    try:
        with handle:
            write(handle)
            handle.flush()
            if not direct:
                os.fsync(handle.fileno())  # a backup: on the disk before it replaces the old one
        if not direct:
            if os.path.isfile(path):  # keep the permissions of the file it replaces
                os.chmod(target, os.stat(path).st_mode & 0o7777)
            os.replace(target, path)
    except BaseException as exc:
        if not direct:
            with contextlib.suppress(OSError):
                os.unlink(target)
        if not isinstance(exc, OSError):
            raise
        reason = "no space left on the device" if exc.errno == errno.ENOSPC else exc.strerror
        left = f"{out} is incomplete" if direct else f"{out} was left as it was"
        raise BadInput(f"cannot write {out}: {reason}; {left}") from None
