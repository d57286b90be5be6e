"""Counterparts by name, in English and Azerbaijani: the names of
``layout.toml`` first (organisations, formal names), else the country's name
in CLDR (Babel) found by its ISO 3166 alpha-3 code, else the code itself."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=512)
def _territory(code: str, lang: str) -> str | None:
    import pycountry  # why: its data is loaded only when a report names a counterpart
    from babel import Locale  # why: heavy; only when a report names a counterpart

    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    alpha_2 = country.alpha_2 if country is not None else code if len(code) == 2 else None
    return Locale.parse(lang).territories.get(alpha_2) if alpha_2 else None


def party_name(code: str, lang: str, layout: dict[str, Any]) -> str:
    """The name of counterpart ``code`` in ``lang``."""
    names = layout.get("names", {}).get(lang, {})
    return names.get(code) or _territory(code, lang) or code


def parties_heading(parties: tuple[str, ...], lang: str, layout: dict[str, Any]) -> str:
    """A group's heading: its counterparts' names, in the agreement's order."""
    return ", ".join(party_name(code, lang, layout) for code in parties)
