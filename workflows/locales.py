"""The languages the tracker speaks to people, defined once, and their words.

The words come from gettext message catalogs:
``workflows/locale/<lang>/LC_MESSAGES/agreements.po`` (the sources that
translators edit) compiled to ``.mo`` beside them. Only the standard
library's ``gettext`` reads them, so start-up stays fast (Babel is for the
translators' tools and for dates in words); docs/translating.md says how to
extract, update and compile them.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

AZ = "az"
EN = "en"
LOCALES: tuple[str, ...] = (AZ, EN)
DEFAULT_LOCALE = EN

DOMAIN = "agreements"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English when ``lang`` is not one of LOCALES)."""
    chosen = lang if lang in LOCALES else DEFAULT_LOCALE
    return gettext.translation(DOMAIN, str(LOCALE_DIR), [chosen], fallback=True)


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` for ``lang``: ``_("since")`` is "tarixdən" in ``az``."""
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """``ngettext`` for ``lang``: the singular or plural form for a count."""
    return translations(lang).ngettext


def pgettext_for(lang: str) -> Callable[[str, str], str]:
    """``pgettext`` for ``lang``: a word in a context ("holder", "kind", "event")."""
    return translations(lang).pgettext
