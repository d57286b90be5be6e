"""Counterparts: the countries of ISO 3166-1 (their alpha-3 codes, from the
pycountry package) and the organisations of ``organisations.json`` (EU, IOM,
ICMPD...), found by code or by name and shown by name.

A counterpart is typed as its code in any case (``MDA``, ``mda``) or as a name
in English or Azerbaijani (``Moldova``, ``Republic of Moldova``, ``Moldova
Respublikası``); it is stored as its code. Country names come from CLDR
through Babel (``Locale('az').territories``) and from ISO 3166 through
pycountry; both are loaded only when a name, not a code, is looked up or
shown. Anything else is refused with the close matches, in one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from workflows.errors import BadInput

ORGANISATIONS_FILE = Path(__file__).with_name("organisations.json")
CODE_RE = re.compile(r"^[A-Z]{2,12}$")
# what a name may hold besides letters: "Guinea-Bissau", "Côte d'Ivoire", "Korea, Republic of", "(XİN)"
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[\s\-'’,.()]+[^\W\d_]+)*[\s.)]*$")
# the words of a state's form, dropped to find the name it is known by:
# "Republic of Moldova", "the Islamic Republic of Pakistan" -> moldova, pakistan
_FORM_WORDS_EN = frozenset(
    {
        "the",
        "republic",
        "kingdom",
        "state",
        "states",
        "principality",
        "grand",
        "duchy",
        "federal",
        "federative",
        "democratic",
        "socialist",
        "islamic",
        "people",
        "peoples",
        "plurinational",
        "bolivarian",
        "union",
        "commonwealth",
        "sultanate",
        "hashemite",
    }
)
# ... and in Azerbaijani, after the name: "Moldova Respublikası", "Almaniya Federativ Respublikası"
_FORM_WORDS_AZ = frozenset(
    {
        "respublikasi",
        "kralligi",
        "federasiyasi",
        "dovleti",
        "hersoqlugu",
        "knyazligi",
        "sultanligi",
        "federativ",
        "demokratik",
        "islam",
        "xalq",
    }
)
_LEADING_AZ = frozenset({"boyuk"})  # "Böyük Lüksemburq Hersoqluğu"
MAX_SUGGESTIONS = 3


class UnknownParty(BadInput):
    """A counterpart that is neither an ISO 3166 country nor a known organisation."""


@dataclass(frozen=True)
class Organisation:
    code: str
    name_en: str
    name_az: str
    aliases: tuple[str, ...]
    source: str

    def name(self, locale: str = "en") -> str:
        return self.name_az if locale == "az" else self.name_en


@cache
def _data() -> dict:
    import json  # why: the file is read once, when a counterpart is first checked

    return json.loads(ORGANISATIONS_FILE.read_text(encoding="utf-8"))


@cache
def organisations() -> dict[str, Organisation]:
    """The organisations a counterpart code may name, by code."""
    data = _data()
    return {
        entry["code"]: Organisation(
            entry["code"], entry["name_en"], entry["name_az"], tuple(entry.get("aliases", ())), entry["source"]
        )
        for entry in data["organisations"]
    }


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code -> alpha-2 code, for every country."""
    import pycountry  # why: 70 ms of start-up, paid only when a counterpart is checked or shown

    return {country.alpha_3: country.alpha_2 for country in pycountry.countries}


def is_known(code: str) -> bool:
    """Whether ``code`` (as stored: upper case) is a country or an organisation."""
    return code in organisations() or code in countries()


def fold(text: str) -> str:
    """A name as it is compared: no case, no diacritics, ı = i, ə = e, one space
    between words (``Moldova Respublikası`` -> ``moldova respublikasi``)."""
    text = text.replace("İ", "i").replace("ı", "i").replace("I", "i").replace("Ə", "e").replace("ə", "e")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W\d_]+", text.replace("'", "").replace("’", "")))


def _reordered(name: str) -> str:
    """ISO's inverted names read in order: "Moldova, Republic of" -> "Republic of Moldova"."""
    head, comma, tail = name.partition(", ")
    return f"{tail} {head}" if comma else name


def core(key: str) -> str:
    """A folded name without the words of the state's form (``republic of
    moldova`` and ``moldova respublikasi`` -> ``moldova``)."""
    words = key.split()
    if "of" in words:
        last = len(words) - 1 - words[::-1].index("of")
        if all(w in _FORM_WORDS_EN for w in words[:last]) and last + 1 < len(words):
            words = words[last + 1 :]
    while words and words[0] in _FORM_WORDS_EN | _LEADING_AZ:
        words = words[1:]
    while len(words) > 1 and words[-1] in _FORM_WORDS_AZ:
        words = words[:-1]
    return " ".join(words)


@cache
def _territories(locale: str) -> Mapping[str, str]:
    from babel import Locale  # why: CLDR's names load only when a name is looked up or shown

    return Locale.parse(locale).territories


def _country_names(alpha_3: str, alpha_2: str) -> Iterable[str]:
    import gettext  # why: pycountry's Azerbaijani names only when a name is looked up

    import pycountry  # why: as in countries()

    country = pycountry.countries.get(alpha_3=alpha_3)
    names = [getattr(country, key, None) for key in ("name", "official_name", "common_name")]
    translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["az"], fallback=True)
    names += [translation.gettext(n) for n in list(names) if n]
    names += [_territories(locale).get(alpha_2) for locale in ("en", "az")]
    names += _data()["country_aliases"].get(alpha_3, [])
    return [_reordered(n) for n in names if n]


@cache
def _index() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Every known name, folded -> the codes it names; and the same by :func:`core`."""
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    named: list[tuple[str, Iterable[str]]] = [
        (code, (org.name_en, org.name_az, *org.aliases)) for code, org in organisations().items()
    ]
    named += [(a3, _country_names(a3, a2)) for a3, a2 in countries().items()]
    for code, names in named:
        for name in names:
            key = fold(name)
            full.setdefault(key, set()).add(code)
            short.setdefault(core(key), set()).add(code)
    return (
        {k: frozenset(v) for k, v in full.items() if k},
        {k: frozenset(v) for k, v in short.items() if k},
    )


def resolve(text: str) -> str:
    """The code of the counterpart ``text`` names: a code in any case or a
    name in English or Azerbaijani; :class:`UnknownParty`, with the close
    matches, for anything else."""
    value = (text or "").strip()
    code = value.upper()
    if CODE_RE.match(code) and is_known(code):
        return code
    if _NAME_RE.match(value):
        key = fold(value)
        full, short = _index()
        for found in (full.get(key), short.get(core(key))):
            if found is not None and len(found) == 1:
                return next(iter(found))
    raise UnknownParty(_refusal(value))


def _refusal(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    close = suggestions(value)
    hint = (
        "did you mean " + ", ".join(f"{c} ({display_name(c)})" for c in close) + "?"
        if close
        else "use an ISO 3166 alpha-3 code or a country's name (MDA, Moldova) or an organisation ("
        + ", ".join(organisations())
        + ")"
    )
    return f"unknown counterpart {shown!r}: not an ISO 3166 country nor a known organisation; {hint}"


def suggestions(value: str) -> list[str]:
    """The codes closest to ``value`` by code or by name, best first."""
    import difflib  # why: only a refused counterpart needs it

    scored: dict[str, float] = {}
    code = value.strip().upper()
    alpha_2 = {a2: a3 for a3, a2 in countries().items()}
    if code in alpha_2:  # "MD": the alpha-2 code of MDA
        scored[alpha_2[code]] = 1.0
    codes = [*organisations(), *countries()]
    for match in difflib.get_close_matches(code, codes, n=MAX_SUGGESTIONS, cutoff=0.5):
        scored[match] = max(scored.get(match, 0.0), difflib.SequenceMatcher(None, code, match).ratio())
    key = fold(value)
    if key:
        full, _short = _index()
        for name in difflib.get_close_matches(key, list(full), n=MAX_SUGGESTIONS * 2, cutoff=0.7):
            ratio = difflib.SequenceMatcher(None, key, name).ratio()
            for found in full[name]:
                scored[found] = max(scored.get(found, 0.0), ratio + 0.01)  # a name beats a code as close
        for word in (w for w in key.split() if len(w) > 3):  # "Georgia Republic": a name among other words
            for found in full.get(word, ()):
                scored[found] = max(scored.get(found, 0.0), 0.9)
    return sorted(scored, key=lambda c: (-scored[c], c))[:MAX_SUGGESTIONS]


def display_name(code: str, locale: str = "en") -> str:
    """The name of the counterpart ``code`` in ``locale`` (az or en): CLDR's
    territory name for a country, the organisation's own name; the code itself
    when it is neither."""
    org = organisations().get(code)
    if org is not None:
        return org.name(locale)
    alpha_2 = countries().get(code)
    if alpha_2 is None:
        return code
    return _territories(locale).get(alpha_2) or code


def known_codes() -> list[str]:
    """Every code a counterpart may have: the organisations', then the countries'."""
    return [*organisations(), *sorted(countries())]
