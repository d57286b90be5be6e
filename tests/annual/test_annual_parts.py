"""The annual section's parts without a database: which year an event
belongs to, dates in words, document references, names and order."""

from __future__ import annotations

from datetime import date

import pytest

from agreements.annual.compose import _order, parse_reference
from agreements.annual.dates import span_words, when_phrase
from agreements.annual.facts import AgreementYear, agreement_year, in_year
from agreements.annual.parties import party_name
from workflows.date_forms import parse_when


@pytest.mark.parametrize(
    ("typed", "until", "years"),
    [
        ("2016-10-10", None, {2016}),
        ("2016-12-30", "2017-01-02", {2016, 2017}),  # a round across the new year
        ("<=2016-12-31", None, {2016}),  # "no later than": its bound's year, not every year before
        (">=2016-11-24", None, {2016}),
        ("2013-03-12..2014-02-28", None, {2013, 2014}),
        ("2012-02", None, {2012}),
        ("2016", None, {2016}),
        ("unknown", None, set()),
    ],
)
def test_the_year_an_event_belongs_to(typed, until, years):
    when = parse_when(typed)
    end = date.fromisoformat(until) if until else None
    assert {y for y in range(2010, 2020) if in_year(when, end, y)} == years


@pytest.mark.parametrize(
    ("typed", "until", "en", "az"),
    [
        ("2016-10-10", None, "on 10 October 2016", "10 oktyabr 2016-cı il tarixdə"),
        ("2016-11-23", "2016-11-24", "on 23–24 November 2016", "23-24 noyabr 2016-cı il tarixlərdə"),
        ("2016-11-30", "2016-12-02", "on 30 November – 2 December 2016", "30 noyabr - 2 dekabr 2016-cı il tarixlərdə"),
        ("2016", None, "during 2016", "2016-cı il ərzində"),
        ("2013", None, "during 2013", "2013-cü il ərzində"),
        ("2016-05", None, "in May 2016", "2016-cı ilin may ayında"),
        ("<=2016-12-31", None, "no later than 31 December 2016", "2016-cı ilin dekabrın 31-dək"),
        (">=2016-11-24", None, "no earlier than 24 November 2016", "2016-cı ilin noyabrın 24-dən tez olmayaraq"),
        (
            "2016-11-24..2016-12-31",
            None,
            "between 24 November and 31 December 2016",
            "2016-cı ilin noyabrın 24-dən dekabrın 31-dək",
        ),
    ],
)
def test_dates_in_a_sentence(typed, until, en, az):
    when = parse_when(typed)
    end = date.fromisoformat(until) if until else None
    assert (when_phrase(when, end, "en"), when_phrase(when, end, "az")) == (en, az)


def test_a_span_across_years():
    assert span_words(date(2016, 12, 30), date(2017, 1, 2), "en") == "30 December 2016 – 2 January 2017"


def test_document_references():
    letter = parse_reference("letter No. 02/1097 of 25 May 2016", "az")
    assert letter == {
        "text": "letter No. 02/1097 of 25 May 2016",
        "kind": "letter",
        "number": "02/1097",
        "day": "25 may 2016-cı il",
    }
    order = parse_reference("Presidential Order No. 312 of 2014-03-06", "en")
    assert (order["kind"], order["number"], order["day"]) == ("Presidential Order", "312", "6 March 2014")
    assert parse_reference("tel. 2026-11-20", "az") == {
        "text": "tel. 2026-11-20",
        "kind": None,
        "number": None,
        "day": None,
    }
    assert parse_reference("letter No. 7 of 31 Smarch 2016", "en")["day"] is None


def test_counterparts_by_name():
    layout = {"names": {"az": {"RUS": "Rusiya Federasiyası"}}}
    assert party_name("RUS", "az", layout) == "Rusiya Federasiyası"
    assert party_name("RUS", "en", layout) == "Russia"  # CLDR
    assert party_name("MDA", "az", {}) == "Moldova"
    assert party_name("ICMPD", "en", {}) == "ICMPD"  # neither: the code


def _entry(code: str, kind: str, parties: tuple[str, ...]) -> AgreementYear:
    return AgreementYear(code, code, code, kind, parties, None, ())


def test_groups_by_counterpart_then_kind():
    entries = [
        _entry("RA-RUS", "readmission", ("RUS",)),
        _entry("RA-CHE", "readmission", ("CHE",)),
        _entry("MC-RUS", "migration_cooperation", ("RUS",)),
        _entry("MC-GEO", "migration_cooperation", ("GEO",)),
        _entry("IP-DEU", "implementing_protocol", ("DEU",)),
    ]
    kinds = {"kinds": ["migration_cooperation", "readmission", "implementing_protocol"]}
    order = [(parties, [e.code for e in members]) for parties, members in _order(entries, kinds)]
    assert order == [
        (("RUS",), ["MC-RUS", "RA-RUS"]),  # the larger group first
        (("GEO",), ["MC-GEO"]),
        (("CHE",), ["RA-CHE"]),
        (("DEU",), ["IP-DEU"]),
    ]
    first = [p for p, _ in _order(entries, {**kinds, "counterparts": ["DEU"]})]
    assert first[0] == ("DEU",)


def _event(seq: int, kind: str, on: str, **extra) -> dict:
    when = parse_when(on)
    event = {
        "seq": seq,
        "kind": kind,
        "on": when.on.isoformat() if when.on else None,
        "date_precision": when.precision,
        "earliest": when.earliest.isoformat() if when.earliest else None,
        "until": None,
        "to": None,
        "reference": None,
    }
    return {**event, **extra}


def test_what_a_year_keeps():
    head = {"code": "RA-X", "title_en": "X", "title_az": "X", "kind": "readmission", "parties": ["CHE"]}
    events = [
        _event(1, "opened", "<=2016-10-10", to="signing"),  # implied by the signature that day
        _event(2, "note", "2016-10-01"),  # a note without a document
        _event(3, "round", "2016-09-01", retracted_by=5),
        _event(4, "signature", "2016-10-10"),
        _event(6, "plan", "2016-12-01"),
        _event(7, "note", "2016-11-01", reference="letter No. 1 of 1 November 2016"),
        _event(8, "stage_change", "2017-01-10", to="in_force"),
    ]
    entry = agreement_year(head, events, 2016)
    assert entry is not None
    assert [(f.event["seq"], f.signed) for f in entry.facts] == [(4, True), (7, True)]
    assert agreement_year({**head, "voided": True}, events, 2016) is None
    assert agreement_year(head, events, 2015) is None
