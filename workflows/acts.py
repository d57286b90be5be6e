"""Each party's acts after (and before) signature: pure rules.

An act is a history event (kind ``act``) by one party: its negotiating
mandate, full powers, initialling, signature, approval or ratification (with
the instrument: a law, a decree, an order, a decision, and its number), the
notification that its internal procedures are complete (sent, and received:
a notification counts when received, Vienna Convention Art. 78), provisional
application, accession, the notification of a joint committee, withdrawal,
registration and publication. Azerbaijan (``AZE``) is a party of every
agreement; its counterparts are the agreement's; a party may join later by
an ``accession`` act.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflows.date_forms import (
    BETWEEN,
    DAY,
    MONTH,
    NOT_AFTER,
    NOT_BEFORE,
    UNKNOWN,
    YEAR,
    When,
    long_day,
    when_of,
    words,
)
from workflows.errors import BadDate, BadInput, IllegalMove
from workflows.events import ACT
from workflows.inputs import normalise_party
from workflows.locales import AZ

AZE = "AZE"

MANDATE = "mandate"
FULL_POWERS = "full_powers"
INITIALLING = "initialling"
SIGNATURE = "signature"
APPROVAL = "approval"
RATIFICATION = "ratification"
NOTIFICATION = "notification"
PROVISIONAL_APPLICATION = "provisional_application"
ACCESSION = "accession"
COMMITTEE_NOTIFICATION = "committee_notification"
WITHDRAWAL = "withdrawal"
REGISTRATION = "registration"
PUBLICATION = "publication"
AUTHORITIES_LIST = "authorities_list"

#: the kinds of act, with their words in English and Azerbaijani
ACT_LABELS: dict[str, tuple[str, str]] = {
    MANDATE: ("negotiating mandate", "danışıqlar üçün mandat"),
    FULL_POWERS: ("full powers", "səlahiyyətnamə"),
    INITIALLING: ("initialling", "paraflanma"),
    SIGNATURE: ("signature", "imzalanma"),
    APPROVAL: ("approval", "təsdiq"),
    RATIFICATION: ("ratification", "ratifikasiya"),
    NOTIFICATION: (
        "notification of completed internal procedures",
        "dövlətdaxili prosedurların başa çatması barədə bildiriş",
    ),
    PROVISIONAL_APPLICATION: ("provisional application", "müvəqqəti tətbiq"),
    ACCESSION: ("accession", "qoşulma"),
    COMMITTEE_NOTIFICATION: ("notification of the joint committee", "birgə komitəyə bildiriş"),
    WITHDRAWAL: ("withdrawal or denunciation", "çıxma və ya denonsasiya"),
    REGISTRATION: ("registration with the UN Secretariat", "BMT Katibliyində qeydiyyat"),
    PUBLICATION: ("publication", "dərc"),
    AUTHORITIES_LIST: (
        "exchange of the lists of competent authorities",
        "səlahiyyətli orqanların siyahılarının mübadiləsi",
    ),
}
ACT_KINDS: tuple[str, ...] = tuple(ACT_LABELS)
#: a party's consent to be bound: what its notification reports complete
CONSENTS = (APPROVAL, RATIFICATION)
#: acts that are sent and received (the others happen on one day)
RECEIVED_KINDS = (NOTIFICATION, COMMITTEE_NOTIFICATION, ACCESSION, WITHDRAWAL)
# the forms whose earliest day is stored apart from the latest
_STARTS = (MONTH, YEAR, BETWEEN, NOT_BEFORE)


def act_label(kind: str, locale: str = "en") -> str:
    """An act kind in words: "approval", "təsdiq"."""
    en, az = ACT_LABELS.get(kind, (kind, kind))
    return az if locale == AZ else en


def received_columns(when: When | None) -> tuple[date | None, date | None, str | None]:
    """A received date's stored columns: its latest day, its earliest day where
    the form has one of its own, and its form (None for none given)."""
    if when is None:
        return None, None, None
    return when.on, when.start if when.precision in _STARTS else None, when.precision


def received_when(on: date | str | None, start: date | str | None, form: str | None) -> When | None:
    """A received date from its stored columns (:func:`received_columns`)."""
    if form is None:
        return None
    if isinstance(on, str):
        on = date.fromisoformat(on)
    if isinstance(start, str):
        start = date.fromisoformat(start)
    return When(on if form != UNKNOWN and form != NOT_BEFORE else None, form, start if form in _STARTS else None)


@dataclass(frozen=True)
class Act:
    """One party's act as the rules read it."""

    seq: int
    kind: str
    party: str
    when: When
    received: When | None = None
    instrument: str | None = None
    reference: str | None = None
    place: str | None = None
    note: str | None = None

    def label(self, locale: str = "en") -> str:
        return act_label(self.kind, locale)


def act_of(event: Any) -> Act:
    """The act a stored (or effective) event records."""
    return Act(
        seq=event.seq,
        kind=event.act_kind,
        party=event.party,
        when=when_of(event),
        received=received_when(
            getattr(event, "received_on", None),
            getattr(event, "received_from", None),
            getattr(event, "received_form", None),
        ),
        instrument=getattr(event, "instrument", None),
        reference=getattr(event, "reference", None),
        place=getattr(event, "place", None),
        note=getattr(event, "note", None),
    )


def acts_of(events: Iterable[Any]) -> list[Act]:
    """The acts among ``events`` (the history as it now reads), in recording order."""
    return [act_of(e) for e in events if e.kind == ACT]


def parties(counterparts: Sequence[str], acts: Iterable[Act]) -> list[str]:
    """Every party: Azerbaijan, the counterparts, and those who joined later."""
    found = [AZE, *(p for p in counterparts if p != AZE)]
    for act in acts:
        if act.kind == ACCESSION and act.party not in found:
            found.append(act.party)
    return found


def normalise_act_party(text: str) -> str:
    """A party as typed: its code in any case (ISO 3166 alpha-3, AZE among
    them, or an organisation's) or its name (workflows.inputs.normalise_party)."""
    if not (text or "").strip():
        raise BadInput("an act names the party that made it (--party)")
    return normalise_party(text)


def _certainly_before(first: When, second: When) -> bool:
    """Whether every day ``first`` allows is before every day ``second`` allows."""
    return first.latest is not None and second.earliest is not None and first.latest < second.earliest


@dataclass(frozen=True)
class ActRequest:
    """What a user or a file says a party did."""

    kind: str
    party: str
    when: When
    received: When | None = None


def check_act(code: str, counterparts: Sequence[str], request: ActRequest, acts: Sequence[Act], today: date) -> None:
    """Refuse an act the record does not allow: an unknown kind; a party that
    is not one (unless it accedes) or accedes twice; a received date in the
    future, or certainly before the act was sent, or on an act that is not
    sent; a notification before that party's approval or ratification."""
    kind, party, when, received = request.kind, request.party, request.when, request.received
    if kind not in ACT_KINDS:
        raise BadInput(f"unknown act {kind!r}; one of: {', '.join(ACT_KINDS)}")
    if not party:
        raise BadInput("an act names the party that made it (--party)")
    known = parties(counterparts, acts)
    if kind == ACCESSION and party in known:
        raise IllegalMove(f"{party} is already a party of {code}; accession is for a party joining later")
    if kind != ACCESSION and party not in known:
        raise IllegalMove(
            f"{party} is not a party of {code} (parties: {', '.join(known)}); a party joining later "
            "records its accession first (--kind accession)"
        )
    if received is not None:
        _check_received(kind, when, received, today)
    if kind == NOTIFICATION:
        _check_consent_first(code, party, when, acts)


def _check_received(kind: str, when: When, received: When, today: date) -> None:
    if kind not in RECEIVED_KINDS:
        raise BadInput(
            f"--received is for what is sent and received ({', '.join(RECEIVED_KINDS)}); a {kind} has one date"
        )
    if received.earliest is not None and received.earliest > today:
        raise BadDate(f"{received.label()} is in the future (today is {today.isoformat()})")
    if received.precision in (DAY, NOT_AFTER) and received.latest is not None and received.latest > today:
        raise BadDate(f"{received.latest.isoformat()} is in the future (today is {today.isoformat()})")
    if _certainly_before(received, when):
        raise BadDate(
            f"a {kind.replace('_', ' ')} cannot be received ({received.label()}) before it was sent ({when.label()})"
        )


def _check_consent_first(code: str, party: str, when: When, acts: Sequence[Act]) -> None:
    consents = [a for a in acts if a.party == party and a.kind in CONSENTS]
    if not consents:
        raise IllegalMove(
            f"a notification from {party} reports its internal procedures complete: record {party}'s approval "
            f"or ratification of {code} first (--kind approval; --on unknown if its day is not known)"
        )
    if all(_certainly_before(when, consent.when) for consent in consents):
        first = min(consents, key=lambda a: a.when.earliest or date.min)
        raise BadDate(
            f"a notification from {party} ({when.label()}) cannot come before {party}'s "
            f"{first.label()} ({first.when.label()})"
        )


def receipt(act: Act) -> When:
    """When the act counts. What is sent counts when received (Vienna
    Convention Art. 78): the received date, never before the day it was sent;
    without one, no earlier than it was sent. Any other act, its own day."""
    if act.kind not in RECEIVED_KINDS:
        return act.when
    lower = act.when.earliest
    upper: date | None = None
    if act.received is not None:
        upper = act.received.latest
        start = act.received.earliest
        if start is not None and (lower is None or start > lower):
            lower = start
    return interval(lower, upper)


def interval(lower: date | None, upper: date | None) -> When:
    """The date between ``lower`` and ``upper`` (either may be unknown)."""
    if lower is not None and upper is not None:
        if lower >= upper:
            return When(upper if lower > upper else lower, DAY)
        return When(upper, BETWEEN, lower)
    if upper is not None:
        return When(upper, NOT_AFTER)
    if lower is not None:
        return When(None, NOT_BEFORE, lower)
    return When(None, UNKNOWN)


def later(first: When, second: When) -> When:
    """The later of two dates, as an interval: no earlier than either's earliest,
    no later than the later latest (unknown when either may be any day)."""
    lows = [d for d in (first.earliest, second.earliest) if d is not None]
    lower = max(lows) if lows else None
    upper = None if first.latest is None or second.latest is None else max(first.latest, second.latest)
    return interval(lower, upper)


def date_words(when: When, locale: str = "en") -> str:
    """An act's date in words (an exact day as "15 July 2014", "15 iyul 2014-cü il")."""
    return long_day(when.on, locale) if when.precision == DAY and when.on is not None else words(when, locale)
