"""Serving the web view with waitress, a pure-Python production WSGI server:
listening on the address given (127.0.0.1 by default), until Ctrl-C or
SIGTERM, which stop it cleanly."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from flask import Flask

from agreements.errors import BadInput

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_THREADS = 4


def make_server(app: Flask, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, threads: int = DEFAULT_THREADS) -> Any:
    """A waitress server bound to ``host``:``port`` (0: any free port), not yet serving."""
    from waitress import create_server  # why: the server is loaded only when the view is served

    try:
        return create_server(app, host=host, port=port, threads=threads, ident="agreements")
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def addresses(server: Any) -> list[str]:
    """The URLs a server listens on (``port`` 0 resolved)."""
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return [f"http://{f'[{h}]' if ':' in str(h) else h}:{p}/" for h, p, *_ in listening]


def serve(server: Any, ready: Callable[[list[str]], None] = lambda urls: None) -> None:
    """Serve until interrupted (Ctrl-C) or terminated (SIGTERM), then close."""

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # waitress's loop ends on it and shuts its threads down

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        ready(addresses(server))
        server.run()
    except KeyboardInterrupt:  # raised before the loop began
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
