"""When an agreement enters into force, computed from its rule and the
parties' acts; or who it is waiting for. Pure functions.

A bilateral agreement enters into force "in such manner and upon such date
as it may provide" (Vienna Convention Art. 24): the rule is data on each
agreement, recorded as a history event (``entry_rule``) in the form
``NAME[:N][;after=CODE][;committee][;binding|;non-binding]``:

| rule | clause |
|---|---|
| ``on-signature`` | in force on signature |
| ``on-last-notification`` | on the date of receipt of the last notification |
| ``days-after-last-notification:N`` | on the Nth day after it |
| ``first-day-of-month-after-last-notification:N`` | the first day of the Nth month following it |
| ``fixed-period-then-first-of-month:N`` | the first day of the month after N months from it |
| ``by-exchange-of-notes`` | on the date an exchange of notes fixes |
| ``none`` | no such clause (a non-binding instrument) |

``after=CODE``: not before agreement CODE enters into force; ``committee``:
only after the joint committee is notified (implementing protocols).
Uncertain dates give uncertain results: each rule is a non-decreasing
function of a day, applied to both ends of an interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from workflows.acts import (
    AZE,
    COMMITTEE_NOTIFICATION,
    CONSENTS,
    NOTIFICATION,
    SIGNATURE,
    Act,
    date_words,
    later,
    parties,
    receipt,
)
from workflows.date_forms import DAY, MONTH, YEAR, When, words
from workflows.entry_rules import (  # noqa: F401  (re-exported: what callers of the computation name)
    EXCHANGE_OF_NOTES,
    NO_CLAUSE,
    NOTIFICATION_RULES,
    ON_SIGNATURE,
    RULES,
    RULES_HELP,
    Rule,
    apply_to,
    is_binding,
    parse_rule,
)
from workflows.locales import AZ


@dataclass(frozen=True)
class Link:
    """Another agreement this one waits for: its ``base`` (which it implements
    or amends) or the one it enters ``after``; when that one entered into force."""

    code: str
    role: str  # "base" or "after"
    in_force_on: date | None


@dataclass(frozen=True)
class Blocker:
    """One thing the entry into force waits for."""

    what: str  # consent, notification, signature, committee, base, after, notes, rule
    party: str | None = None
    code: str | None = None

    def label(self, locale: str = "en") -> str:
        az, party, code = locale == AZ, self.party or "", self.code or ""
        return {
            "consent": ("təsdiq ({p})", "{p} approval"),
            "notification": ("bildiriş ({p})", "notification from {p}"),
            "signature": ("imzalanma", "signature"),
            "committee": ("birgə komitəyə bildiriş", "notification of the joint committee"),
            "base": ("qüvvəyə minmə: {c} (əsas saziş)", "{c} in force (its base agreement)"),
            "after": ("qüvvəyə minmə: {c}", "{c} in force"),
            "notes": ("notalar mübadiləsi ilə müəyyən edilən tarix", "the date the exchange of notes fixes"),
            "rule": (
                "qüvvəyəminmə qaydası (agreements entry-rule)",
                "the entry-into-force rule (agreements entry-rule)",
            ),
        }[self.what][0 if az else 1].format(p=party, c=code)


@dataclass(frozen=True)
class Blocked:
    """The entry into force waits for each of ``waiting_for``."""

    waiting_for: tuple[Blocker, ...]

    @property
    def on_counterpart(self) -> bool:
        """Whether only other parties' acts are awaited: the move is theirs,
        not Azerbaijan's (no act of AZE, no other agreement; a rule not yet
        recorded is a gap in the record, nobody's move)."""
        moves = [b for b in self.waiting_for if b.what != "rule"]
        return bool(moves) and all(b.party not in (None, AZE) for b in moves)

    def sentence(self, locale: str = "en") -> str:
        listed = "; ".join(b.label(locale) for b in self.waiting_for)
        return f"gözlənilir: {listed}" if locale == AZ else f"waiting for: {listed}"


@dataclass(frozen=True)
class Expected:
    """The computed entry-into-force date, and what it was computed from."""

    when: When
    rule: Rule
    basis: When | None  # the date of the act it counts from
    links: tuple[Link, ...] = field(default=())
    committee: When | None = None

    def explanation(self, locale: str = "en") -> str:
        az = locale == AZ
        parts = [self.rule.describe(locale)] if self.rule.name != ON_SIGNATURE else []
        if self.basis is not None:
            shown = date_words(self.basis, locale)
            if self.rule.name == ON_SIGNATURE:
                parts.append(f"imzalanıb: {shown}" if az else f"on signature, {shown}")
            else:
                parts.append(f"bildiriş alınıb: {shown}" if az else f"received {shown}")
        if self.committee is not None:
            shown = date_words(self.committee, locale)
            parts.append(f"komitəyə bildiriş: {shown}" if az else f"the joint committee notified {shown}")
        for link in self.links:
            if link.in_force_on is not None:
                day = date_words(When(link.in_force_on, DAY), locale)
                parts.append(f"{link.code} qüvvəyə minib: {day}" if az else f"{link.code} in force on {day}")
        return "; ".join(parts) if az else ", ".join(parts[:2]) + "".join(f"; {p}" for p in parts[2:])

    def phrase(self, locale: str = "en") -> str:
        """The date after "expected in force": "on 1 September 2014", "between …"."""
        when = self.when
        if locale == AZ:
            return date_words(when, locale)
        if when.precision == DAY:
            return f"on {date_words(when)}"
        if when.precision in (MONTH, YEAR):
            return f"in {words(when)}"
        return words(when)

    def sentence(self, locale: str = "en") -> str:
        if locale == AZ:
            return f"qüvvəyə minməsi gözlənilir: {self.phrase(AZ)} ({self.explanation(AZ)})"
        return f"expected in force {self.phrase()} ({self.explanation()})"


Outcome = Expected | Blocked


def _latest_of(acts: Sequence[Act]) -> When | None:
    """The later of the acts' dates (when they count), None for no act."""
    result: When | None = None
    for act in acts:
        counted = receipt(act)
        result = counted if result is None else later(result, counted)
    return result


def _notifications(parties: Sequence[str], acts: Sequence[Act]) -> tuple[list[Blocker], When | None]:
    """What the notifications still wait for, and when the last one received counts."""
    blockers: list[Blocker] = []
    counted: list[Act] = []
    for party in parties:
        notified = [a for a in acts if a.party == party and a.kind == NOTIFICATION]
        if notified:
            counted.extend(notified)
            continue
        if party == AZE and not any(a.party == AZE and a.kind in CONSENTS for a in acts):
            blockers.append(Blocker("consent", party=AZE))
        blockers.append(Blocker("notification", party=party))
    return blockers, (_latest_of(counted) if not blockers else None)


def _signature(parties: Sequence[str], acts: Sequence[Act], signed_on: date | None) -> When | None:
    if signed_on is not None:
        return When(signed_on, DAY)
    signed = [a for a in acts if a.kind == SIGNATURE]
    if not all(any(a.party == p for a in signed) for p in parties):
        return None
    return _latest_of(signed)


def compute(
    rule: Rule | None,
    parties: Sequence[str],
    acts: Sequence[Act],
    signed_on: date | None,
    links: Sequence[Link] = (),
) -> Outcome:
    """The expected entry-into-force date under ``rule``, or what it waits
    for. Without a rule, the notifications of every party are awaited and
    then the rule itself. ``acts`` are the history's as it now reads."""
    blockers: list[Blocker] = []
    basis: When | None = None
    if rule is not None and rule.name == NO_CLAUSE:
        return Blocked(())  # nothing enters into force: a non-binding instrument is approved
    if rule is None or rule.name in NOTIFICATION_RULES:
        blockers, basis = _notifications(parties, acts)
    elif rule.name == ON_SIGNATURE:
        basis = _signature(parties, acts, signed_on)
        if basis is None:
            blockers.append(Blocker("signature"))
    committee: When | None = None
    if rule is not None and rule.committee:
        committee = _latest_of([a for a in acts if a.kind == COMMITTEE_NOTIFICATION])
        if committee is None:
            blockers.append(Blocker("committee"))
    for link in links:
        if link.in_force_on is None:
            blockers.append(Blocker(link.role, code=link.code))
    if rule is None:
        blockers.append(Blocker("rule"))
    elif rule.name == EXCHANGE_OF_NOTES:
        blockers.append(Blocker("notes"))
    if blockers or rule is None or basis is None:
        return Blocked(tuple(blockers))
    result = apply_to(rule, basis)
    for extra in [committee] + [When(link.in_force_on, DAY) for link in links if link.in_force_on is not None]:
        if extra is not None:
            result = later(result, extra)
    return Expected(result, rule, basis, tuple(links), committee)


def refusal(code: str, outcome: Outcome, on: date, locale: str = "en") -> str | None:
    """Why recording ``code`` in force on ``on`` needs a reason: another
    date than the computed one, or blockers left (none when all that is left
    is the date an exchange of notes fixes)."""
    if isinstance(outcome, Expected):
        low, high = outcome.when.earliest, outcome.when.latest
        if (low is None or low <= on) and (high is None or on <= high):
            return None
        return (
            f"{code} is {outcome.sentence(locale)}, not on {on.isoformat()}; to record another date, "
            "say why with --reason (an exchange of notes fixing it, a correction)"
        )
    left = [b for b in outcome.waiting_for if b.what != "notes"]
    if not left:
        return None
    return (
        f"{code} is {replace(outcome, waiting_for=tuple(left)).sentence(locale)}; to record its entry into force "
        "anyway, say why with --reason"
    )


def assess(
    rule_text: str | None,
    counterparts: Sequence[str],
    acts: Sequence[Act],
    signed_on: date | None,
    links: Sequence[Link] = (),
) -> Outcome:
    """:func:`compute` for an agreement as stored: its rule's text (None for
    none recorded), its counterparts and its acts (the parties who joined later
    among them)."""
    rule = parse_rule(rule_text) if rule_text else None
    return compute(rule, parties(counterparts, acts), acts, signed_on, links)
