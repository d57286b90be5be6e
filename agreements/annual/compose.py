"""The year's facts as a document: headings per counterpart, one paragraph
per agreement, each sentence written by a macro of ``sentences.LANG.j2``.

Agreements are grouped as the service's reports group them: by counterpart,
then by kind (``layout.toml`` gives both orders).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from agreements.annual.dates import day_words, month_names, when_phrase
from agreements.annual.facts import ACT, AgreementYear, Fact
from agreements.annual.parties import parties_heading, party_name
from agreements.annual.templates import Templates
from workflows.date_forms import parse_when
from workflows.errors import BadDate
from workflows.events import NOTE, OPENED, ROUND, SIGNATURE, STAGE_CHANGE
from workflows.stages import DEFAULT_HOLDER, KINDS

#: the macro that writes each kind of event
MACROS = {OPENED: "opened", STAGE_CHANGE: "moved", ROUND: "round", SIGNATURE: "signature", NOTE: "letter", ACT: "act"}
_QUOTES = "“\"«„'"
# "letter No. 02/1097 of 25 May 2016", "Presidential Order No. 312 of 6 March 2014"
_REFERENCE = re.compile(r"^(?P<kind>\D*?)\s*No\.?\s*(?P<number>[^\s,]+?),?\s+(?:of|dated)\s+(?P<day>.+?)\.?$", re.I)
_DAY = re.compile(r"^(\d{1,2}) ([A-Za-z]+) (\d{4})$")


@dataclass(frozen=True)
class Paragraph:
    """One agreement: its title and the sentences about its year."""

    code: str
    title: str
    sentences: tuple[str, ...]

    @property
    def quoted_title(self) -> str:
        return self.title if self.title[:1] in _QUOTES else f"“{self.title}”"

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Group:
    """The agreements with one counterpart (or one set of counterparts)."""

    parties: tuple[str, ...]
    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Report:
    """The section: its title, a lead sentence, the groups; ``empty`` says so
    when the year holds nothing."""

    year: int
    lang: str
    title: str
    intro: str
    groups: tuple[Group, ...]
    empty: str | None

    @property
    def count(self) -> int:
        return sum(len(g.paragraphs) for g in self.groups)


def _day(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DAY.match(text)
    months = {name.lower(): number for number, name in month_names("en").items()}
    if match is None or match.group(2).lower() not in months:
        return None
    try:
        return date(int(match.group(3)), months[match.group(2).lower()], int(match.group(1)))
    except ValueError:
        return None


def parse_reference(text: str, lang: str) -> dict[str, Any]:
    """A document reference as recorded (``text``) and, when it reads "KIND
    No. NUMBER of DAY", its parts (``day`` written in ``lang``)."""
    found: dict[str, Any] = {"text": " ".join(text.split()), "kind": None, "number": None, "day": None}
    match = _REFERENCE.match(found["text"])
    day = _day(match.group("day")) if match else None
    if match and day is not None:
        found.update(kind=match.group("kind").strip() or None, number=match.group("number"), day=day_words(day, lang))
    return found


def _received(typed: str | None, lang: str) -> str | None:
    """The day an act (a notification) was received, as it stands in a sentence."""
    if not typed:
        return None
    try:
        return when_phrase(parse_when(typed), None, lang)
    except BadDate:
        return None


def _context(entry: AgreementYear, fact: Fact, lang: str, layout: dict[str, Any]) -> dict[str, Any]:
    """What a sentence macro gets about one event."""
    event = fact.event
    places = layout.get("places", {}).get(lang, {})
    holder = event["awaiting"]
    if event["to"] is not None and holder == DEFAULT_HOLDER.get(event["to"]):
        holder = None  # the stage's usual holder: a move records it whether or not the source said so
    reference = event.get("reference")
    return {
        "code": entry.code,
        "agreement_kind": entry.kind,
        "kind": event["kind"],
        "stage": event["to"],
        "from_stage": event["from"],
        "when": when_phrase(fact.when, fact.until, lang),
        "place": places.get(event["place"], event["place"]),
        "outcome": event["outcome"],
        "open_articles": event["open_articles"],
        "reason": event["reason"],
        "reference": parse_reference(reference, lang) if reference else None,
        "holder": holder,
        "signed": fact.signed,
        # an act's party (by name), kind and instrument (a law, an order and its number)
        "party": party_name(event["party"], lang, layout) if event.get("party") else None,
        "act_kind": event.get("act") or event.get("act_kind"),
        "received": _received(event.get("received"), lang),
        "instrument": event.get("instrument"),
    }


def _sentences(entry: AgreementYear, lang: str, templates: Templates, words: Any) -> tuple[str, ...]:
    written: list[str] = []
    for fact in entry.facts:
        context = _context(entry, fact, lang, templates.layout)
        macros = [getattr(words, MACROS[fact.event["kind"]])] + ([words.holder] if context["holder"] else [])
        texts = [templates.guarded(f"sentences.{lang}.j2", partial(macro, context)) for macro in macros]
        for text in texts:
            text = " ".join(str(text).split())
            if text and (not written or written[-1] != text):
                written.append(text)
    return tuple(written)


def _order(entries: list[AgreementYear], layout: dict[str, Any]) -> list[tuple[tuple[str, ...], list[AgreementYear]]]:
    """Groups by counterparts: those ``layout`` names first, in its order,
    then by the first kind (``layout`` order) among their agreements, the
    larger group first, then by code; within a group by kind, then code."""
    kinds = list(layout.get("kinds") or KINDS)
    first = list(layout.get("counterparts") or [])

    def rank(kind: str) -> int:
        return kinds.index(kind) if kind in kinds else len(kinds)

    groups: dict[tuple[str, ...], list[AgreementYear]] = {}
    for entry in entries:
        groups.setdefault(entry.parties, []).append(entry)
    for members in groups.values():
        members.sort(key=lambda e: (rank(e.kind), e.code))

    def group_key(item: tuple[tuple[str, ...], list[AgreementYear]]) -> tuple:
        parties, members = item
        lead = first.index(parties[0]) if parties and parties[0] in first else len(first)
        return (lead, min(rank(e.kind) for e in members), -len(members), parties)

    return sorted(groups.items(), key=group_key)


def compose(entries: list[AgreementYear], year: int, lang: str, templates: Templates) -> Report:
    """The section of ``year`` in ``lang`` from the facts of ``entries``."""
    name = f"sentences.{lang}.j2"
    words = templates.module(name)
    layout = templates.layout
    groups = tuple(
        Group(
            parties=parties,
            heading=parties_heading(parties, lang, layout),
            paragraphs=tuple(Paragraph(e.code, e.title(lang), _sentences(e, lang, templates, words)) for e in members),
        )
        for parties, members in _order(entries, layout)
    )

    def plain(macro: Any) -> str:
        return " ".join(str(templates.guarded(name, partial(macro, year))).split())

    return Report(
        year=year,
        lang=lang,
        title=plain(words.title),
        intro=plain(words.intro) if groups else "",
        groups=groups,
        empty=None if groups else plain(words.empty),
    )
