"""After signature, for ``show``: the entry-into-force rule, the expected
date or what it waits for (workflows.entry_force), and each party's acts
in one row per party (party | signature | approval | notification sent and
received | in force for that party | notes), like the EU Council's and the UN
Treaty Collection's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.store.tables import Agreement
from workflows.acts import (
    CONSENTS,
    NOTIFICATION,
    SIGNATURE,
    Act,
    act_label,
    acts_of,
    later,
    parties,
    receipt,
)
from workflows.date_forms import DAY, When
from workflows.entry_force import Blocked, Expected, Link, apply_to, assess, is_binding, parse_rule
from workflows.events import ENTRY_RULE
from workflows.locales import AZ
from workflows.stages import IN_FORCE, SIGNING, TERMINATED

#: stages in which the entry into force is shown even before any act or rule is recorded
_AWAITING_STAGES = ("internal_approval", SIGNING)


@dataclass(frozen=True)
class Shown:
    """What the after-signature view reads of an agreement (as ``show`` gives
    it: now, or as known on a day) and the rule its history records."""

    code: str
    kind: str
    party_codes: list[str]
    stage: str | None
    signed_on: date | None
    in_force_on: date | None
    parent: str | None
    entry_rule: str | None


def _shown(current: dict[str, Any], events: Sequence[Any]) -> Shown:
    rules = [e.entry_rule for e in events if e.kind == ENTRY_RULE]

    def day(key: str) -> date | None:
        return date.fromisoformat(current[key]) if current.get(key) else None

    return Shown(
        current["code"],
        current["kind"],
        list(current["parties"]),
        current["stage"],
        day("signed_on"),
        day("in_force_on"),
        current.get("parent"),
        rules[-1] if rules else None,
    )


def _links(session: Session, agreement: Shown) -> list[Link]:
    wanted: list[tuple[str, str]] = []
    if agreement.parent is not None:
        wanted.append((agreement.parent, "base"))
    rule = parse_rule(agreement.entry_rule) if agreement.entry_rule else None
    if rule is not None and rule.after:
        wanted.append((rule.after, "after"))
    links = []
    for code, role in wanted:
        on = session.scalar(select(Agreement.in_force_on).where(Agreement.code == code))
        links.append(Link(code, role, on))
    return links


def _day(when: When | None, locale: str) -> str:
    return when.label(locale) if when is not None else ""


def _outcome(agreement: Shown, acts: Sequence[Act], links: Sequence[Link]) -> dict[str, Any] | None:
    """The entry into force as ``show`` states it, or None where there is none to state."""
    if agreement.stage == IN_FORCE:
        on = agreement.in_force_on.isoformat() if agreement.in_force_on else None
        return {
            "status": "in_force",
            "on": on,
            "sentence_en": f"in force since {on}",
            "sentence_az": f"qüvvəyə minib: {on}",
        }
    if agreement.stage == TERMINATED or not is_binding(agreement.kind, agreement.entry_rule):
        return None
    if not (agreement.entry_rule or acts or agreement.stage in _AWAITING_STAGES):
        return None
    outcome = assess(agreement.entry_rule, agreement.party_codes, acts, agreement.signed_on, links)
    if isinstance(outcome, Expected):
        return {
            "status": "expected",
            "on": outcome.when.on.isoformat() if outcome.when.on else None,
            "earliest": outcome.when.earliest.isoformat() if outcome.when.earliest else None,
            "date_precision": outcome.when.precision,
            "sentence_en": outcome.sentence(),
            "sentence_az": outcome.sentence(AZ),
        }
    assert isinstance(outcome, Blocked)
    return {
        "status": "waiting",
        "waiting_for": [
            {"what": b.what, "party": b.party, "code": b.code, "en": b.label(), "az": b.label(AZ)}
            for b in outcome.waiting_for
        ],
        "sentence_en": outcome.sentence(),
        "sentence_az": outcome.sentence(AZ),
    }


def _party_row(party: str, original: bool, acts: Sequence[Act], agreement: Shown, locale: str) -> dict[str, Any]:
    own = [a for a in acts if a.party == party]
    signed = [a for a in own if a.kind == SIGNATURE]
    signature = "; ".join(_day(a.when, locale) for a in signed)
    if not signature and original and agreement.signed_on is not None:
        signature = agreement.signed_on.isoformat()
    consents = "; ".join(
        " ".join(
            x
            for x in (act_label(a.kind, locale), _day(a.when, locale), f"({a.instrument})" if a.instrument else "")
            if x
        )
        for a in own
        if a.kind in CONSENTS
    )
    notified = [a for a in own if a.kind == NOTIFICATION]
    in_force = _party_in_force(original, notified, agreement, locale)
    notes = "; ".join(
        f"{act_label(a.kind, locale)} {_day(a.when, locale)}".strip()
        for a in own
        if a.kind not in (SIGNATURE, NOTIFICATION, *CONSENTS)
    )
    return {
        "party": party,
        "signature": signature,
        "approval": consents,
        "notification_sent": "; ".join(_day(a.when, locale) for a in notified),
        "notification_received": "; ".join(_day(a.received, locale) for a in notified if a.received is not None),
        "in_force": in_force,
        "notes": notes,
    }


def _party_in_force(original: bool, notified: Sequence[Act], agreement: Shown, locale: str) -> str:
    """In force for a party: the agreement's day for an original party; for
    one that joined later, its own notification under the rule, not before
    the agreement's day."""
    start: date | None = agreement.in_force_on
    if start is None:
        return ""
    if original or not agreement.entry_rule or not notified:
        return start.isoformat() if original else ""
    own = apply_to(
        parse_rule(agreement.entry_rule), max((receipt(a) for a in notified), key=lambda w: w.latest or date.max)
    )
    return later(own, When(start, DAY)).label(locale)


def after_signature(session: Session, current: dict[str, Any], events: Sequence[Any]) -> dict[str, Any]:
    """The after-signature part of ``show`` for ``current`` (an agreement's
    dictionary) from its history as it now reads (``events``,
    workflows.revisions.effective): the rule, the entry into force, the
    parties' table in English and Azerbaijani (empty before any act or
    signature)."""
    agreement = _shown(current, events)
    acts = acts_of(events)
    rule = parse_rule(agreement.entry_rule) if agreement.entry_rule else None
    members = parties(agreement.party_codes, acts)
    originals = {"AZE", *agreement.party_codes}
    shown = bool(acts) or agreement.signed_on is not None

    def table(locale: str) -> list[dict[str, Any]]:
        return [_party_row(p, p in originals, acts, agreement, locale) for p in members] if shown else []

    return {
        "entry_rule": agreement.entry_rule,
        "entry_rule_en": rule.describe() if rule else None,
        "entry_rule_az": rule.describe(AZ) if rule else None,
        "binding": is_binding(agreement.kind, agreement.entry_rule),
        "entry_into_force": _outcome(agreement, acts, _links(session, agreement)),
        "parties_table": table("en"),
        "parties_table_az": table(AZ),
    }
