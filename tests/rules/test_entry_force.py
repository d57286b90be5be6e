"""The entry-into-force rules compute the dates of real agreements, or say
who blocks them (issue 14). Each public record is cited beside its test."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.acts import AZE, Act, ActRequest, check_act, parties, receipt
from workflows.date_forms import DAY, When, parse_when
from workflows.entry_force import Blocked, Expected, Link, assess, compute, refusal
from workflows.entry_rules import apply_to, is_binding, parse_rule
from workflows.errors import BadDate, BadInput, IllegalMove


def _act(seq: int, kind: str, party: str, on: str, received: str | None = None) -> Act:
    return Act(seq, kind, party, parse_when(on), parse_when(received) if received else None)


def _consented_and_notified(party: str, sent: str, received: str | None, seq: int = 1) -> list[Act]:
    return [_act(seq, "approval", party, "unknown"), _act(seq + 1, "notification", party, sent, received)]


# --------------------------------------------------------------------------- dates from public records


def test_first_day_of_the_second_month_after_a_notification_received_on_15_july_2014():
    """EU-Azerbaijan readmission agreement: in force on the first day of the
    second month following the parties' notifications (Official Journal of
    the EU, L 128, 30.4.2014, p. 17; in force 1 September 2014 according to
    the Council's Treaties and Agreements database). A last notification
    received on 15 July 2014 gives 1 September 2014."""
    rule = parse_rule("first-day-of-month-after-last-notification:2")
    acts = [
        *_consented_and_notified("EU", "2014-07-10", "2014-07-15"),
        *_consented_and_notified(AZE, "2014-06-02", "2014-06-04", seq=3),
    ]
    outcome = compute(rule, [AZE, "EU"], acts, date(2014, 2, 28))
    assert isinstance(outcome, Expected)
    assert outcome.when == When(date(2014, 9, 1), DAY)
    assert outcome.sentence() == (
        "expected in force on 1 September 2014 (first day of the 2nd month after the last notification, "
        "received 15 July 2014)"
    )
    assert outcome.sentence("az") == (
        "qüvvəyə minməsi gözlənilir: 1 sentyabr 2014-cü il (sonuncu bildirişdən sonrakı 2-ci ayın birinci "
        "günü; bildiriş alınıb: 15 iyul 2014-cü il)"
    )


def test_the_thirtieth_day_after_3_march_is_2_april():
    """ "On the 30th day after the receipt of the last notification", the
    clause of many bilateral readmission agreements (e.g. Azerbaijan-Norway,
    approved by Law No. 1218-IVQ of 6 March 2015)."""
    rule = parse_rule("days-after-last-notification:30")
    outcome = compute(rule, [AZE], _consented_and_notified(AZE, "2015-03-01", "2015-03-03"), None)
    assert isinstance(outcome, Expected) and outcome.when == When(date(2015, 4, 2), DAY)
    assert "the 30th day after the last notification, received 3 March 2015" in outcome.sentence()


def test_a_fixed_period_then_the_first_of_the_month_as_council_of_europe_conventions():
    """Council of Europe conventions for a later ratifier: "the first day of
    the month following the expiration of a period of three months after the
    date of deposit" — a deposit on 3 March 2008 gives 1 July 2008."""
    rule = parse_rule("fixed-period-then-first-of-month:3")
    outcome = compute(rule, [AZE], _consented_and_notified(AZE, "2008-03-03", "2008-03-03"), None)
    assert isinstance(outcome, Expected) and outcome.when == When(date(2008, 7, 1), DAY)


def test_on_signature_and_on_the_last_notification():
    signed = compute(parse_rule("on-signature"), [AZE, "IOM"], [], date(2016, 12, 8))
    assert isinstance(signed, Expected) and signed.when == When(date(2016, 12, 8), DAY)
    assert signed.sentence() == "expected in force on 8 December 2016 (on signature, 8 December 2016)"
    last = compute(
        parse_rule("on-last-notification"), [AZE], _consented_and_notified(AZE, "2017-01-05", "2017-01-09"), None
    )
    assert isinstance(last, Expected) and last.when == When(date(2017, 1, 9), DAY)


def test_a_later_of_link_waits_for_the_other_agreement_then_takes_the_later_date():
    rule = parse_rule("days-after-last-notification:30", after="RA-EU")
    acts = _consented_and_notified(AZE, "2014-03-01", "2014-03-03")
    waiting = compute(rule, [AZE], acts, None, [Link("RA-EU", "after", None)])
    assert isinstance(waiting, Blocked)
    assert waiting.sentence() == "waiting for: RA-EU in force"
    later_one = compute(rule, [AZE], acts, None, [Link("RA-EU", "after", date(2014, 9, 1))])
    assert isinstance(later_one, Expected) and later_one.when == When(date(2014, 9, 1), DAY)
    earlier_one = compute(rule, [AZE], acts, None, [Link("RA-EU", "after", date(2014, 1, 1))])
    assert isinstance(earlier_one, Expected) and earlier_one.when == When(date(2014, 4, 2), DAY)


def test_an_implementing_protocol_waits_for_the_committee_and_its_base():
    """EU readmission implementing protocols "shall enter into force only
    after the Joint Readmission Committee has been notified"."""
    rule = parse_rule("days-after-last-notification:30;committee")
    acts = _consented_and_notified(AZE, "2017-01-02", "2017-01-02") + _consented_and_notified(
        "DEU", "2017-01-03", "2017-01-04", 3
    )
    outcome = compute(rule, [AZE, "DEU"], acts, None, [Link("RA-EU", "base", None)])
    assert isinstance(outcome, Blocked)
    assert outcome.sentence() == "waiting for: notification of the joint committee; RA-EU in force (its base agreement)"
    acts.append(_act(5, "committee_notification", AZE, "2017-03-10", "2017-03-15"))
    outcome = compute(rule, [AZE, "DEU"], acts, None, [Link("RA-EU", "base", date(2014, 9, 1))])
    assert isinstance(outcome, Expected) and outcome.when == When(date(2017, 3, 15), DAY)


# --------------------------------------------------------------------------- blockers


def test_who_blocks_an_agreement_waiting_for_both_sides():
    outcome = compute(parse_rule("on-last-notification"), [AZE, "RUS"], [], None)
    assert isinstance(outcome, Blocked)
    assert outcome.sentence() == "waiting for: AZE approval; notification from AZE; notification from RUS"
    assert outcome.sentence("az") == "gözlənilir: təsdiq (AZE); bildiriş (AZE); bildiriş (RUS)"
    ours = _consented_and_notified(AZE, "2017-01-05", "2017-01-06")
    assert compute(parse_rule("on-last-notification"), [AZE, "RUS"], ours, None).sentence() == (
        "waiting for: notification from RUS"
    )


def test_without_a_rule_the_notifications_and_then_the_rule_are_awaited():
    assert assess(None, ["CHE"], [], date(2016, 10, 10)).sentence() == (
        "waiting for: AZE approval; notification from AZE; notification from CHE; "
        "the entry-into-force rule (agreements entry-rule)"
    )


def test_an_exchange_of_notes_waits_for_the_date_the_notes_fix():
    acts = _consented_and_notified(AZE, "2017-01-05", "2017-01-06")
    outcome = compute(parse_rule("by-exchange-of-notes"), [AZE], acts, None)
    assert isinstance(outcome, Blocked) and outcome.sentence() == "waiting for: the date the exchange of notes fixes"
    assert refusal("X", outcome, date(2017, 2, 1)) is None


# --------------------------------------------------------------------------- uncertain dates


def test_uncertain_dates_give_an_interval():
    rule = parse_rule("first-day-of-month-after-last-notification:2")
    in_july = compute(rule, [AZE], _consented_and_notified(AZE, "2014-07", "2014-07"), None)
    assert isinstance(in_july, Expected) and in_july.when == When(date(2014, 9, 1), DAY)  # any day of July
    bounded = compute(rule, [AZE], _consented_and_notified(AZE, "2014-04-14..2014-07-31", "<=2014-07-31"), None)
    assert isinstance(bounded, Expected)
    assert bounded.when == When(date(2014, 9, 1), "between", date(2014, 6, 1))
    assert bounded.phrase() == "between 1 June and 1 September 2014"
    unreceived = compute(rule, [AZE], _consented_and_notified(AZE, "2014-07-10", None), None)
    assert isinstance(unreceived, Expected) and unreceived.when == When(None, "not_before", date(2014, 9, 1))


def test_the_computed_date_is_checked_when_in_force_is_recorded():
    rule = parse_rule("first-day-of-month-after-last-notification:2")
    outcome = compute(rule, [AZE], _consented_and_notified(AZE, "2014-07-10", "2014-07-15"), None)
    assert refusal("RA-EU", outcome, date(2014, 9, 1)) is None
    message = refusal("RA-EU", outcome, date(2014, 8, 1))
    assert message is not None and "expected in force on 1 September 2014" in message and "--reason" in message
    blocked = compute(rule, [AZE, "RUS"], [], None)
    assert "waiting for: AZE approval" in (refusal("MC-RUS", blocked, date(2017, 1, 1)) or "")


# --------------------------------------------------------------------------- the rules as data


@pytest.mark.parametrize(
    "text",
    [
        "on-signature",
        "days-after-last-notification:30",
        "first-day-of-month-after-last-notification:2;after=RA-EU;committee",
        "none;non-binding",
        "on-last-notification;binding",
    ],
)
def test_a_rules_text_reads_back_as_itself(text):
    assert parse_rule(text).text() == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("within-a-year", "unknown entry-into-force rule"),
        ("days-after-last-notification", "needs a number from 1 to 3650"),
        ("days-after-last-notification:0", "needs a number"),
        ("on-signature:3", "takes no number"),
        ("on-signature;soon", "unknown option"),
        ("on-signature;non-binding", "its rule is `none`"),
    ],
)
def test_a_wrong_rule_is_refused(text, fragment):
    with pytest.raises(BadInput, match=fragment):
        parse_rule(text)


def test_binding_by_kind_unless_the_rule_says():
    assert is_binding("readmission", None) and not is_binding("joint_declaration", None)
    assert not is_binding("memorandum", "on-signature") and is_binding("memorandum", "on-signature;binding")
    assert not is_binding("readmission", "none;non-binding")


def test_a_rule_never_decreases_over_an_interval():
    rule = parse_rule("first-day-of-month-after-last-notification:2")
    assert apply_to(rule, parse_when("2014")) == When(date(2015, 2, 1), "between", date(2014, 3, 1))


# --------------------------------------------------------------------------- the acts' own rules


def test_a_notification_needs_the_partys_approval_first_and_not_before_it():
    today = date(2026, 11, 30)
    with pytest.raises(IllegalMove, match="record RUS's approval or ratification of MC-RUS first"):
        check_act("MC-RUS", ["RUS"], ActRequest("notification", "RUS", parse_when("2017-01-10")), [], today)
    approval = [_act(1, "ratification", "RUS", "2017-02-01")]
    with pytest.raises(BadDate, match="cannot come before RUS's ratification"):
        check_act("MC-RUS", ["RUS"], ActRequest("notification", "RUS", parse_when("2017-01-10")), approval, today)
    check_act("MC-RUS", ["RUS"], ActRequest("notification", "RUS", parse_when("2017-02")), approval, today)


def test_received_before_sent_and_unknown_parties_are_refused():
    today = date(2026, 11, 30)
    acts = [_act(1, "approval", AZE, "2017-01-01")]
    with pytest.raises(BadDate, match="cannot be received"):
        check_act(
            "RA-CHE",
            ["CHE"],
            ActRequest("notification", AZE, parse_when("2017-02-10"), parse_when("2017-02-01")),
            acts,
            today,
        )
    with pytest.raises(IllegalMove, match="FRA is not a party of RA-CHE"):
        check_act("RA-CHE", ["CHE"], ActRequest("signature", "FRA", parse_when("2017-01-01")), acts, today)
    with pytest.raises(BadInput, match="--received is for what is sent and received"):
        check_act(
            "RA-CHE",
            ["CHE"],
            ActRequest("signature", "CHE", parse_when("2017-01-01"), parse_when("2017-01-02")),
            acts,
            today,
        )


def test_an_accession_adds_a_party():
    today = date(2026, 11, 30)
    joined = [_act(1, "accession", "HRV", "2015-06-01")]
    assert parties(["EU", "CZE"], joined) == [AZE, "EU", "CZE", "HRV"]
    check_act("MP-EU", ["EU", "CZE"], ActRequest("signature", "HRV", parse_when("2015-06-01")), joined, today)
    with pytest.raises(IllegalMove, match="already a party"):
        check_act("MP-EU", ["EU", "CZE"], ActRequest("accession", "CZE", parse_when("2015-06-01")), [], today)


def test_a_notification_counts_when_received_never_before_it_was_sent():
    act = _act(1, "notification", "EU", "2014-07-10", "2014-07")
    assert receipt(act) == When(date(2014, 7, 31), "between", date(2014, 7, 10))
