"""The templates of the annual section: the shipped ones in ``templates/``,
and a folder of edited copies whose files replace those of the same name.

``sentences.en.j2`` and ``sentences.az.j2`` hold one macro per kind of
sentence; ``report.md.j2`` and ``report.html.j2`` lay out the document;
``layout.toml`` orders and names the counterparts; ``reference.docx``, when a
folder holds one, gives the Word document its styles. See
docs/annual-report.md.
"""

from __future__ import annotations

import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

from agreements.errors import BadInput
from workflows.date_forms import az_ordinal

SHIPPED = Path(__file__).parent / "templates"
LAYOUT = "layout.toml"
REFERENCE_DOCX = "reference.docx"


def _sentence(text: Any) -> str:
    """Free text as a sentence: first letter capital, a full stop at the end."""
    text = " ".join(str(text).split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


def _md(text: Any) -> str:
    """Text that Markdown shows as written: its emphasis, code and link marks escaped."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", str(text))


def _capfirst(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


class Templates:
    """The templates in use: those of ``folder`` first, then the shipped ones."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else None
        if self.folder is not None and not self.folder.is_dir():
            raise BadInput(f"--templates {self.folder}: no such folder")

    def path(self, name: str) -> Path | None:
        """The file ``name`` in use: the edited copy, else the shipped one, else None."""
        for folder in (self.folder, SHIPPED):
            if folder is not None and (folder / name).is_file():
                return folder / name
        return None

    @cached_property
    def env(self) -> Any:
        from jinja2 import (  # why: heavy; only when a report is written
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            StrictUndefined,
            select_autoescape,
        )

        loaders = [FileSystemLoader(str(f)) for f in (self.folder, SHIPPED) if f is not None]
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["sentence"] = _sentence
        env.filters["capfirst"] = _capfirst
        env.filters["md"] = _md
        env.filters["az_ordinal"] = az_ordinal
        return env

    def module(self, name: str) -> Any:
        """The macros and variables of template ``name``."""
        return self.guarded(name, lambda: self.env.get_template(name).module)

    def render(self, name: str, **context: Any) -> str:
        return self.guarded(name, lambda: self.env.get_template(name).render(**context))

    def guarded(self, name: str, run: Any) -> Any:
        """``run()``, a template's mistake turned into one line naming the file."""
        from jinja2 import TemplateError, TemplateSyntaxError  # why: heavy; only when a report is written

        try:
            return run()
        except TemplateSyntaxError as exc:
            raise BadInput(f"template {exc.name or name}, line {exc.lineno}: {exc.message}") from None
        except TemplateError as exc:
            raise BadInput(f"template {name}: {exc}") from None

    @cached_property
    def layout(self) -> dict[str, Any]:
        """``layout.toml``: the order of counterparts and kinds, names of counterparts."""
        path = self.path(LAYOUT)
        if path is None:
            return {}
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}: {exc}") from None
