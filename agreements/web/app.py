"""The Flask application of the web view: ``create_app`` with its database,
configuration and clock handed in.

Every request is read-only: GET and HEAD only (405 otherwise), no form
writes, no cookies. Every response carries the security headers (a
Content-Security-Policy that allows no script at all and styles only from the
site's own stylesheet, no framing, no MIME sniffing). Every failure is a page:
a bad parameter 400, an unknown code or page 404, anything unexpected 500,
never a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, request
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from agreements.clock import Clock
from agreements.config.settings import Config
from agreements.errors import AgreementNotFound, DomainError, NotInitialised
from agreements.store.database import Database
from agreements.web import boards, pages, params
from agreements.web.i18n import pick_language
from agreements.web.site import EXTENSION, Services, page, words
from workflows.locales import DEFAULT_LOCALE

HERE = Path(__file__).parent
ALLOWED_METHODS = ("GET", "HEAD")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
log = logging.getLogger("agreements.web")


def create_app(db: Database, config: Config, clock: Clock, *, proxies: int = 0) -> Flask:
    """The web view over ``db``: stall thresholds and holidays from ``config``,
    "today" from ``clock``. ``proxies``: how many reverse proxies in front of
    it to trust for X-Forwarded-For, -Proto, -Host and -Prefix (0: none, the
    headers are ignored)."""
    app = Flask(
        "agreements.web",
        root_path=str(HERE),
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    app.jinja_options = {**app.jinja_options, "undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True}
    app.extensions[EXTENSION] = Services(db, config, clock)
    app.before_request(_before)
    app.after_request(_secure)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
    pages.register(app)
    boards.register(app)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies, x_prefix=proxies
        )
    return app


def _before() -> None:
    """Refuse what is not a read; choose the page's language."""
    g.lang = DEFAULT_LOCALE
    if request.method not in ALLOWED_METHODS:
        raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))
    accepted = [tag for tag, _quality in request.accept_languages]
    lang = pick_language(request.args.get("lang"), accepted)
    if lang is None:
        w = words()
        raise params.refuse(
            w("bad_choice", value=request.args.get("lang"), field=w("language").lower(), choices="az, en")
        )
    g.lang = lang


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def _error_page(status: int, message: str | None = None, allow: list[str] | None = None) -> Response:
    w = words()
    heading = w(f"error_{status}") if status in (400, 404, 405, 500) else str(status)
    text = message or (w(f"text_{status}") if status in (404, 405, 500) else heading)
    html, _ = page("error.html", status=status, title=heading, heading=heading, message=text)
    response = Response(html, status=status, mimetype="text/html")
    if allow:
        response.headers["Allow"] = ", ".join(allow)
    return response


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400:
        return exc
    own = exc.description if exc.description != type(exc).description else None
    allow = list(ALLOWED_METHODS) if exc.code == 405 else None
    return _error_page(exc.code, own, allow)


def _domain_error(exc: DomainError) -> Response:
    """What the reads refuse: an unknown code is a 404, a database that is not
    there a 500, anything else the request's fault (400)."""
    if isinstance(exc, AgreementNotFound):
        return _error_page(404, words()("no_agreement", code=exc.code))
    if isinstance(exc, NotInitialised):
        log.error("%s", exc)
        return _error_page(500)
    return _error_page(400, str(exc))


def _unexpected(exc: Exception) -> Response:
    """Anything else: logged with its traceback, shown as a plain 500 page."""
    log.exception("%s %s failed", request.method, request.path)
    try:
        return _error_page(500)
    except Exception:  # the page itself cannot be built: a bare one, still no traceback
        log.exception("the error page failed too")
        return Response("500 Internal Server Error\n", status=500, mimetype="text/plain")
