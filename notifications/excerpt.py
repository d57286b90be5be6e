"""A long note shortened for the digest: its first lines, its line breaks kept,
and how many words were left out."""

from __future__ import annotations

import textwrap

#: a note in the digest shows at most this many lines of this width
MAX_LINES = 4
WIDTH = 70


def excerpt(text: str, max_lines: int = MAX_LINES, width: int = WIDTH) -> tuple[str, int]:
    """``text`` cut to its first ``max_lines`` lines (of ``width``, its own
    line breaks kept) and ended with "…", and the number of words cut; the
    whole text and 0 when it fits."""
    kept: list[str] = []
    lines = 0
    paragraphs = text.strip().splitlines()
    for index, paragraph in enumerate(paragraphs):
        wrapped = textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""]
        if lines + len(wrapped) <= max_lines:
            kept.append(paragraph.strip())
            lines += len(wrapped)
            continue
        room = max_lines - lines
        shown = " ".join(wrapped[:room])
        cut = len(paragraph.split()) - len(shown.split())
        cut += sum(len(p.split()) for p in paragraphs[index + 1 :])
        if shown:
            kept.append(shown)
        return "\n".join(kept).rstrip() + " …", cut
    return "\n".join(kept), 0
