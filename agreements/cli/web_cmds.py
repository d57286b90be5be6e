"""The read-only web view: ``serve``."""

from __future__ import annotations

import click

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDRESS",
    help="Address to listen on; keep the default behind a reverse proxy on the same machine. Example: --host 127.0.0.1",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="TCP port to listen on (0: any free port). Example: --port 8080",
)
@click.option(
    "--proxies",
    type=click.IntRange(0, 5),
    default=0,
    show_default=True,
    help="How many reverse proxies in front to trust for X-Forwarded-For/-Proto/-Host/-Prefix "
    "(0: the headers are ignored). Example: --proxies 1",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests served at once. Example: --threads 8",
)
@click.pass_obj
def serve(app, host, port, proxies, threads) -> None:
    """Serve the read-only web view: the agreements list, each agreement's
    page with its history and timeline, search, the stalled board and the
    reports, in Azerbaijani and English. Nothing it serves writes to the
    database; on PostgreSQL run it as a login in the reader role.

    \b
    Example:
      agreements serve                                  # http://127.0.0.1:8080/
      agreements serve --port 8300 --proxies 1          # behind nginx on the same host
      agreements --db postgresql+psycopg://web_reader@db/agreements serve
    """
    from agreements.reads.listing import list_agreements
    from agreements.web.app import create_app
    from agreements.web.server import make_server
    from agreements.web.server import serve as run

    list_agreements(app.db)  # the database is there and readable before anything listens
    server = make_server(create_app(app.db, app.config, app.clock, proxies=proxies), host, port, threads)

    _log_to_stderr()

    def ready(urls: list[str]) -> None:
        note = "" if host in LOOPBACK else " (reachable from other machines: put it behind the reverse proxy)"
        click.echo(f"Serving the read-only web view on {', '.join(urls)}{note}; Ctrl-C to stop.")

    run(server, ready)


def _log_to_stderr() -> None:
    """What the server logs (a page that failed, with its traceback; waitress's
    warnings) goes to standard error: the service's journal."""
    import logging
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("agreements.web", "waitress"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False


COMMANDS = [serve]
