"""An agreement's timeline as geometry for an inline SVG: its stages as
bands, rounds of talks as marks, signature and entry into force as marks.

Computed from the same event dictionaries the history table shows
(``agreements.reads.agreement``): retracted entries are left out, corrected
ones drawn where the correction puts them. A stage entered on a date known
only as "no later than" or "between" starts at its latest possible day, the
uncertain stretch before it hatched; a stage still running has an open end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agreements.web.i18n import Words, uncertain
from workflows.events import SUBSTANTIVE_KINDS
from workflows.stages import IN_FORCE, TERMINATED

WIDTH = 960
LEFT, RIGHT = 12, 12
BAND_Y, BAND_H = 26, 28
MARK_Y = 66
HEIGHT = 96
CHAR_WIDTH = 6.6  # an approximate width of a label's letter, to leave out what does not fit
APPROVED = "approved"  # where a non-binding instrument ends (workflows.stages)
FINAL = (IN_FORCE, APPROVED, TERMINATED)
ENDS = (IN_FORCE, APPROVED)  # marked as the end of a successful history


@dataclass
class Timeline:
    """What the template draws; coordinates in SVG units."""

    width: int = WIDTH
    height: int = HEIGHT
    band_y: int = BAND_Y
    band_h: int = BAND_H
    mark_y: int = MARK_Y
    ticks: list[dict[str, Any]] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    marks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bands and not self.marks


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _span(events: list[dict[str, Any]], today: date) -> tuple[date, date] | None:
    """The first and last day drawn: the history's dates, and today when it is near."""
    days = [d for e in events for d in (_day(e["earliest"]), _day(e["on"]), _day(e["until"])) if d is not None]
    if not days:
        return None
    first, last = min(days), max(days)
    if today >= last and (today - last).days <= 366:
        last = today
    margin = max(timedelta(days=20), (last - first) * 0.04)
    return first - margin, last + margin


class _Scale:
    def __init__(self, first: date, last: date):
        self.first = first
        self.days = max((last - first).days, 1)

    def x(self, day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / self.days, 1)


def _ticks(first: date, last: date, scale: _Scale) -> list[dict[str, Any]]:
    """Year ticks, or month ticks for a history shorter than about a year and a half."""
    if (last - first).days > 540:
        years = range(first.year + 1, last.year + 1)
        step = max(1, len(years) // 10)
        return [
            {"x": scale.x(date(y, 1, 1)), "label": str(y)} for y in years[::step] if scale.x(date(y, 1, 1)) < WIDTH - 40
        ]
    ticks: list[dict[str, Any]] = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month > first and scale.x(month) < WIDTH - 50:
            ticks.append({"x": scale.x(month), "label": f"{month.year}-{month.month:02d}"})
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def _lead(event: dict[str, Any], scale: _Scale, x: float) -> dict[str, float] | None:
    """The hatched stretch before a stage entered on an uncertain date: from
    its earliest possible day (a short stub when only the latest is known)."""
    if not uncertain(event["date_precision"]):
        return None
    earliest = _day(event["earliest"])
    lead_x = scale.x(earliest) if earliest else max(x - 18, LEFT)
    return {"x": lead_x, "w": max(x - lead_x, 0.0)}


def _bands(events: list[dict[str, Any]], scale: _Scale, end: date, w: Words) -> list[dict[str, Any]]:
    entries = [e for e in events if e["to"] and e["on"]]
    starts = [scale.x(_day(e["on"]) or end) for e in entries]
    leads = [_lead(e, scale, x) for e, x in zip(entries, starts)]
    bands = []
    for index, event in enumerate(entries):
        x = starts[index]
        last = index + 1 == len(entries)
        # a stage lasts until the next begins, or may have begun: its band stops where that one's uncertainty starts
        following = leads[index + 1] if not last else None
        stop = scale.x(end) if last else following["x"] if following else starts[index + 1]
        width = max(stop - x, 2.0)
        label = w.stage(event["to"])
        when = w.date(event["on"], event["date_precision"], event["earliest"])
        bands.append(
            {
                "stage": event["to"],
                "x": x,
                "w": width,
                "label": label if width > CHAR_WIDTH * len(label) + 8 else "",
                "title": f"{label}: {when}",
                "uncertain": leads[index] is not None,
                "lead": leads[index],
                "open": last and event["to"] not in FINAL,
            }
        )
    return bands


def _marks(events: list[dict[str, Any]], scale: _Scale, w: Words) -> list[dict[str, Any]]:
    marks = []
    for event in events:
        if not event["on"]:
            continue
        when = w.date(event["on"], event["date_precision"], event["earliest"])
        if event["kind"] == "round":
            start = _day(event["earliest"]) or _day(event["on"])
            stop = _day(event["until"]) or start
            assert start is not None and stop is not None
            x = scale.x(start)
            title = f"{w.event('round')}: {when}" + (f" – {event['until']}" if event["until"] else "")
            if event["place"]:
                title += f", {event['place']}"
            marks.append({"kind": "round", "x": x, "w": max(scale.x(stop) - x, 4.0), "title": title})
        elif event["kind"] == "signature" or event["to"] in ENDS:
            kind = "signature" if event["kind"] == "signature" else "in_force"
            title = f"{w('legend_signature') if kind == 'signature' else w.stage(event['to'])}: {when}"
            marks.append({"kind": kind, "x": scale.x(_day(event["on"]) or date.min), "w": 0, "title": title})
        else:
            continue
        marks[-1]["uncertain"] = uncertain(event["date_precision"])
    return marks


def timeline(events: list[dict[str, Any]], today: date, w: Words) -> Timeline:
    """The timeline of an agreement's events (event dictionaries in date order)."""
    # what happened to the agreement itself: notes, flags and plans are not drawn
    shown = [e for e in events if not e.get("retracted_by") and e["kind"] in SUBSTANTIVE_KINDS]
    span = _span(shown, today)
    if span is None:
        return Timeline()
    first, last = span
    scale = _Scale(first, last)
    return Timeline(
        ticks=_ticks(first, last, scale),
        bands=_bands(shown, scale, last, w),
        marks=_marks(shown, scale, w),
    )
