"""A short title for tables, derived from an agreement's counterparts and
kind ("AZE–MDA readmission"): the full titles stay in ``show`` and in the
data; codes are never shortened."""

from __future__ import annotations

from collections.abc import Sequence

HOME = "AZE"
#: counterparts named one by one; beyond, the first ones and "+N"
MAX_NAMED = 3


def short_title(parties: Sequence[str], kind_words: str) -> str:
    """``AZE–MDA readmission``, ``AZE–BEL/NLD/LUX implementing protocol``,
    ``AZE–EU/CZE+7 joint declaration`` (``kind_words``: the kind in the
    reader's language)."""
    codes = [p for p in parties if p != HOME]
    if len(codes) > MAX_NAMED:
        named = "/".join(codes[: MAX_NAMED - 1]) + f"+{len(codes) - (MAX_NAMED - 1)}"
    else:
        named = "/".join(codes)
    head = f"{HOME}–{named}" if named else HOME
    return f"{head} {kind_words}".strip()
