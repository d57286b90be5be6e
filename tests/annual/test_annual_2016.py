"""Issue 16's done-when, fact by fact: the 2016 section generated from the
seed history states every date, place and letter number that section 1.4 of
the service's report on 2016 (seeds/002_8bfc1bd7e0824147.txt) states about
those agreements, as far as the history holds them, and no date the history
does not hold. On SQLite and PostgreSQL, through the command line."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from tests.support import SEED, ok

# What section 1.4 says about each agreement, as the section must say it:
# (English, Azerbaijani) fragments of that agreement's paragraph.
FACTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # "23-24 noyabr 2016-cı il tarixlərdə Moskva şəhərində ... bir neçə maddədə dəyişiklik ... razılaşdırılmışdır"
    "MC-RUS": (
        (
            "in Moscow on 23–24 November 2016",
            "Changes to several articles agreed",
            "internal approval",
            "between 24 November and 31 December 2016",
        ),
        (
            "23-24 noyabr 2016-cı il tarixlərdə Moskva şəhərində",
            "Changes to several articles agreed",
            "dövlətdaxili razılaşdırma",
            "2016-cı ilin noyabrın 24-dən dekabrın 31-dək",
        ),
    ),
    "LM-RUS": (
        ("in Moscow on 23–24 November 2016", "Changes to several articles agreed", "rests with the counterpart"),
        ("23-24 noyabr 2016-cı il tarixlərdə Moskva şəhərində", "qarşı tərəfdən gözlənilir"),
    ),
    # no place in the report for this one
    "RA-RUS": (
        ("on 23–24 November 2016", "Many clauses of the draft agreed"),
        ("23-24 noyabr 2016-cı il tarixlərdə ekspertlər səviyyəsində",),
    ),
    # "25 may 2016-cı il tarixli 02/1097 nömrəli məktubla"
    "PR-RUS-ROAD": (
        ("letter No. 02/1097 of 25 May 2016",),
        ("25 may 2016-cı il tarixli 02/1097 nömrəli məktub",),
    ),
    # "Xarici İşlər Nazirliyi vasitəsilə qarşı tərəfə təqdim olunmuşdur"
    "MC-GEO": (
        ("submitted to the counterpart through the Ministry of Foreign Affairs",),
        ("Xarici İşlər Nazirliyi vasitəsilə qarşı tərəfə təqdim olunmuşdur",),
    ),
    # under review by Kazakhstan's bodies: the counterpart's move
    "IA-KAZ": (("rests with the counterpart",), ("qarşı tərəfdən gözlənilir",)),
    # "qarşı tərəfə təqdim edilməsi məqsədilə ... Xarici İşlər Nazirliyinə göndərilmişdir"
    "RA-PAK": (
        ("sent to the Ministry of Foreign Affairs of the Republic of Azerbaijan for submission to the counterpart",),
        ("qarşı tərəfə təqdim edilməsi məqsədilə Azərbaycan Respublikasının Xarici İşlər Nazirliyinə göndərilmişdir",),
    ),
    # "imzalanma mərhələsindədir"
    "RA-MNE": (("at the stage of signature",), ("imzalanma mərhələsində",)),
    # "23-25 fevral 2016-cı il tarixlərdə Kişinyov şəhərində, digəri isə 18-19 oktyabr 2016-cı il
    # tarixlərdə Bakı şəhərində ... bir maddəsi istisna olmaqla, digərləri üzrə razılıq"
    "RA-MDA": (
        (
            "in Chișinău on 23–25 February 2016",
            "in Baku on 18–19 October 2016",
            "One article of the draft remained open",
        ),
        (
            "23-25 fevral 2016-cı il tarixlərdə Kişinyov şəhərində",
            "18-19 oktyabr 2016-cı il tarixlərdə Bakı şəhərində",
            "Layihənin bir maddəsi istisna olmaqla, digərləri üzrə razılıq əldə olunmuşdur",
        ),
    ),
    "RA-TUR": (
        ("sent to the Ministry of Foreign Affairs of the Republic of Azerbaijan for submission to the counterpart",),
        ("qarşı tərəfə təqdim edilməsi məqsədilə Azərbaycan Respublikasının Xarici İşlər Nazirliyinə göndərilmişdir",),
    ),
    # "2016-cı ilin oktyabrın 10-da imzalanmışdır"
    "RA-CHE": (("signed on 10 October 2016",), ("10 oktyabr 2016-cı il tarixdə imzalanmışdır",)),
    # "imzalanması istiqamətində danışıqlar aparılır"
    "IP-BNL": (("Negotiations on the draft at expert level",), ("ekspertlər səviyyəsində danışıqlar aparılırdı",)),
    "IP-DEU": (("Negotiations on the draft at expert level",), ("ekspertlər səviyyəsində danışıqlar aparılırdı",)),
    "IP-LVA": (
        ("sent to the Ministry of Foreign Affairs of the Republic of Azerbaijan for submission to the counterpart",),
        ("qarşı tərəfə təqdim edilməsi məqsədilə Azərbaycan Respublikasının Xarici İşlər Nazirliyinə göndərilmişdir",),
    ),
    "IP-SWE": (
        ("sent to the Ministry of Foreign Affairs of the Republic of Azerbaijan for submission to the counterpart",),
        ("qarşı tərəfə təqdim edilməsi məqsədilə Azərbaycan Respublikasının Xarici İşlər Nazirliyinə göndərilmişdir",),
    ),
    # section 2.1: "2016-cı ilin dekabrın 8-də Cenevrədə ... imzalanmışdır"
    "IA-IOM": (
        ("signed in Geneva on 8 December 2016",),
        ("8 dekabr 2016-cı il tarixdə Cenevrə şəhərində imzalanmışdır",),
    ),
}

EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
AZ_MONTHS = [
    "yanvar",
    "fevral",
    "mart",
    "aprel",
    "may",
    "iyun",
    "iyul",
    "avqust",
    "sentyabr",
    "oktyabr",
    "noyabr",
    "dekabr",
]
_AZ_OF = {m: i + 1 for i, m in enumerate(AZ_MONTHS)}
_EN = re.compile(r"\b(\d{1,2})(?:[–-](\d{1,2}))? (" + "|".join(EN_MONTHS) + r")\b(?: (\d{4}))?")
_AZ = re.compile(r"\b(\d{1,2})(?:-(\d{1,2}))? (" + "|".join(AZ_MONTHS) + r")\b(?: (\d{4})-c)?")
_AZ_GENITIVE = re.compile(
    r"\b(\d{4})-c[ıiuü] ilin ((?:(?:" + "|".join(AZ_MONTHS) + r")(?:ın|in|un|ün) \d{1,2}-\w+ ?)+)"
)
_AZ_GENITIVE_DAY = re.compile(r"(" + "|".join(AZ_MONTHS) + r")(?:ın|in|un|ün) (\d{1,2})-")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def days_written(text: str) -> set[date]:
    """Every day the text names: "23–24 November 2016", "between 24 November
    and 31 December 2016", "23-24 noyabr 2016-cı il", "2016-cı ilin
    noyabrın 24-dən dekabrın 31-dək", ISO days."""
    found: set[date] = set()
    for pattern, months in ((_EN, {m: i + 1 for i, m in enumerate(EN_MONTHS)}), (_AZ, _AZ_OF)):
        pending: list[tuple[int, int]] = []  # (day, month) waiting for the year written after them
        for first, last, month, year in pattern.findall(text):
            pending += [(int(d), months[month]) for d in (first, last) if d]
            if year:
                found.update(date(int(year), m, d) for d, m in pending)
                pending = []
        assert pending == [], f"a day without its year in {text!r}"
    for year, days in _AZ_GENITIVE.findall(text):
        found.update(date(int(year), _AZ_OF[m], int(d)) for m, d in _AZ_GENITIVE_DAY.findall(days))
    found.update(date(int(y), int(m), int(d)) for y, m, d in _ISO.findall(text))
    return found


def history_days() -> tuple[set[date], set[int]]:
    """Every day the seed history holds (dates of events, the bounds of
    uncertain ones, the last days of rounds, the days in documents' names)
    and every year."""
    days: set[date] = set()
    for agreement in json.loads(SEED.read_text(encoding="utf-8"))["agreements"]:
        for event in agreement["events"]:
            on = (event["on"] or "").lstrip("<>=")
            for part in filter(None, on.split("..")):
                if len(part) == 10:
                    days.add(date.fromisoformat(part))
            if event.get("until"):
                days.add(date.fromisoformat(event["until"]))
            days |= days_written(event.get("reference") or "")
    years = {d.year for d in days} | {int(y) for y in _YEAR.findall(SEED.read_text(encoding="utf-8"))}
    return days, years


def paragraphs(page: str) -> dict[str, str]:
    """The agreements' paragraphs of an HTML section, by code, as text."""
    return {
        code: html.unescape(re.sub(r"<[^>]+>", "", body))
        for code, body in re.findall(r'<p id="([A-Z0-9-]+)">(.*?)</p>', page, re.S)
    }


def test_the_date_reader_reads_every_form_it_checks():
    assert days_written("on 23–24 November 2016 and between 24 November and 31 December 2016") == {
        date(2016, 11, 23),
        date(2016, 11, 24),
        date(2016, 12, 31),
    }
    assert days_written("23-24 noyabr 2016-cı il; 2016-cı ilin noyabrın 24-dən dekabrın 31-dək; 2014-03-06") == {
        date(2016, 11, 23),
        date(2016, 11, 24),
        date(2016, 12, 31),
        date(2014, 3, 6),
    }
    days, _years = history_days()
    assert date(2016, 5, 25) in days and date(2016, 11, 24) in days
    assert days_written("signed on 3 March 2016") - days == {date(2016, 3, 3)}  # what the check below would catch


@pytest.mark.parametrize("lang", ["en", "az"])
def test_the_2016_section_states_what_section_1_4_states(seeded, cli, lang):
    page = ok(cli("report", "annual", "--year", "2016", "--lang", lang, "--format", "html"))
    written = paragraphs(page)
    assert set(written) == set(FACTS)  # every agreement of section 1.4, and RA-EU / MP-EU (nothing in 2016) not
    missing = [
        (code, fact)
        for code, (en, az) in FACTS.items()
        for fact in (az if lang == "az" else en)
        if fact not in written[code]
    ]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "az"])
def test_the_2016_section_names_no_date_the_history_does_not_hold(seeded, cli, lang):
    text = ok(cli("report", "annual", "--year", "2016", "--lang", lang))
    days, years = history_days()
    written = days_written(text)
    assert len(written) >= 10  # the section is full of dates: the reader found them
    assert written - days == set()
    assert {int(y) for y in _YEAR.findall(text)} <= years
    assert {d.year for d in written} == {2016}


def test_the_section_is_grouped_by_counterpart_then_kind(seeded, cli):
    text = ok(cli("report", "annual", "--year", "2016", "--lang", "az"))
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[:2] == ["Rusiya Federasiyası", "Gürcüstan"]
    assert headings[-4:] == ["Belçika, Niderland, Lüksemburq", "Almaniya", "Latviya", "İsveç"]
    russia = text.split("## Rusiya Federasiyası", 1)[1].split("\n## ", 1)[0]
    order = [
        russia.index(t)
        for t in ("miqrasiya sahəsində əməkdaşlıq", "əmək miqrasiyası", "readmissiya haqqında", "avtomobil əlaqələri")
    ]
    assert order == sorted(order)  # as section 1.4 orders them: migration, labour migration, readmission, protocol
