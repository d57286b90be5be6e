"""The rows of an agreement's history table, in words: each entry's date
(marked when not known to the day), what happened, and what the record says
about it — a corrected entry with its original values beside the corrected
ones, a retracted one with the entry that retracted it, a correction with
what it changed. Built from the event dictionaries of
``agreements.reads.agreement`` and ``agreements.reads.revised``."""

from __future__ import annotations

from typing import Any

from agreements.web.i18n import Words, uncertain
from workflows.date_forms import When
from workflows.errors import BadInput
from workflows.revisions import decode

# the corrected fields shown (the keys of an event's ``original``), in this order
FIELDS = ("on", "until", "place", "outcome", "open_articles", "note", "reference", "awaiting")


def _value(w: Words, name: str, value: Any, original: dict[str, Any] | None = None) -> str:
    """A field's value as shown; a date (``on``) from its three keys in ``original``."""
    if name == "on" and original is not None:
        return w.date(original.get("on"), original.get("date_precision"), original.get("earliest"))
    if isinstance(value, When):
        return value.label(w.lang)
    if value is None or value == "":
        return w("empty")
    if name == "awaiting":
        return w.holder(str(value))
    return str(value) if not hasattr(value, "isoformat") else value.isoformat()


def _originals(w: Words, event: dict[str, Any]) -> list[str]:
    original = event.get("original") or {}
    return [
        w("was", field=w(f"field_{name}"), value=_value(w, name, original[name], original))
        for name in FIELDS
        if name in original
    ]


def _changes(w: Words, event: dict[str, Any]) -> list[str]:
    """What a correction entry sets: "place: Kişinyov"."""
    try:
        changes = decode(event.get("correction"))
    except BadInput:
        return []
    return [f"{w(f'field_{name}')}: {_value(w, name, changes[name])}" for name in FIELDS if name in changes]


def _act(w: Words, event: dict[str, Any]) -> list[str]:
    """A party's act and an entry-into-force rule, where the history records them."""
    details = []
    if event.get("party") or event.get("act"):
        act = (event.get("act") or "").replace("_", " ")
        details.append(w("act", party=event.get("party") or "", act=act))
    if event.get("instrument"):
        details.append(w("instrument", value=event["instrument"]))
    if event.get("received_label"):
        details.append(w("received", value=event["received_label"]))
    if event.get("rule"):
        details.append(w("rule", value=event["rule"]))
    return details


def _details(w: Words, event: dict[str, Any]) -> list[str]:
    details = _act(w, event)
    if event.get("outcome"):
        details.append(w("outcome", value=event["outcome"]))
    if event.get("note"):
        details.append(event["note"])
    if event.get("reason"):
        details.append(w("reason", value=event["reason"]))
    if event.get("open_articles") is not None:
        details.append(w("open_articles", n=event["open_articles"]))
    if event.get("reference"):
        details.append(w("reference", value=event["reference"]))
    if event.get("source"):
        details.append(w("source", value=event["source"]))
    return details


def entry(w: Words, event: dict[str, Any]) -> dict[str, Any]:
    """One history row: the event dictionary's fields in words."""
    day = w.date(event["on"], event["date_precision"], event["earliest"])
    if event.get("until"):
        day += f" – {event['until']}"
    original = event.get("original") or {}
    stated = ", ".join(x for x in (event.get("stated_actor"), event.get("stated_recorded_at")) if x)
    revises = event.get("target")
    return {
        "seq": event["seq"],
        "date": day,
        "uncertain": uncertain(event["date_precision"]),
        "date_corrected": "on" in original or "until" in original,
        "kind": event["kind"],
        "what": w.event(event["kind"]),
        "move": (w.stage(event["from"]) or "·") + " → " + w.stage(event["to"]) if event["to"] else "",
        "place": event.get("place") or "",
        "awaiting": w("awaiting_after", holder=w.holder(event["awaiting"])) if event.get("awaiting") else "",
        "details": _details(w, event),
        "corrected_by": event.get("corrected_by") or [],
        "originals": _originals(w, event),
        "retracted_by": event.get("retracted_by"),
        "revises": revises,
        "changes": _changes(w, event) if event["kind"] == "correction" else [],
        "by": event["actor"],
        # to the minute, in the configured zone the read gives it in (the footer names it)
        "recorded": w("recorded", at=event["recorded_at"][:16].replace("T", " ")),
        "stated": w("stated", value=stated) if stated else "",
    }
