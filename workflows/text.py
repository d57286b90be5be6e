"""Characters that have no place inside one line of text.

C0 controls (CR, LF and tab among them), DEL, C1 controls and the Unicode
line and paragraph separators: in a mail header, a table cell or a one-line
name they would break the line or drive the terminal.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# The longest free text a field takes: the size of its column (String(200))
# or the rule for titles; MAX_TEXT for every other field.
MAX_TEXT = 10_000
MAX_NAME = 200
MAX_TITLE = 2000
TEXT_LIMITS: dict[str, int] = {"actor": MAX_NAME, "officer": MAX_NAME, "title_az": MAX_TITLE, "title_en": MAX_TITLE}
