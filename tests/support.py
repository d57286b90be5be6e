"""What many tests share: clocks they control and a real SMTP server."""
from __future__ import annotations

import asyncio
import email
import socket
from datetime import date, datetime, time, timezone
from email import policy
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from agreements.clock import DEFAULT_TIMEZONE, Clock
from agreements.config.file import Config, load_config


def clock_at(moment: date | datetime, zone: str = DEFAULT_TIMEZONE) -> Clock:
    """A clock stopped at ``moment``; a bare day means noon of that day in ``zone``."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12), ZoneInfo(zone))
    fixed = moment.astimezone(timezone.utc)
    return Clock(zone, lambda: fixed)


class MovableClock:
    """A time source a test moves by hand (for the scheduler's runs)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# --------------------------------------------------------------------------- a real SMTP server


class Sink:
    """aiosmtpd handler that keeps what it accepts; refuses addresses listed in ``refuse``."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()
        self.delay = 0.0  # seconds to wait before accepting a message

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def by_recipient(self):
        return {e.rcpt_tos[0]: e for e in self.envelopes}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int):
        self.port = port
        self.sink = Sink()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def smtp_config(tmp_path, port: int, extra: str = "") -> Config:
    """A configuration file sending through the test server; loaded."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "plain"\n'
        'from = "Sazişlər izləmə sistemi <digest@migration.gov.az>"\n'
        "timeout = 5\n" + extra,
        encoding="utf-8",
    )
    return load_config(str(path))
