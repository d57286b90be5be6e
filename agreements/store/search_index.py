"""How text is normalised for full-text search, the same way when it is indexed
(by the database: SQL expressions generated here) and when it is searched.

Kept free of heavy imports: the migration and the query code both use it.

Two forms of each text are indexed:

* ``exact`` — case-insensitive the Azerbaijani way: İ/i/I/ı are one letter
  (an uppercase I in text that mixes English and Azerbaijani may stand for
  either, so they are not told apart), Ə/ə are one letter; other letters keep
  their diacritics (``ş`` is not ``s``).
* ``fold`` — also diacritics-insensitive: ``Kisinyov`` finds ``Kişinyov``,
  ``Azerbaycan`` finds ``Azərbaycan`` (ə is typed e), ``Igdir`` finds ``Iğdır``.

On SQLite the FTS5 ``unicode61`` tokenizer folds case (and, for ``fold``,
removes diacritics); it knows neither the dotted capital İ nor that ı and ə
have an ASCII spelling, so those few letters are replaced before it sees them.
On PostgreSQL (``simple`` configuration, no stemming) the replacement is a
``translate`` over a fixed table, then ``lower``. ASCII punctuation becomes
a space first: PostgreSQL's parser would otherwise keep ``4/118`` or
``x@example.org`` as one token and drop whatever looks like an XML tag or
entity (``<script>``, ``&amp;``), where SQLite's tokenizer sees the words.
"""

from __future__ import annotations

# letters the SQLite tokenizer must not see as they are
SQLITE_EXACT = {"İ": "i", "ı": "i"}
SQLITE_FOLD = {**SQLITE_EXACT, "ə": "e", "Ə": "e"}

# PostgreSQL: uppercase letters lower() may leave alone in a C locale
_UPPER = "ÇĞİIÖŞÜƏÄÅÁÀÂÃÉÈÊËÍÌÎÏÑÓÒÔÕÚÙÛÝŽČĆŠŁŃŘĚŮŐŰ"
_LOWER = "çğiıöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű"
_ACCENTED = "çğıöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű"
_PLAIN = "cgiosueaaaaaaeeeeiiiinoooouuuyzccslnreuou"
assert len(_UPPER) == len(_LOWER) and len(_ACCENTED) == len(_PLAIN)

# fields searched: events and agreement titles
EVENT_FIELDS = ("place", "note", "outcome", "reason", "reference")
TITLE_FIELDS = ("title_az", "title_en")


def sqlite_expr(column: str, fold: bool) -> str:
    """An SQL expression applying the replacements to ``column`` (SQLite)."""
    expr = column
    for src, dst in (SQLITE_FOLD if fold else SQLITE_EXACT).items():
        expr = f"replace({expr}, '{src}', '{dst}')"
    return expr


def sqlite_text(text: str, fold: bool) -> str:
    """The same replacements applied to a query string."""
    for src, dst in (SQLITE_FOLD if fold else SQLITE_EXACT).items():
        text = text.replace(src, dst)
    return text


PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_PG_EXACT = str.maketrans(_UPPER, _LOWER.replace("ı", "i"))
_PG_PUNCTUATION = str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))
_PG_EXACT_I = str.maketrans({"ı": "i"})


def pg_text(text: str, fold: bool) -> str:
    """What the PostgreSQL functions below do, in Python (for queries)."""
    text = text.translate(_PG_PUNCTUATION).translate(_PG_EXACT).translate(_PG_EXACT_I)
    text = "".join(c.lower() if c.isascii() else c for c in text)
    if fold:
        text = text.translate(str.maketrans(_ACCENTED, _PLAIN))
    return text


def pg_functions(punctuation: bool = True) -> list[str]:
    """Immutable SQL functions used by the GIN expression indexes
    (``punctuation=False``: as they were before migration 0008)."""
    lower_i = _LOWER.replace("ı", "i")
    source = "coalesce(t, '')"
    if punctuation:
        quoted = PUNCTUATION.replace("'", "''")
        source = f"translate({source}, '{quoted}', '{' ' * len(PUNCTUATION)}')"
    exact = (
        "CREATE OR REPLACE FUNCTION agreements_search_exact(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT lower(translate(translate({source}, '{_UPPER}', '{lower_i}'), 'ı', 'i')) $$"
    )
    fold = (
        "CREATE OR REPLACE FUNCTION agreements_search_fold(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        f"$$ SELECT translate(agreements_search_exact(t), '{_ACCENTED}', '{_PLAIN}') $$"
    )
    return [exact, fold]


def pg_document(fields: tuple[str, ...], fold: bool, alias: str = "") -> str:
    """The tsvector expression indexed on PostgreSQL (and matched by queries)."""
    fn = "agreements_search_fold" if fold else "agreements_search_exact"
    prefix = f"{alias}." if alias else ""
    body = " || ' ' || ".join(f"coalesce({prefix}{f}, '')" for f in fields)
    return f"to_tsvector('simple'::regconfig, {fn}({body}))"
