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
    from tabulate import tabulate

    headers = [title for _key, title in columns]
    body = [[_cell(row.get(key)) for key, _title in columns] for row in rows]
    widths = [(wrap or {}).get(key) for key, _title in columns]
    if not body:
        return "(none)"
    return tabulate(body, headers=headers, tablefmt="simple", maxcolwidths=widths, disable_numparse=True)


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
    """The day a row's stage began, in ``lang`` (its words in Azerbaijani
    for ``az``; the rest of the label as the read gave it)."""
    label = row["stage_since_label"]
    if lang != "az" or not row.get("stage") or not row.get("stage_since_precision"):
        return label
    _date, sep, rest = label.partition("; ")
    day = shown(row["stage_since"], row["stage_since_precision"], row.get("stage_since_earliest"), lang)
    return day + sep + rest


def describe_event(event: dict[str, Any], lang: str, open_articles: bool = True) -> None:
    """Add the table columns ``when``, ``what`` and ``details`` to an event row."""
    # a round's span is written with a dash: ".." is the form of a date known only to lie between two days
    day = event["date_label"] if lang != "az" else shown(event["on"], event["date_precision"], event["earliest"], lang)
    event["when"] = day + (f" – {event['until']}" if event["until"] else "")
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
        event["what"] = "entry rule" if lang != "az" else "qüvvəyəminmə qaydası"
    if event.get("retracted_by"):
        event["what"] = f"RETRACTED (#{event['retracted_by']}) {event['what']}".rstrip()
    details = [event[k] for k in ("what_done", "outcome", "note", "reason") if event.get(k)]
    if event.get("rule"):
        details.insert(0, event["rule"])
    if event.get("received"):
        received = shown_received(event, lang)
        details.append(f"alınıb: {received}" if lang == "az" else f"received {received}")
    if event.get("instrument"):
        details.append(event["instrument"])
    if original:
        was = "; ".join(f"{k} was {v if v is not None else 'empty'}" for k, v in original.items() if k != "earliest")
        details.append(f"corrected by #{', #'.join(map(str, event['corrected_by']))}: {was}")
    if open_articles and event["open_articles"] is not None:
        details.append(f"open articles: {event['open_articles']}")
    if event["reference"]:
        details.append(f"ref: {event['reference']}")
    if event.get("stated_actor") or event.get("stated_recorded_at"):
        stated = ", ".join(x for x in (event.get("stated_actor"), event.get("stated_recorded_at")) if x)
        details.append(f"imported by {event['actor']} at {event['recorded_at']}; the file states {stated}")
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


def after_signature_lines(agreement: dict[str, Any], lang: str) -> list[str]:
    """``show``'s lines after signature: the entry-into-force rule, and the
    expected date or what it waits for, in ``lang``."""
    lines = []
    rule = agreement.get("entry_rule_az" if lang == "az" else "entry_rule_en")
    if rule:
        lines.append(f"  {'entry rule:':<13} {rule}")
    if agreement.get("binding") is False:
        lines.append(
            f"  {'binding:':<13} "
            + ("yox: təsdiq edilir, qüvvəyə minmir" if lang == "az" else "no: it is approved, never in force")
        )
    entry = agreement.get("entry_into_force")
    if entry and entry["status"] != "in_force":
        lines.append(f"  {'entry:':<13} {entry['sentence_az' if lang == 'az' else 'sentence_en']}")
    return lines


PARTY_COLUMNS = (
    ("party", "party", "tərəf"),
    ("signature", "signature", "imzalanma"),
    ("approval", "approval", "təsdiq"),
    ("notification_sent", "notification sent", "bildiriş göndərilib"),
    ("notification_received", "received", "alınıb"),
    ("in_force", "in force", "qüvvəyə minib"),
    ("notes", "notes", "qeydlər"),
)


def parties_table(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """``show``'s table of each party's acts."""
    columns = [(key, az if lang == "az" else en) for key, en, az in PARTY_COLUMNS]
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
