"""What recording an entry into force must agree with: the base agreement
(an implementing or amending protocol never enters into force before it),
and the date the rule computes from the parties' acts (another date needs a
reason)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.errors import GuardRefused
from agreements.store.tables import Agreement, Event
from workflows.acts import SIGNATURE, acts_of
from workflows.entry_force import Link, Outcome, assess, is_binding, parse_rule, refusal
from workflows.revisions import effective
from workflows.stages import IN_FORCE, INTERNAL_APPROVAL, SIGNING, TERMINATED


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


def pending_outcomes(
    session: Session, codes: Iterable[str] | None = None, *, signed_only: bool = True, as_of: date | None = None
) -> dict[str, Outcome]:
    """The entry-into-force outcome (expected date or blockers) of each binding
    agreement not yet in force, among ``codes`` (all when None), from its
    history as it now reads: the signed ones, or (``signed_only`` False) also
    those ``show`` states it for (a rule or acts recorded, or in signing).
    ``as_of``: only the acts that can have happened by the end of that day."""
    query = select(Agreement).where(
        Agreement.voided.is_(False),
        Agreement.stage.not_in((IN_FORCE, TERMINATED)),
        (Agreement.signed_on.is_not(None))
        | Agreement.stage.in_((INTERNAL_APPROVAL, SIGNING))
        | (Agreement.entry_rule.is_not(None)),
    )
    if codes is not None:
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        query = query.where(Agreement.code.in_(wanted))
    result: dict[str, Outcome] = {}
    for agreement in session.scalars(query.order_by(Agreement.code)):
        if not is_binding(agreement.kind, agreement.entry_rule):
            continue
        events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
        acts = [
            a
            for a in acts_of(effective(events))
            if as_of is None or a.when.earliest is None or a.when.earliest <= as_of
        ]
        signed = agreement.signed_on is not None or any(a.kind == SIGNATURE for a in acts)
        if not signed and (
            signed_only or not (agreement.entry_rule or acts or agreement.stage in (INTERNAL_APPROVAL, SIGNING))
        ):
            continue
        result[agreement.code] = assess(
            agreement.entry_rule, agreement.party_codes, acts, agreement.signed_on, links_of(session, agreement)
        )
    return result
