"""What every page shares: the injected services (database, configuration,
clock), the language of the request, links that keep it, and rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, render_template, request, url_for

from agreements.clock import Clock
from agreements.config.settings import Config
from agreements.store.database import Database
from agreements.web.i18n import Words
from workflows.locales import LOCALES

EXTENSION = "agreements"


@dataclass(frozen=True)
class Services:
    """The application's dependencies, handed to ``create_app``."""

    db: Database
    config: Config
    clock: Clock


def services() -> Services:
    """The services of the running application."""
    return current_app.extensions[EXTENSION]


def words() -> Words:
    """The words of the request's language (``g.lang``, set before each request)."""
    return Words(getattr(g, "lang", LOCALES[-1]))


def link(endpoint: str, **params: Any) -> str:
    """A URL of this site in the request's language; parameters that are
    None or empty are left out."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return url_for(endpoint, lang=getattr(g, "lang", None), **kept)


def here(**changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    args: dict[str, Any] = dict(request.args.items())
    for key, value in changes.items():
        if value in (None, "", False):
            args.pop(key, None)
        else:
            args[key] = str(value)
    endpoint = request.endpoint or "agreements"
    return url_for(endpoint, **(request.view_args or {}), **args)


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page rendered with the words and links of the request."""
    w = words()
    clock = services().clock
    context.setdefault("title", w("site"))
    html = render_template(
        template,
        w=w,
        lang=w.lang,
        languages=LOCALES,
        link=link,
        here=here,
        today=clock.today().isoformat(),
        zone=clock.zone_name,
        status=status,
        **context,
    )
    return html, status
