"""The digest's words in Azerbaijani and English, and dates formatted for the locale.

A small catalogue kept in code: two locales, a few dozen strings, no build
step. Stage names and holders come from the lifecycle (``workflows.stages``).
"""

from __future__ import annotations

import datetime as dt

from workflows.locales import AZ, EN
from workflows.stages import HOLDERS, stage_label
from workflows.stall import LEVELS

CATALOGUE: dict[str, dict[str, str]] = {
    EN: {
        "title": "Weekly digest",
        "subject_some": "Weekly digest {week}: {n} need action",
        "subject_one": "Weekly digest {week}: 1 needs action",
        "subject_none": "Weekly digest {week}: nothing needs action",
        "greeting": "Dear {name},",
        "greeting_anonymous": "Good morning,",
        "intro": "Bilateral agreements as of {as_of}: what needs action, what moved from {moved_from} to {moved_to}, and the dates coming up until {until}.",
        "intro_action_only": "Bilateral agreements as of {as_of}: what needs action.",
        "scope": "You follow: {scope}.",
        "needs_action": "Needs action",
        "needs_action_none": "Nothing is overdue.",
        "acknowledged": "Acknowledged, waiting",
        "moved": "Moved last week",
        "moved_none": "Nothing was recorded from {moved_from} to {moved_to}.",
        "coming": "Coming up",
        "coming_none": "No planned dates until {until}.",
        "pipeline": "Pipeline",
        "pipeline_total": "{n} agreements",
        "col_code": "Code",
        "col_agreement": "Agreement",
        "col_stage": "Stage",
        "col_days": "Working days",
        "col_level": "Level",
        "col_move": "Whose move",
        "col_date": "Date",
        "col_what": "What",
        "col_by": "Recorded by",
        "col_until": "Until",
        "col_count": "Agreements",
        "days_of": "{days} of {threshold}",
        "days_label": "working days",
        "ack_until": "until {date}",
        "since": "in stage since {since}",
        "since_not_after": "in stage since no later than {since}",
        "level_overdue": "overdue",
        "level_critical": "critical",
        "awaiting_counterpart": "awaiting the counterpart: send a reminder through diplomatic channels",
        "kind_opened": "entered the tracker at {to}",
        "kind_stage_change": "{from_} → {to}",
        "kind_round": "round of expert talks",
        "kind_signature": "signed",
        "kind_note": "note",
        "place": "place: {place}",
        "outcome": "outcome: {outcome}",
        "reference": "ref.: {reference}",
        "ack_note": "{note}",
        "ack_expires": "acknowledgement expires: the agreement returns to “needs action”",
        "footer": "Sent by the agreements tracker of the State Migration Service. Dates in Asia/Baku; working days leave out weekends and public holidays.",
        "footer_commands": "Details: agreements show CODE; the full list: agreements stalled.",
        "footer_links": "Each agreement links to its page; the full list: {url}/stalled",
        "everything": "all agreements",
        "scope_party": "counterpart {value}",
        "scope_kind": "kind {value}",
        "scope_officer": "officer {value}",
        "scope_only": "needs action only",
        "week_of": "Week {week}",
        "more": "… and {n} more; the full list:",
        "shortened": "This e-mail was shortened to fit the mail server's size limit: each list shows its first {n} entries.",
        "anchor": "History anchor: the record as it stood at {moment}. Keep this e-mail: it proves later that nothing recorded by then was rewritten.",
        "anchor_check": "Check it with:",
        "moment": "{date}, {time}",
    },
    AZ: {
        "title": "Həftəlik icmal",
        "subject_some": "Həftəlik icmal {week}: {n} diqqət tələb edir",
        "subject_one": "Həftəlik icmal {week}: 1 diqqət tələb edir",
        "subject_none": "Həftəlik icmal {week}: diqqət tələb edən yoxdur",
        "greeting": "Hörmətli {name},",
        "greeting_anonymous": "Sabahınız xeyir,",
        "intro": "İkitərəfli sazişlər {as_of} tarixinə: diqqət tələb edənlər, {moved_from} – {moved_to} dövründə baş verənlər və {until} tarixinədək planlaşdırılanlar.",
        "intro_action_only": "İkitərəfli sazişlər {as_of} tarixinə: diqqət tələb edənlər.",
        "scope": "İzlədiyiniz: {scope}.",
        "needs_action": "Diqqət tələb edir",
        "needs_action_none": "Gecikən saziş yoxdur.",
        "acknowledged": "Nəzərə alınıb, gözlənilir",
        "moved": "Ötən həftə baş verənlər",
        "moved_none": "{moved_from} – {moved_to} dövründə heç nə qeydə alınmayıb.",
        "coming": "Qarşıdakı tarixlər",
        "coming_none": "{until} tarixinədək planlaşdırılmış tarix yoxdur.",
        "pipeline": "Mərhələlər üzrə vəziyyət",
        "pipeline_total": "{n} saziş",
        "col_code": "Kod",
        "col_agreement": "Saziş",
        "col_stage": "Mərhələ",
        "col_days": "İş günləri",
        "col_level": "Səviyyə",
        "col_move": "Növbəti addım",
        "col_date": "Tarix",
        "col_what": "Nə",
        "col_by": "Qeyd edən",
        "col_until": "Tarixədək",
        "col_count": "Sazişlər",
        "days_of": "{days} / {threshold}",
        "days_label": "iş günləri",
        "ack_until": "{date} tarixədək",
        "since": "mərhələdə {since} tarixindən",
        "since_not_after": "mərhələdə ən gec {since} tarixindən",
        "level_overdue": "gecikir",
        "level_critical": "kritik",
        "awaiting_counterpart": "qarşı tərəf gözlənilir: diplomatik kanallarla xatırlatma göndərin",
        "kind_opened": "izləməyə götürülüb ({to})",
        "kind_stage_change": "{from_} → {to}",
        "kind_round": "ekspertlər səviyyəsində danışıqlar raundu",
        "kind_signature": "imzalanıb",
        "kind_note": "qeyd",
        "place": "yer: {place}",
        "outcome": "nəticə: {outcome}",
        "reference": "sənəd: {reference}",
        "ack_note": "{note}",
        "ack_expires": "nəzərə alınma müddəti bitir: saziş yenidən “diqqət tələb edir” siyahısına düşür",
        "footer": "Dövlət Miqrasiya Xidmətinin sazişlər üzrə izləmə sistemi tərəfindən göndərilib. Tarixlər Bakı vaxtı ilədir; iş günlərinə istirahət və bayram günləri daxil deyil.",
        "footer_commands": "Ətraflı: agreements show KOD; tam siyahı: agreements stalled.",
        "footer_links": "Hər saziş öz səhifəsinə keçid verir; tam siyahı: {url}/stalled",
        "everything": "bütün sazişlər",
        "scope_party": "qarşı tərəf {value}",
        "scope_kind": "növ {value}",
        "scope_officer": "məsul şəxs {value}",
        "scope_only": "yalnız diqqət tələb edənlər",
        "week_of": "{week} həftəsi",
        "more": "… və daha {n} qeyd; tam siyahı:",
        "shortened": "Bu məktub poçt serverinin ölçü həddinə sığması üçün qısaldılıb: hər siyahıda ilk {n} qeyd göstərilir.",
        "anchor": "Tarixçənin lövbəri: qeydlərin {moment} tarixinə olan vəziyyəti. Bu məktubu saxlayın: o, həmin vaxtadək qeydə alınanların sonradan dəyişdirilmədiyini sübut edir.",
        "anchor_check": "Yoxlamaq üçün:",
        "moment": "{date}, saat {time}",
    },
}


class Translator:
    """``t("key", **values)`` in one locale."""

    def __init__(self, locale: str):
        if locale not in CATALOGUE:
            raise ValueError(f"unknown locale {locale!r}; one of: {', '.join(CATALOGUE)}")
        self.locale = locale
        self.words = CATALOGUE[locale]

    def __call__(self, key: str, **values) -> str:
        return self.words[key].format(**values)

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
