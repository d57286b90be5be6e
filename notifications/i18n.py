"""The digest's words in Azerbaijani and English, and dates formatted for the locale.

The words come from the message catalogs of ``workflows.locales`` (gettext);
stage names and holders from the lifecycle (``workflows.stages``).
"""

from __future__ import annotations

import datetime as dt

from workflows.locales import AZ, LOCALES, gettext_for
from workflows.stages import HOLDERS, stage_label
from workflows.stall import LEVELS


def N_(text: str) -> str:
    """Marks a message for ``pybabel extract``; looked up when shown."""
    return text


#: the digest's messages by key, in English: each is a msgid of the catalogs
#: (workflows/locale), translated when shown
WORDS: dict[str, str] = {
    "title": N_("Weekly digest"),
    "subject_some": N_("Weekly digest {week}: {n} need action"),
    "subject_one": N_("Weekly digest {week}: 1 needs action"),
    "subject_none": N_("Weekly digest {week}: nothing needs action"),
    "greeting": N_("Dear {name},"),
    "greeting_anonymous": N_("Good morning,"),
    "intro": N_(
        "Bilateral agreements as of {as_of}: what needs action, what moved from {moved_from} to {moved_to}, and the dates coming up until {until}."
    ),
    "intro_action_only": N_("Bilateral agreements as of {as_of}: what needs action."),
    "scope": N_("You follow: {scope}."),
    "needs_action": N_("Needs action"),
    "needs_action_none": N_("Nothing is overdue."),
    "acknowledged": N_("Acknowledged, waiting"),
    "moved": N_("Moved last week"),
    "moved_none": N_("Nothing was recorded from {moved_from} to {moved_to}."),
    "coming": N_("Coming up"),
    "coming_none": N_("No planned dates until {until}."),
    "pipeline": N_("Pipeline"),
    "pipeline_total": N_("{n} agreements"),
    "col_code": N_("Code"),
    "col_agreement": N_("Agreement"),
    "col_stage": N_("Stage"),
    "col_days": N_("Working days"),
    "col_level": N_("Level"),
    "col_move": N_("Whose move"),
    "col_date": N_("Date"),
    "col_what": N_("What"),
    "col_by": N_("Recorded by"),
    "col_until": N_("Until"),
    "col_count": N_("Agreements"),
    "days_of": N_("{days} of {threshold}"),
    "days_label": N_("working days"),
    "ack_until": N_("until {date}"),
    "since": N_("in stage since {since}"),
    "since_not_after": N_("in stage since no later than {since}"),
    "level_overdue": N_("overdue"),
    "level_critical": N_("critical"),
    "awaiting_counterpart": N_("awaiting the counterpart: send a reminder through diplomatic channels"),
    "kind_opened": N_("entered the tracker at {to}"),
    "kind_stage_change": N_("{from_} → {to}"),
    "kind_round": N_("round of expert talks"),
    "kind_signature": N_("signed"),
    "kind_note": N_("note"),
    "place": N_("place: {place}"),
    "outcome": N_("outcome: {outcome}"),
    "reference": N_("ref.: {reference}"),
    "ack_note": N_("{note}"),
    "ack_expires": N_("acknowledgement expires: the agreement returns to “needs action”"),
    "footer": N_(
        "Sent by the agreements tracker of the State Migration Service. Dates in Asia/Baku; working days leave out weekends and public holidays."
    ),
    "footer_commands": N_("Details: agreements show CODE; the full list: agreements stalled."),
    "footer_links": N_("Each agreement links to its page; the full list: {url}/stalled"),
    "everything": N_("all agreements"),
    "scope_party": N_("counterpart {value}"),
    "scope_kind": N_("kind {value}"),
    "scope_officer": N_("officer {value}"),
    "scope_only": N_("needs action only"),
    "week_of": N_("Week {week}"),
    "more": N_("… and {n} more; the full list:"),
    "shortened": N_(
        "This e-mail was shortened to fit the mail server's size limit: each list shows its first {n} entries."
    ),
    "anchor": N_(
        "History anchor: the record as it stood at {moment}. Keep this e-mail: it proves later that nothing recorded by then was rewritten."
    ),
    "anchor_check": N_("Check it with:"),
    "moment": N_("{date}, {time}"),
    "cut": N_("({n} more words)"),
}


class Translator:
    """``t("key", **values)`` in one locale."""

    def __init__(self, locale: str):
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}; one of: {', '.join(LOCALES)}")
        self.locale = locale
        self.gettext = gettext_for(locale)

    def __call__(self, key: str, **values) -> str:
        return self.gettext(WORDS[key]).format(**values)

    def date(self, day: dt.date | None) -> str:
        """ "24 noyabr 2026" / "24 November 2026"."""
        if day is None:
            return ""
        from babel.dates import format_date  # why: Babel loads its locale data only when a date is written

        return format_date(day, "d MMMM y", locale=self.locale)

    def moment(self, when: dt.datetime | None) -> str:
        """ "23 noyabr 2026, saat 00:00" / "23 November 2026, 00:00" (in ``when``'s own zone)."""
        if when is None:
            return ""
        return self("moment", date=self.date(when.date()), time=f"{when:%H:%M}")

    def date_range(self, start: dt.date, end: dt.date | None) -> str:
        """ "23–24 fevral 2017", "28 February – 1 March 2017", or two full dates across years."""
        from babel.dates import format_date  # why: as in date(), Babel only when a date is written

        if end is None or end == start:
            return self.date(start)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{self.date(end)}"
        if start.year == end.year:
            return f"{format_date(start, 'd MMMM', locale=self.locale)} – {self.date(end)}"
        return f"{self.date(start)} – {self.date(end)}"

    def stage(self, name: str | None) -> str:
        return stage_label(name, self.locale) if name else ""

    def holder(self, name: str | None) -> str:
        if not name:
            return ""
        en, az = HOLDERS.get(name, (name, name))
        return az if self.locale == AZ else en

    def level(self, level: str | None) -> str:
        return self(f"level_{level}") if level in LEVELS else (level or "")

    def subject(self, week: str, count: int) -> str:
        if count == 0:
            return self("subject_none", week=week)
        if count == 1:
            return self("subject_one", week=week)
        return self("subject_some", week=week, n=count)
