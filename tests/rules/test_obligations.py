"""The obligations after signature (issue 14), derived from the rule, the
acts and the stage. Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.acts import Act
from workflows.date_forms import parse_when
from workflows.entry_rules import add_months, parse_rule
from workflows.errors import BadInput
from workflows.obligations import Standing, obligations


def _act(seq: int, kind: str, party: str, on: str, received: str | None = None) -> Act:
    return Act(seq, kind, party, parse_when(on), parse_when(received) if received else None)


def _by_what(found) -> dict:
    return {o.what: o for o in found}


def test_registration_and_publication_follow_entry_into_force_and_approval():
    """EU-Azerbaijan readmission agreement, in force 1 September 2014 (OJ L 128
    of 30 April 2014); Azerbaijan's approval by a law of the Milli Majlis."""
    acts = [_act(1, "approval", "AZE", "2014-05-27")]
    standing = Standing("RA-EU", "in_force", parse_rule("first-day-of-month-after-last-notification:2"), acts,
                        date(2014, 2, 28), date(2014, 9, 1))  # fmt: skip
    found = _by_what(obligations(standing, date(2026, 12, 1)))
    assert (found["registration"].due, found["registration"].done) == (date(2014, 9, 1), False)
    assert (found["publication"].due, found["publication"].done) == (date(2014, 5, 27), False)
    assert found["registration"].basis_en == "in force since 1 September 2014"
    done = Standing(
        "RA-EU",
        "in_force",
        standing.rule,
        [*acts, _act(2, "registration", "AZE", "2015-01-10"), _act(3, "publication", "AZE", "2014-06-01")],
        standing.signed_on,
        standing.in_force_on,
    )
    assert all(o.done for o in obligations(done, date(2026, 12, 1)))


def test_competent_authorities_within_30_days_of_an_implementing_protocols_signature():
    standing = Standing("IP-DEU", "signing", None, [], date(2016, 3, 1), None, implementing=True)
    (only,) = obligations(standing, date(2016, 3, 2))
    assert (only.what, only.due, only.done) == ("competent_authorities", date(2016, 3, 31), False)
    listed = Standing("IP-DEU", "signing", None, [_act(1, "authorities_list", "AZE", "2016-03-20")],
                      date(2016, 3, 1), None, implementing=True)  # fmt: skip
    assert obligations(listed, date(2016, 3, 2))[0].done


@pytest.mark.parametrize(
    ("period", "received", "effective"),
    [
        ("6m", "2020-01-15", date(2020, 7, 15)),
        ("30d", "2020-01-15", date(2020, 2, 14)),
        (None, "2020-01-15", date(2020, 1, 15)),
    ],
)
def test_a_withdrawal_takes_effect_after_its_notice_period(period, received, effective):
    rule = parse_rule("on-signature" + (f";exit={period}" if period else ""))
    acts = [_act(1, "withdrawal", "RUS", "2020-01-10", received)]
    found = _by_what(
        obligations(Standing("MC-X", "in_force", rule, acts, date(2010, 1, 1), date(2010, 1, 1)), date(2020, 2, 1))
    )
    assert (found["termination_effective"].due, found["termination_effective"].done) == (effective, False)
    ended = Standing("MC-X", "terminated", rule, acts, date(2010, 1, 1), date(2010, 1, 1))
    assert _by_what(obligations(ended, date(2020, 9, 1)))["termination_effective"].done


def test_a_fixed_term_expires_and_renews_automatically_with_a_notice_window():
    rule = parse_rule("on-signature;term=5;notice=6;renewal=automatic")
    assert rule.text() == "on-signature;term=5;notice=6;renewal=automatic"
    standing = Standing("RA-X", "in_force", rule, [], date(2015, 3, 1), date(2015, 3, 1))
    found = _by_what(obligations(standing, date(2019, 1, 1)))
    assert found["expiry"].due == date(2020, 3, 1) and found["renewal_notice"].due == date(2019, 9, 1)
    later = _by_what(obligations(standing, date(2021, 1, 1)))  # renewed once: the next term's dates
    assert later["expiry"].due == date(2025, 3, 1) and later["renewal_notice"].due == date(2024, 9, 1)
    fixed = Standing("RA-X", "in_force", parse_rule("on-signature;term=5"), [], date(2015, 3, 1), date(2015, 3, 1))
    assert [o.what for o in obligations(fixed, date(2021, 1, 1))] == ["registration", "expiry"]
    assert _by_what(obligations(fixed, date(2021, 1, 1)))["expiry"].due == date(2020, 3, 1)


def test_term_options_are_checked():
    with pytest.raises(BadInput, match="renewal=automatic needs a fixed term"):
        parse_rule("on-signature;renewal=automatic")
    with pytest.raises(BadInput, match="exit= takes a notice period"):
        parse_rule("on-signature;exit=six")
    assert add_months(date(2020, 8, 31), -6) == date(2020, 2, 29)
