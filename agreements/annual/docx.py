"""The section as a Word document (python-docx): the title, a lead
paragraph, a heading per counterpart, a paragraph per agreement (its title in
bold). A ``reference.docx`` in the templates folder gives the document its
styles (fonts, margins, heading styles), as a Word template would."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from agreements.annual.compose import Report

# the language Word checks the text in
_LANGUAGES = {"az": "az-Latn-AZ", "en": "en-GB"}


def _set_language(document: Any, lang: str) -> None:
    from docx.oxml import OxmlElement  # why: python-docx only when a document is written
    from docx.oxml.ns import qn  # why: python-docx only when a document is written

    run_properties = document.styles["Normal"].element.get_or_add_rPr()
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    language.set(qn("w:val"), _LANGUAGES.get(lang, lang))


def _plain_font(style: Any, size: float) -> None:
    """``style`` in black Times New Roman of ``size`` points (no theme font)."""
    from docx.oxml.ns import qn  # why: python-docx only when a document is written
    from docx.shared import Pt, RGBColor  # why: python-docx only when a document is written

    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts is not None and fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]


def _new_document(reference: Path | None, lang: str) -> Any:
    from docx import Document  # why: python-docx only when a document is written

    if reference is not None:
        return Document(str(reference))
    document = Document()
    for name, size in (("Normal", 12), ("Heading 1", 14), ("Heading 2", 12)):
        _plain_font(document.styles[name], size)
    _set_language(document, lang)
    return document


def write_docx(report: Report, reference: Path | None = None) -> bytes:
    """``report`` as the bytes of a .docx file; ``reference`` a document whose styles it takes."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # why: python-docx only when a document is written
    from docx.shared import Cm  # why: python-docx only when a document is written

    document = _new_document(reference, report.lang)
    document.core_properties.title = report.title
    document.core_properties.language = _LANGUAGES.get(report.lang, report.lang)
    heading = document.add_heading(report.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if report.empty:
        document.add_paragraph(report.empty)
    else:
        intro = document.add_paragraph()
        intro.add_run(report.intro).italic = True
    for group in report.groups:
        document.add_heading(group.heading, level=2)
        for paragraph in group.paragraphs:
            written = document.add_paragraph()
            written.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            written.paragraph_format.first_line_indent = Cm(1.25)
            written.add_run(paragraph.quoted_title).bold = True
            written.add_run(" " + paragraph.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
