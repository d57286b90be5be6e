"""The section as Markdown or HTML, through ``report.md.j2`` and ``report.html.j2``."""

from __future__ import annotations

from agreements.annual.compose import Report
from agreements.annual.templates import Templates

#: the text formats and their templates
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2"}


def render_text(report: Report, fmt: str, templates: Templates) -> str:
    """``report`` in ``fmt`` (md or html), ending with one newline."""
    text = templates.render(TEMPLATES[fmt], report=report)
    return text.rstrip("\n") + "\n"
