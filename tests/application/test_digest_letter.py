"""The digest reads like a letter: a long note is shortened to a few lines
with "…" and the count of the words left out; its line breaks are kept."""

from __future__ import annotations

from datetime import date

import pytest

from notifications.excerpt import MAX_LINES, excerpt
from tests.support import ok

WEEK = "2017-W09"  # "moved last week" = 20-26 February 2017
LONG = "Talks resumed in Baku.\nThe counterpart asked for a new article.\n" + "word " * 1500


@pytest.fixture
def noted(seeded, cli):
    ok(cli("note", "RA-MDA", LONG, "--on", "2017-02-21", at=date(2017, 2, 22)))
    return seeded


@pytest.mark.parametrize(("locale", "more"), [("az", "(daha {n} söz)"), ("en", "({n} more words)")])
def test_a_long_note_is_shortened_with_the_count_of_what_was_cut(noted, cli, locale, more):
    text = ok(cli("digest", "preview", "--locale", locale, "--week", WEEK))
    _shown, cut = excerpt(LONG)
    assert cut > 1400 and more.format(n=cut) in text
    assert "word " * 1500 not in text and len(text) < len(LONG)
    # its own line breaks kept: the first two lines of the note stay two lines
    assert "  Talks resumed in Baku.\n  The counterpart asked for a new article.\n" in text
    assert "…" in text


def test_the_html_part_keeps_line_breaks_and_shortens_too(noted, cli, tmp_path):
    out = tmp_path / "digest.html"
    ok(cli("digest", "preview", "--locale", "az", "--week", WEEK, "--format", "html", "--out", str(out)))
    html = out.read_text(encoding="utf-8")
    assert "white-space:pre-line" in html.replace(" ", "")
    assert "Talks resumed in Baku.\nThe counterpart asked for a new article." in html
    assert "(daha " in html and "word " * 100 not in html


def test_excerpt_keeps_a_short_note_whole_and_counts_words():
    assert excerpt("one line\nanother") == ("one line\nanother", 0)
    shown, cut = excerpt("\n".join(f"line {i}" for i in range(10)))
    assert shown == "\n".join(f"line {i}" for i in range(MAX_LINES)) + " …" and cut == 2 * (10 - MAX_LINES)
