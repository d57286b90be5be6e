"""`agreements report annual`: the year's section on agreements in one call."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from agreements.annual.compose import compose
from agreements.annual.docx import write_docx
from agreements.annual.facts import year_facts
from agreements.annual.render import render_text
from agreements.annual.templates import REFERENCE_DOCX, Templates
from agreements.errors import BadInput
from agreements.store.database import Database
from workflows.locales import LOCALES

FORMATS = ("md", "html", "docx")
FIRST_YEAR, LAST_YEAR = 1000, 9999


@dataclass(frozen=True)
class Written:
    """A section: its content (text for md and html, bytes for docx), how many
    agreements it states, and the sentence it says when there are none."""

    content: str | bytes
    agreements: int
    empty: str | None


def annual_report(
    db: Database, year: int, lang: str, fmt: str, zone: ZoneInfo, templates: str | None = None
) -> Written:
    """The section on agreements of ``year`` in ``lang`` and ``fmt``, from the
    history as it now reads; ``templates`` a folder of edited templates."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(f"{year} is not a year; give four digits, e.g. 2016")
    if lang not in LOCALES:
        raise BadInput(f"unknown language {lang!r}; one of: {', '.join(LOCALES)}")
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
    chosen = Templates(templates)
    report = compose(year_facts(db, year, zone), year, lang, chosen)
    docx = fmt == "docx"
    content = write_docx(report, chosen.path(REFERENCE_DOCX)) if docx else render_text(report, fmt, chosen)
    return Written(content, report.count, report.empty)
