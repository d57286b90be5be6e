"""The views' side of corrections and retractions: each listed event shows
its corrected values with a mark and keeps the originals beside them
(``original``, ``corrected_by``), a retracted one says so (``retracted_by``),
and each correction or retraction names what it did (``what_done``). The keys
are added only to the events concerned."""

from __future__ import annotations

from typing import Any

from workflows.date_forms import text_of
from workflows.events import CORRECTION, RETRACTION
from workflows.revisions import decode


def _date_values(when: Any) -> dict[str, Any]:
    return {
        "on": when.on.isoformat() if when.on else None,
        "date_precision": when.precision,
        "earliest": when.earliest.isoformat() if when.earliest else None,
        "date_label": when.label(),
    }


def revise(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the corrections and retractions among ``events`` (event
    dictionaries in recording order) to the events they name, in place."""
    revisions = [e for e in events if e["target"] is not None]
    if not revisions:  # the common case: nothing to do, nothing added
        return events
    by_seq = {e["seq"]: e for e in events}
    for event in revisions:
        target = by_seq.get(event["target"])
        if target is None:
            continue
        if event["kind"] == RETRACTION:
            target["retracted_by"] = event["seq"]
            event["what_done"] = f"retracts #{target['seq']}"
        elif event["kind"] == CORRECTION:
            changes = decode(event["correction"])
            original = target.setdefault("original", {})
            for name, value in changes.items():
                if name == "on":
                    for key, new in _date_values(value).items():
                        original.setdefault(key, target[key])
                        target[key] = new
                    continue
                # the other corrected fields have the name of their key in an event's dictionary
                original.setdefault(name, target[name])
                target[name] = (
                    text_of(value)
                    if name == "received"
                    else value.isoformat()
                    if hasattr(value, "isoformat")
                    else value
                )
            target.setdefault("corrected_by", []).append(event["seq"])
            shown = ", ".join(
                f"{name} {text_of(value) if name in ('on', 'received') else value}"
                for name, value in sorted(changes.items())
            )
            event["what_done"] = f"corrects #{target['seq']}: {shown}"
    return events


def revise_listed(listed: list[dict[str, Any]], revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``listed`` (events of several agreements, each with its ``code``) with
    the ``revisions`` of those agreements applied; their order kept."""
    if not revisions:
        return listed
    by_code: dict[str, dict[int, dict[str, Any]]] = {}
    for event in listed:
        by_code.setdefault(event["code"], {})[event["seq"]] = event
    for revision in revisions:
        by_code.setdefault(revision["code"], {}).setdefault(revision["seq"], revision)
    for shown in by_code.values():
        revise(sorted(shown.values(), key=lambda e: e["seq"]))
    return listed
