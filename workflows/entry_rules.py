"""The entry-into-force rules as data: their names, their text
(``NAME[:N][;after=CODE][;committee][;binding|;non-binding][;term=Y]
[;notice=M][;renewal=automatic][;exit=N(m|d)]``), their words
in English and Azerbaijani, and each rule as a function of a day. Pure;
:mod:`workflows.entry_force` computes the date from them and the acts.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from workflows.acts import interval
from workflows.date_forms import When, az_ordinal
from workflows.errors import BadInput
from workflows.inputs import normalise_code
from workflows.locales import AZ

ON_SIGNATURE = "on-signature"
ON_LAST_NOTIFICATION = "on-last-notification"
DAYS_AFTER = "days-after-last-notification"
FIRST_OF_MONTH = "first-day-of-month-after-last-notification"
PERIOD_THEN_FIRST = "fixed-period-then-first-of-month"
EXCHANGE_OF_NOTES = "by-exchange-of-notes"
NO_CLAUSE = "none"
#: the rules, and the largest N of those that take one
RULES: dict[str, int | None] = {
    ON_SIGNATURE: None,
    ON_LAST_NOTIFICATION: None,
    DAYS_AFTER: 3650,
    FIRST_OF_MONTH: 120,
    PERIOD_THEN_FIRST: 120,
    EXCHANGE_OF_NOTES: None,
    NO_CLAUSE: None,
}
NOTIFICATION_RULES = (ON_LAST_NOTIFICATION, DAYS_AFTER, FIRST_OF_MONTH, PERIOD_THEN_FIRST, EXCHANGE_OF_NOTES)
RULES_HELP = (
    "on-signature, on-last-notification, days-after-last-notification:N, "
    "first-day-of-month-after-last-notification:N, fixed-period-then-first-of-month:N, by-exchange-of-notes or none"
)
#: kinds of agreement that bind under international law unless their rule says otherwise
NON_BINDING_KINDS = frozenset({"memorandum", "joint_declaration"})


def ordinal(number: int, locale: str = "en") -> str:
    """ "2nd", "30th"; "2-ci", "30-cu"."""
    if locale == AZ:
        return az_ordinal(number)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class Rule:
    """An agreement's entry-into-force rule (see the module's table)."""

    name: str
    n: int | None = None
    after: str | None = None
    committee: bool = False
    binding: bool | None = None
    term_years: int | None = None  # a fixed term, from entry into force
    notice_months: int | None = None  # notice to prevent renewal, months before expiry
    renewal: bool = False  # renewed automatically for the same term unless notice is given
    exit_notice: str | None = None  # termination or suspension takes effect after it: "6m", "30d", "0d"

    def text(self) -> str:
        """The canonical text stored and written to files (:func:`parse_rule` reads it)."""
        parts = [self.name + (f":{self.n}" if self.n is not None else "")]
        if self.after:
            parts.append(f"after={self.after}")
        if self.committee:
            parts.append("committee")
        if self.binding is not None:
            parts.append("binding" if self.binding else "non-binding")
        parts += [f"term={self.term_years}"] if self.term_years else []
        parts += [f"notice={self.notice_months}"] if self.notice_months else []
        parts += ["renewal=automatic"] if self.renewal else []
        parts += [f"exit={self.exit_notice}"] if self.exit_notice else []
        return ";".join(parts)

    def describe(self, locale: str = "en") -> str:
        """The clause in words: "first day of the 2nd month after the last notification"."""
        az, n = locale == AZ, self.n or 0
        base = {
            ON_SIGNATURE: ("on signature", "imzalandığı gün"),
            ON_LAST_NOTIFICATION: ("on the day the last notification is received", "sonuncu bildirişin alındığı gün"),
            DAYS_AFTER: (
                f"the {ordinal(n)} day after the last notification",
                f"sonuncu bildirişdən sonra {ordinal(n, AZ)} gün",
            ),
            FIRST_OF_MONTH: (
                f"first day of the {ordinal(n)} month after the last notification",
                f"sonuncu bildirişdən sonrakı {ordinal(n, AZ)} ayın birinci günü",
            ),
            PERIOD_THEN_FIRST: (
                f"first day of the month after {n} months from the last notification",
                f"sonuncu bildirişdən {n} ay keçdikdən sonrakı ayın birinci günü",
            ),
            EXCHANGE_OF_NOTES: (
                "on the date an exchange of notes fixes",
                "notalar mübadiləsi ilə müəyyən edilən tarixdə",
            ),
            NO_CLAUSE: ("no entry-into-force clause", "qüvvəyəminmə müddəası yoxdur"),
        }[self.name][1 if az else 0]
        extra = []
        if self.committee:
            extra.append("birgə komitəyə bildiriş verildikdən sonra" if az else "after the joint committee is notified")
        if self.after:
            extra.append(
                f"{self.after} qüvvəyə mindikdən tez olmayaraq" if az else f"not before {self.after} enters into force"
            )
        if self.binding is False:
            extra.append("hüquqi öhdəlik yaratmır" if az else "not legally binding")
        return ", ".join([base, *extra])


def _terms(options: list[str]) -> tuple[dict[str, object], list[str]]:
    """The term options among a rule's (term=Y, notice=M, renewal=automatic,
    exit=N(m|d)), and the others."""
    found: dict[str, object] = {}
    rest = []
    for option in options:
        key, _, value = option.partition("=")
        if key in ("term", "notice"):
            if not value.isdigit() or not 1 <= int(value) <= 99:
                raise BadInput(f"{key}= takes a number from 1 to 99 ({'years' if key == 'term' else 'months'})")
            found["term_years" if key == "term" else "notice_months"] = int(value)
        elif option == "renewal=automatic":
            found["renewal"] = True
        elif key == "exit":
            if not (value[:-1].isdigit() and value[-1:] in ("m", "d") and int(value[:-1]) <= 999):
                raise BadInput(f"exit= takes a notice period such as 6m (months) or 30d (days), not {value!r}")
            found["exit_notice"] = value
        else:
            rest.append(option)
    return found, rest


def parse_rule(
    text: str,
    after: str | None = None,
    committee: bool = False,
    binding: bool | None = None,
    terms: str | None = None,
) -> Rule:
    """A rule from its text (:meth:`Rule.text`), with the options given apart
    (``--after``, ``--committee``, ``--binding``; ``terms``, more options as
    text) added to those in the text."""
    parts = [p.strip() for p in (text or "").strip().split(";")]
    found, options = _terms(parts[1:] + [p.strip() for p in (terms or "").split(";") if p.strip()])
    parts = parts[:1] + options
    head, _, number = parts[0].partition(":")
    head = head.lower()
    if head not in RULES:
        raise BadInput(f"unknown entry-into-force rule {text!r}; one of: {RULES_HELP}")
    limit, n = RULES[head], None
    if limit is None and number:
        raise BadInput(f"the rule {head} takes no number")
    if limit is not None:
        if not number.isdigit() or not 1 <= int(number) <= limit:
            raise BadInput(f"the rule {head} needs a number from 1 to {limit}, e.g. {head}:2")
        n = int(number)
    for option in parts[1:]:
        if option.startswith("after="):
            after = after or option.removeprefix("after=")
        elif option == "committee":
            committee = True
        elif option in ("binding", "non-binding") and binding is None:
            binding = option == "binding"
        else:
            raise BadInput(
                f"unknown option {option!r} of an entry-into-force rule (after=CODE, committee, binding, non-binding)"
            )
    if binding is False and head != NO_CLAUSE:
        raise BadInput("a non-binding instrument does not enter into force: its rule is `none`")
    if found.get("renewal") and not found.get("term_years"):
        raise BadInput("renewal=automatic needs a fixed term (term=YEARS)")
    return Rule(head, n, normalise_code(after) if after else None, committee, binding, **found)  # type: ignore[arg-type]


def is_binding(kind: str, rule_text: str | None) -> bool:
    """Whether an agreement binds under international law: as its rule says,
    else by its kind (memoranda and joint declarations do not)."""
    if rule_text:
        binding = parse_rule(rule_text).binding
        if binding is not None:
            return binding
    return kind not in NON_BINDING_KINDS


# --------------------------------------------------------------------------- the date


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _first_of_month(day: date, months: int) -> date:
    return add_months(day.replace(day=1), months)


def day_function(rule: Rule) -> Callable[[date], date]:
    """The rule as a function of the day of the act it counts from."""
    n = rule.n or 0
    if rule.name == DAYS_AFTER:
        return lambda d: d + timedelta(days=n)
    if rule.name == FIRST_OF_MONTH:
        return lambda d: _first_of_month(d, n)
    if rule.name == PERIOD_THEN_FIRST:
        return lambda d: _first_of_month(add_months(d, n), 1)
    return lambda d: d


def apply_to(rule: Rule, when: When) -> When:
    """The rule applied to both ends of an interval (it never decreases)."""
    function = day_function(rule)
    return interval(
        function(when.earliest) if when.earliest is not None else None,
        function(when.latest) if when.latest is not None else None,
    )
