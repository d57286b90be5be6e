"""The mail adapter: the digest's sender and transport, from the configuration."""

from __future__ import annotations

from agreements.config.settings import Config, ConfigError
from notifications.message import parse_person
from notifications.model import Person
from notifications.settings import FILE, SmtpSettings
from notifications.transport import DeliveryError, FileTransport, SmtpTransport, Transport
from workflows.inputs import BadAddress


def sender_of(config: Config) -> Person:
    """The From of every digest (``smtp.from``); a bad address names its key."""
    try:
        return parse_person(config.smtp.sender, local_ok=True)
    except BadAddress as exc:
        raise ConfigError(f"smtp.from: {exc}") from None


def make_transport(config: Config) -> Transport:
    """SMTP when configured (``smtp.host``), else ``.eml`` files in ``digest.folder``."""
    if config.digest.transport_for(config.smtp) == FILE:
        return FileTransport(config.digest.folder_path())
    smtp = config.smtp
    if not smtp.host:
        raise ConfigError("digest.transport is smtp but smtp.host is not set")

    def password() -> str | None:
        try:
            return smtp.password()
        except ConfigError as exc:
            raise DeliveryError(str(exc)) from None

    return SmtpTransport(
        SmtpSettings(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            user=smtp.user,
            password=password,
            timeout=smtp.timeout,
        )
    )
