"""A page's words in one language: the catalogue (``words.py``), stage and
holder labels from the lifecycle, and dates in the words of
``workflows.date_forms`` ("no later than 31 December 2016",
"2016-cı ilin dekabrın 31-dək")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agreements.web.words import CATALOGUE, EVENT_WORDS, KIND_WORDS
from workflows.date_forms import DAY, label, shown
from workflows.locales import AZ, DEFAULT_LOCALE, LOCALES
from workflows.stages import HOLDERS, STAGES


def pick_language(asked: str | None, accepted: list[str]) -> str | None:
    """The language of a page: the one asked for (None if it is not one of
    ours), else the first of the browser's ``accepted`` that we speak, else
    the default."""
    if asked is not None:
        return asked if asked in LOCALES else None
    for tag in accepted:
        primary = tag.lower().split("-")[0]
        if primary in LOCALES:
            return primary
    return DEFAULT_LOCALE


class Words:
    """``w("key", **values)`` and the labels of the domain, in one language."""

    def __init__(self, lang: str):
        if lang not in CATALOGUE:
            raise ValueError(f"unknown language {lang!r}; one of: {', '.join(CATALOGUE)}")
        self.lang = lang
        self._words = CATALOGUE[lang]
        self._index = 1 if lang == AZ else 0

    def __call__(self, key: str, **values: Any) -> str:
        return self._words[key].format(**values)

    def stage(self, name: str | None) -> str:
        if not name:
            return ""
        stage = STAGES.get(name)
        return stage.label(self.lang) if stage else name

    def holder(self, name: str | None) -> str:
        if not name:
            return ""
        return HOLDERS[name][self._index] if name in HOLDERS else name

    def kind(self, name: str | None) -> str:
        if not name:
            return ""
        return KIND_WORDS[name][self._index] if name in KIND_WORDS else name

    def event(self, kind: str) -> str:
        return EVENT_WORDS[kind][self._index] if kind in EVENT_WORDS else kind

    def level(self, level: str | None) -> str:
        return self(f"level_{level}") if level in ("overdue", "critical") else ""

    def title(self, row: dict[str, Any]) -> str:
        """An agreement's title in this language (the other when it has none)."""
        first, other = ("title_az", "title_en") if self.lang == AZ else ("title_en", "title_az")
        return row.get(first) or row.get(other) or ""

    def date(self, on: str | None, precision: str | None, earliest: str | None = None) -> str:
        """A date as the reads give it (ISO latest day, form, ISO earliest), in words."""
        if precision is None:
            return on or ""
        return shown(on, precision, earliest, self.lang)

    def stored_date(
        self, on: dt.date | None, precision: str, start: dt.date | None = None, form: str | None = None
    ) -> str:
        """A date from its stored columns (as a stall carries them), in words."""
        return label(on, precision, start, form, self.lang)

    def since(self, row: dict[str, Any]) -> str:
        """When a listed agreement's stage began, or why that is not known."""
        if row.get("stage") is None and "certainty" in row:
            possible = row.get("possibly")
            return self("possibly", stage=self.stage(possible)) if possible else self("not_yet_recorded")
        text = self.date(row.get("stage_since"), row.get("stage_since_precision"), row.get("stage_since_earliest"))
        if row.get("possibly"):
            text += "; " + self("possibly", stage=self.stage(row["possibly"]))
        return text


def uncertain(precision: str | None) -> bool:
    """Whether a date of this form is known less precisely than to the day."""
    return precision is not None and precision != DAY
