"""What an agreement obliges the parties to do after signature, with dates:
derived from its entry-into-force rule (workflows.entry_rules: its term,
renewal and notice options), its parties' acts (workflows.acts) and its
stage. Pure functions.

| obligation | from | done when |
|---|---|---|
| registration with the UN Secretariat (UN Charter Art. 102) | entry into force | a ``registration`` act |
| publication | Azerbaijan's approval or ratification | a ``publication`` act |
| exchange of the lists of competent authorities | 30 days after signature (implementing protocols) | an ``authorities_list`` act |
| termination or suspension takes effect | a withdrawal received, plus the notice period (``exit=``) | the agreement terminated or suspended |
| notice to prevent renewal | ``notice=`` months before expiry | a withdrawal act |
| expiry (or renewal) of a fixed term | entry into force plus ``term=`` years | the agreement terminated |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from workflows.acts import (
    AUTHORITIES_LIST,
    AZE,
    CONSENTS,
    PUBLICATION,
    REGISTRATION,
    WITHDRAWAL,
    Act,
    receipt,
)
from workflows.date_forms import long_day
from workflows.entry_rules import Rule, add_months
from workflows.locales import AZ
from workflows.stages import IN_FORCE, SUSPENDED, TERMINATED

REGISTER = "registration"
PUBLISH = "publication"
AUTHORITIES = "competent_authorities"
TAKES_EFFECT = "termination_effective"
RENEWAL_NOTICE = "renewal_notice"
EXPIRY = "expiry"
#: days after signature within which implementing protocols have the lists of competent authorities exchanged
AUTHORITIES_DAYS = 30

_WORDS: dict[str, tuple[str, str]] = {
    REGISTER: (
        "registration with the UN Secretariat (UN Charter Art. 102)",
        "BMT Katibliyində qeydiyyat (BMT Nizamnaməsi, 102-ci maddə)",
    ),
    PUBLISH: ("publication", "dərc"),
    AUTHORITIES: ("exchange of the lists of competent authorities", "səlahiyyətli orqanların siyahılarının mübadiləsi"),
    TAKES_EFFECT: ("termination or suspension takes effect", "xitam və ya dayandırma qüvvəyə minir"),
    RENEWAL_NOTICE: ("last day to give notice against renewal", "uzadılmaması barədə bildiriş üçün son gün"),
    EXPIRY: ("end of the fixed term", "müddətin bitməsi"),
}


@dataclass(frozen=True)
class Obligation:
    """One dated obligation of an agreement: due on ``due`` (from that day
    for registration and publication, by that day for the others)."""

    code: str
    what: str
    due: date
    done: bool
    basis_en: str
    basis_az: str

    def label(self, locale: str = "en") -> str:
        return _WORDS[self.what][1 if locale == AZ else 0]

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "what": self.what,
            "due": self.due.isoformat(),
            "status": "done" if self.done else "open",
            "obligation_en": self.label(),
            "obligation_az": self.label(AZ),
            "basis_en": self.basis_en,
            "basis_az": self.basis_az,
        }


@dataclass(frozen=True)
class Standing:
    """What the obligations are derived from, for one agreement."""

    code: str
    stage: str | None
    rule: Rule | None
    acts: Sequence[Act]
    signed_on: date | None
    in_force_on: date | None
    implementing: bool = False  # an implementing protocol (it has a base agreement)


def _days(on: date) -> tuple[str, str]:
    return long_day(on), long_day(on, AZ)


def _done(acts: Sequence[Act], kind: str) -> bool:
    return any(a.kind == kind for a in acts)


def _fixed_term(agreement: Standing, as_of: date) -> list[Obligation]:
    rule, start = agreement.rule, agreement.in_force_on
    if rule is None or not rule.term_years or start is None:
        return []
    expiry = add_months(start, 12 * rule.term_years)
    while rule.renewal and expiry < as_of:  # renewed for the same term each time no notice was given
        expiry = add_months(expiry, 12 * rule.term_years)
    ended = agreement.stage == TERMINATED
    en, az = _days(start)
    found = [
        Obligation(
            agreement.code,
            EXPIRY,
            expiry,
            ended,
            f"{rule.term_years} years from entry into force on {en}"
            + (", renewed automatically" if rule.renewal else ""),
            f"{az} tarixində qüvvəyə mindikdən {rule.term_years} il" + (", avtomatik uzadılır" if rule.renewal else ""),
        )
    ]
    if rule.notice_months:
        notice = add_months(expiry, -rule.notice_months)
        en, az = _days(expiry)
        found.append(
            Obligation(
                agreement.code,
                RENEWAL_NOTICE,
                notice,
                ended or _done(agreement.acts, WITHDRAWAL),
                f"{rule.notice_months} months before the term ends on {en}",
                f"müddətin bitdiyi {az} tarixindən {rule.notice_months} ay əvvəl",
            )
        )
    return found


def _takes_effect(agreement: Standing) -> list[Obligation]:
    period = agreement.rule.exit_notice if agreement.rule is not None else None
    found = []
    for act in agreement.acts:
        if act.kind != WITHDRAWAL or receipt(act).latest is None:
            continue
        received = receipt(act).latest
        assert received is not None
        amount = int(period[:-1]) if period else 0
        due = add_months(received, amount) if period and period.endswith("m") else received + timedelta(days=amount)
        en, az = _days(received)
        unit_en, unit_az = ("months", "ay") if period and period.endswith("m") else ("days", "gün")
        found.append(
            Obligation(
                agreement.code,
                TAKES_EFFECT,
                due,
                agreement.stage in (TERMINATED, SUSPENDED),
                f"notice from {act.party} received {en}, "
                + (f"{amount} {unit_en} notice" if period else "notice period not recorded: on receipt"),
                f"{act.party} bildirişi alınıb: {az}, "
                + (
                    f"{amount} {unit_az} xəbərdarlıq müddəti"
                    if period
                    else "xəbərdarlıq müddəti qeyd edilməyib: alındığı gün"
                ),
            )
        )
    return found


def obligations(agreement: Standing, as_of: date) -> list[Obligation]:
    """The agreement's dated obligations, in order of their dates."""
    found: list[Obligation] = []
    acts = agreement.acts
    if agreement.in_force_on is not None and agreement.stage in (IN_FORCE, SUSPENDED, TERMINATED):
        en, az = _days(agreement.in_force_on)
        found.append(
            Obligation(
                agreement.code, REGISTER, agreement.in_force_on, _done(acts, REGISTRATION),
                f"in force since {en}", f"qüvvəyə minib: {az}",
            )
        )  # fmt: skip
    approvals = [receipt(a).latest for a in acts if a.party == AZE and a.kind in CONSENTS]
    known = [d for d in approvals if d is not None]
    if known:
        en, az = _days(min(known))
        found.append(
            Obligation(
                agreement.code, PUBLISH, min(known), _done(acts, PUBLICATION), f"approved {en}", f"təsdiq edilib: {az}"
            )
        )
    if agreement.implementing and agreement.signed_on is not None:
        en, az = _days(agreement.signed_on)
        found.append(
            Obligation(
                agreement.code,
                AUTHORITIES,
                agreement.signed_on + timedelta(days=AUTHORITIES_DAYS),
                _done(acts, AUTHORITIES_LIST),
                f"within {AUTHORITIES_DAYS} days of signature on {en}",
                f"{az} tarixində imzalandıqdan sonra {AUTHORITIES_DAYS} gün ərzində",
            )
        )
    found += _takes_effect(agreement) + _fixed_term(agreement, as_of)
    return sorted(found, key=lambda o: (o.due, o.what))
