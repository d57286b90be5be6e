"""Properties of the computed entry-into-force date over any sequence of acts
(hypothesis): it never precedes the last required act, and adding an act
never moves it earlier."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.acts import AZE, NOTIFICATION, Act, receipt
from workflows.date_forms import DAY, When, parse_when, text_of
from workflows.entry_force import Expected, Link, compute
from workflows.entry_rules import parse_rule

PARTIES = [AZE, "RUS"]
RULES = [
    "on-last-notification",
    "days-after-last-notification:30",
    "first-day-of-month-after-last-notification:2",
    "fixed-period-then-first-of-month:3",
    "on-signature",
    "days-after-last-notification:30;committee",
    "first-day-of-month-after-last-notification:2;after=RA-EU",
]
KINDS = ["approval", "ratification", "notification", "notification", "committee_notification", "signature", "accession"]

days = st.dates(min_value=date(2010, 1, 1), max_value=date(2020, 12, 31))


@st.composite
def whens(draw) -> When:
    """A date in any form an officer may type."""
    day = draw(days)
    form = draw(st.sampled_from(["day", "day", "month", "year", "not_after", "not_before", "between", "unknown"]))
    text = {
        "day": day.isoformat(),
        "month": f"{day.year:04d}-{day.month:02d}",
        "year": f"{day.year:04d}",
        "not_after": "<=" + day.isoformat(),
        "not_before": ">=" + day.isoformat(),
        "between": f"{day.isoformat()}..{(day + timedelta(days=draw(st.integers(1, 90)))).isoformat()}",
        "unknown": "unknown",
    }[form]
    return parse_when(text)


@st.composite
def acts(draw, seq: int) -> Act:
    kind = draw(st.sampled_from(KINDS))
    party = draw(st.sampled_from([*PARTIES, "BLR"] if kind == "accession" else PARTIES))
    sent = draw(whens())
    received = None
    if kind in (NOTIFICATION, "committee_notification") and draw(st.booleans()):
        received = draw(whens())
        if sent.earliest is not None and received.latest is not None and received.latest < sent.earliest:
            received = parse_when(">=" + sent.earliest.isoformat())
    return Act(seq, kind, party, sent, received)


@st.composite
def histories(draw) -> list[Act]:
    count = draw(st.integers(0, 10))
    return [draw(acts(seq)) for seq in range(1, count + 1)]


def _members(history: list[Act]) -> list[str]:
    return PARTIES + [a.party for a in history if a.kind == "accession" and a.party not in PARTIES][:1]


def _outcome(rule_text: str, history: list[Act], signed: date | None, base: date | None):
    rule = parse_rule(rule_text)
    links = [Link("RA-EU", "after", base)] if rule.after else []
    return compute(rule, _members(history), history, signed, links)


def _not_before(later: date | None, earlier: date | None, unknown_is_low: bool) -> bool:
    """``later >= earlier`` where an unknown bound is -inf (lower) or +inf (upper)."""
    if earlier is None:
        return unknown_is_low or later is None
    if later is None:
        return not unknown_is_low
    return later >= earlier


@settings(max_examples=200, deadline=None, database=None)
@given(
    rule=st.sampled_from(RULES),
    history=histories(),
    signed=st.one_of(st.none(), days),
    base=st.one_of(st.none(), days),
)
def test_the_computed_date_never_precedes_the_last_required_act(rule, history, signed, base):
    outcome = _outcome(rule, history, signed, base)
    if not isinstance(outcome, Expected):
        return
    by_notification = not rule.startswith("on-signature")
    required = [receipt(a) for a in history if a.kind == NOTIFICATION] if by_notification else []
    if "committee" in rule:
        required += [receipt(a) for a in history if a.kind == "committee_notification"]
    if rule.startswith("on-signature"):  # the day given, else every party's signature act
        required += [When(signed, DAY)] if signed is not None else [a.when for a in history if a.kind == "signature"]
    assert required, (rule, history)
    for act in required:
        # every day the result allows is on or after every day the act certainly happened by
        assert _not_before(outcome.when.earliest, act.earliest, unknown_is_low=True) or act.earliest is None
        assert _not_before(outcome.when.latest, act.latest, unknown_is_low=False), (text_of(outcome.when), text_of(act))


@settings(max_examples=200, deadline=None, database=None)
@given(
    rule=st.sampled_from(RULES),
    history=histories(),
    extra=acts(99),
    signed=st.one_of(st.none(), days),
    base=st.one_of(st.none(), days),
)
def test_adding_an_act_never_moves_the_computed_date_earlier(rule, history, extra, signed, base):
    before = _outcome(rule, history, signed, base)
    after = _outcome(rule, [*history, extra], signed, base)
    if not (isinstance(before, Expected) and isinstance(after, Expected)):
        return
    assert _not_before(after.when.earliest, before.when.earliest, unknown_is_low=True)
    assert _not_before(after.when.latest, before.when.latest, unknown_is_low=False)
