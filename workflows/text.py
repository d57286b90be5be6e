"""Characters that have no place inside one line of text.

C0 controls (CR, LF and tab among them), DEL, C1 controls and the Unicode
line and paragraph separators: in a mail header, a table cell or a one-line
name they would break the line or drive the terminal.
"""
from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
