"""What happened to each agreement in a year, as the record now reads.

Read through the read layer (``reads.listing.list_agreements`` and
``reads.agreement.history``, the queries the CLI uses): corrections applied,
retracted events and agreements voided as entered by mistake left out. An
event belongs to the year when the days it may have happened on meet the
year and one of its bounds lies in it: "no later than 31 December 2016"
belongs to 2016 (not to every year before), a span from March 2013 to
February 2014 to both years, a date unknown to none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from agreements.annual.dates import when_of_event
from agreements.reads.agreement import history
from agreements.reads.listing import list_agreements
from agreements.store.database import Database
from workflows.date_forms import When
from workflows.events import NOTE, OPENED, ROUND, SIGNATURE, STAGE_CHANGE

# one party's act after (or before) signature: approval, ratification,
# notification... (workflows.acts), where the history records them
ACT = "act"
#: the kinds of event a report states (a note only when it carries a document)
REPORTED_KINDS = (OPENED, STAGE_CHANGE, ROUND, SIGNATURE, NOTE, ACT)
# events that show the stage an opening names: an opening dated by one of
# them ("talks under way no later than the first day of the round") says
# nothing more than the round or the signature does
_EVIDENCE = (ROUND, SIGNATURE)


@dataclass(frozen=True)
class Fact:
    """One event of the year: its dictionary (as ``history`` gives it), its
    date, and whether the agreement was signed by then (it is then "the
    Agreement", no longer "the draft")."""

    event: dict[str, Any]
    when: When
    signed: bool

    @property
    def until(self) -> date | None:
        until = self.event.get("until")
        return date.fromisoformat(until) if until else None


@dataclass(frozen=True)
class AgreementYear:
    """An agreement and what happened to it in the year, in date order."""

    code: str
    title_en: str
    title_az: str
    kind: str
    parties: tuple[str, ...]
    parent: str | None
    facts: tuple[Fact, ...]

    def title(self, lang: str) -> str:
        return self.title_az if lang == "az" else self.title_en


def in_year(when: When, until: date | None, year: int) -> bool:
    """Whether an event dated ``when`` (a round lasting ``until``) belongs to ``year``."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    earliest = when.earliest
    latest = until if until is not None and when.latest is not None and until > when.latest else when.latest
    if earliest is None and latest is None:
        return False
    if earliest is None:  # "no later than": the year of its bound
        return latest is not None and first <= latest <= last
    if latest is None:  # "no earlier than": the year of its bound
        return first <= earliest <= last
    return earliest <= last and latest >= first


def _reported(event: dict[str, Any]) -> bool:
    if event.get("retracted_by") is not None or event["kind"] not in REPORTED_KINDS:
        return False
    return event["kind"] != NOTE or bool(event.get("reference"))


def agreement_year(head: dict[str, Any], events: list[dict[str, Any]], year: int) -> AgreementYear | None:
    """The agreement ``head`` with the facts of ``year`` among ``events``
    (its history in date order, corrections applied); None when it was voided
    or nothing of the year is recorded."""
    if head.get("voided"):
        return None
    facts: list[Fact] = []
    signed = False
    for event in events:
        if event.get("retracted_by") is not None:
            continue
        signed = signed or event["kind"] == SIGNATURE
        if not _reported(event):
            continue
        fact = Fact(event, when_of_event(event), signed)
        if in_year(fact.when, fact.until, year):
            facts.append(fact)
    evidence_days = {f.event["on"] for f in facts if f.event["kind"] in _EVIDENCE}
    facts = [f for f in facts if not (f.event["kind"] == OPENED and f.event["on"] in evidence_days)]
    if not facts:
        return None
    return AgreementYear(
        code=head["code"],
        title_en=head["title_en"],
        title_az=head["title_az"],
        kind=head["kind"],
        parties=tuple(head["parties"]),
        parent=head.get("parent"),
        facts=tuple(facts),
    )


def year_facts(db: Database, year: int, zone: ZoneInfo) -> list[AgreementYear]:
    """Every agreement (not voided) with something recorded in ``year``, by code."""
    found = []
    for row in list_agreements(db):
        head, events = history(db, row["code"], zone)
        entry = agreement_year(head, events, year)
        if entry is not None:
            found.append(entry)
    return found
