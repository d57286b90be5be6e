"""What recording an entry into force must agree with: the base agreement
(an implementing or amending protocol never enters into force before it),
and the date the rule computes from the parties' acts (another date needs a
reason)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.errors import GuardRefused
from agreements.store.tables import Agreement, Event
from workflows.acts import acts_of
from workflows.entry_force import Link, assess, is_binding, parse_rule, refusal
from workflows.revisions import effective


def links_of(session: Session, agreement: Agreement) -> list[Link]:
    """The agreements this one waits for: its base (``parent``) and the one
    its rule says it enters after, with the day each entered into force."""
    links: list[Link] = []
    if agreement.parent_id is not None:
        base = session.get(Agreement, agreement.parent_id)
        if base is not None:
            links.append(Link(base.code, "base", base.in_force_on))
    rule = parse_rule(agreement.entry_rule) if agreement.entry_rule else None
    if rule is not None and rule.after:
        on = session.scalar(select(Agreement.in_force_on).where(Agreement.code == rule.after))
        links.append(Link(rule.after, "after", on))
    return links


def check_entry_into_force(session: Session, agreement: Agreement, on: date, reason: str | None) -> None:
    """Refuse to record ``agreement`` in force on ``on`` before its base
    agreement (whatever the reason), or on another date than its rule
    computes, or while it waits for an act, unless ``reason`` says why."""
    if not is_binding(agreement.kind, agreement.entry_rule):
        raise GuardRefused(
            f"{agreement.code} is a {agreement.kind.replace('_', ' ')}, not legally binding: it is approved, never in "
            f"force (`agreements advance {agreement.code} --to approved`; a binding one: "
            "`agreements entry-rule CODE RULE --binding`)"
        )
    links = links_of(session, agreement)
    for link in links:
        if link.role == "base" and (link.in_force_on is None or on < link.in_force_on):
            since = f"in force only since {link.in_force_on.isoformat()}" if link.in_force_on else "not yet in force"
            raise GuardRefused(
                f"{agreement.code} cannot enter into force before its base agreement {link.code} ({since})"
            )
    if not agreement.entry_rule or (reason or "").strip():
        return
    events = session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq))
    outcome = assess(
        agreement.entry_rule, agreement.party_codes, acts_of(effective(list(events))), agreement.signed_on, links
    )
    refused = refusal(agreement.code, outcome, on)
    if refused is not None:
        raise GuardRefused(refused)
