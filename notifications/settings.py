"""How digests leave, free of the mail libraries: the transports, the SMTP
security modes with their ports, and the settings of one SMTP connection.

The configuration checks its values against these names; the transports in
:mod:`notifications.transport` act on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SMTP = "smtp"
FILE = "file"
TRANSPORTS: tuple[str, ...] = (SMTP, FILE)

STARTTLS = "starttls"
SSL = "ssl"
PLAIN = "plain"
SECURITY: tuple[str, ...] = (STARTTLS, SSL, PLAIN)
DEFAULT_SECURITY = STARTTLS
DEFAULT_PORTS = {STARTTLS: 587, SSL: 465, PLAIN: 25}
DEFAULT_TIMEOUT = 30.0  # seconds


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int | None = None
    security: str = DEFAULT_SECURITY
    user: str | None = None
    #: called when a connection needs it; never stored, never printed
    password: Callable[[], str | None] | None = None
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"unknown SMTP security {self.security!r}; one of: {', '.join(SECURITY)}")

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    def __repr__(self) -> str:  # no password, not even the callable
        return f"SmtpSettings(host={self.host!r}, port={self.effective_port}, security={self.security!r}, user={self.user!r})"
