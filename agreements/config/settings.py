"""The tracker's settings as values: what the configuration file may say, its
defaults, and the error a wrong value raises. Reading the file is
:mod:`agreements.config.file`'s job."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agreements.clock import DEFAULT_TIMEZONE, Clock, wall_time
from agreements.errors import DomainError
from notifications.settings import DEFAULT_SECURITY, DEFAULT_TIMEOUT, FILE, SMTP
from workflows.calendar import WorkingCalendar
from workflows.stall import StallPolicy

CONFIG_ENV = "AGREEMENTS_CONFIG"
#: the scheduled jobs, by the id under which they are configured, stored and claimed
STALL_SCAN = "stall_scan"
WEEKLY_DIGEST = "weekly_digest"
DEFAULT_SCHEDULES = {
    STALL_SCAN: "0 8 * * *",  # daily 08:00
    WEEKLY_DIGEST: "0 9 * * mon",  # Monday 09:00
}
# smtp and digest: the weekly digest e-mails (docs/digest.md)
# base_url: where the web view (`agreements serve`) is reached; the digest links to its pages
SECTIONS = {"timezone", "stall", "calendar", "schedule", "smtp", "digest", "base_url"}
DEFAULT_SMTP_PASSWORD_ENV = "AGREEMENTS_SMTP_PASSWORD"
DEFAULT_SENDER = "Agreements tracker <agreements@localhost>"
SMTP_KEYS = ("host", "port", "security", "user", "password_env", "password_file", "from", "timeout")
DIGEST_KEYS = ("transport", "folder", "max_attempts", "retry_minutes", "horizon_days")


class ConfigError(DomainError):
    """A configuration value that cannot be used; the message names the key (exit 1)."""


class ConfigFileMissing(ConfigError):
    """The file named by ``--config`` or ``$AGREEMENTS_CONFIG`` is not there:
    like any option naming a file that does not exist, a usage error (exit 2)."""

    exit_code = 2


def default_config_path() -> Path:
    from platformdirs import user_config_dir  # why: only when no --config or $AGREEMENTS_CONFIG names the file

    return Path(user_config_dir("agreements", appauthor=False)) / "config.toml"


def default_outbox_folder() -> Path:
    """Where the file transport writes ``.eml`` files: the user data directory, never the repository."""
    from platformdirs import user_data_dir  # why: only when the file transport has no folder configured

    return Path(user_data_dir("agreements", appauthor=False)) / "outbox"


@dataclass(frozen=True)
class SmtpConfig:
    """The mail server. The password is never held here: only where to find it."""

    host: str | None = None
    port: int | None = None
    security: str = DEFAULT_SECURITY  # one of notifications.settings.SECURITY
    user: str | None = None
    password_env: str = DEFAULT_SMTP_PASSWORD_ENV
    password_file: str | None = None
    sender: str = DEFAULT_SENDER  # the From address (key "from")
    timeout: float = DEFAULT_TIMEOUT

    def password(self) -> str | None:
        """Read the password when a connection needs it: the file if named, else the variable."""
        if self.password_file:
            try:
                return Path(self.password_file).expanduser().read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ConfigError(
                    f"smtp.password_file: cannot read {self.password_file}: {exc.strerror or exc}"
                ) from None
        return os.environ.get(self.password_env) or None

    def password_source(self) -> str:
        """Where the password comes from, and whether it is there; never the password."""
        if self.password_file:
            present = Path(self.password_file).expanduser().is_file()
            return f"file {self.password_file}" + ("" if present else " (missing)")
        present = bool(os.environ.get(self.password_env))
        return f"${self.password_env}" + ("" if present else " (not set)")


@dataclass(frozen=True)
class DigestConfig:
    transport: str | None = (
        None  # one of notifications.settings.TRANSPORTS; None = smtp when smtp.host is set, else file
    )
    folder: str | None = None  # the file transport's folder; None = default_outbox_folder()
    max_attempts: int = 8  # a digest still undelivered after this many tries is marked failed
    retry_minutes: int = 15  # backoff: retry_minutes * 2**(attempts-1), at most a day
    horizon_days: int = 14  # "coming up" looks this far ahead

    def transport_for(self, smtp: SmtpConfig) -> str:
        return self.transport or (SMTP if smtp.host else FILE)

    def folder_path(self) -> Path:
        return Path(self.folder).expanduser() if self.folder else default_outbox_folder()


@dataclass(frozen=True)
class Config:
    path: Path
    loaded: bool
    timezone: str = DEFAULT_TIMEZONE
    policy: StallPolicy = field(default_factory=StallPolicy)
    extra_holidays: tuple[str, ...] = ()
    extra_working_days: tuple[str, ...] = ()
    schedules: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SCHEDULES))
    sources: dict[str, str] = field(default_factory=dict)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    base_url: str | None = None  # e.g. https://agreements.migration.gov.az, no trailing slash

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.extra_holidays, self.extra_working_days)

    def clock(self, source: Callable[[], datetime] = wall_time) -> Clock:
        """A clock counting days in the configured time zone."""
        return Clock(self.timezone, source)

    def effective(self) -> list[tuple[str, Any, str]]:
        """(key, value, where it came from) for every setting."""
        rows: list[tuple[str, Any, str]] = [("timezone", self.timezone, self._source("timezone"))]
        rows.append(("base_url", self.base_url, self._source("base_url")))
        for stage, days in self.policy.thresholds.items():
            rows.append((f"stall.thresholds.{stage}", days, self._source(f"stall.thresholds.{stage}")))
        rows.append(("stall.suspended_review", self.policy.suspended_review, self._source("stall.suspended_review")))
        rows.append(
            ("stall.counterpart_factor", self.policy.counterpart_factor, self._source("stall.counterpart_factor"))
        )
        rows.append(("calendar.extra_holidays", list(self.extra_holidays), self._source("calendar.extra_holidays")))
        rows.append(
            ("calendar.extra_working_days", list(self.extra_working_days), self._source("calendar.extra_working_days"))
        )
        for job, cron in self.schedules.items():
            rows.append((f"schedule.{job}", cron, self._source(f"schedule.{job}")))
        smtp = self.smtp
        for key, value in (
            ("host", smtp.host),
            ("port", smtp.port),
            ("security", smtp.security),
            ("user", smtp.user),
            ("password_env", smtp.password_env),
            ("password_file", smtp.password_file),
            ("from", smtp.sender),
            ("timeout", smtp.timeout),
        ):
            rows.append((f"smtp.{key}", value, self._source(f"smtp.{key}")))
        # the password itself is never shown: only that it is masked and where it is read from
        rows.append(("smtp.password", "***", smtp.password_source()))
        digest = self.digest
        rows.append(
            (
                "digest.transport",
                digest.transport_for(smtp),
                self._source("digest.transport")
                if digest.transport
                else "default (smtp when smtp.host is set, else file)",
            )
        )
        rows.append(("digest.folder", str(digest.folder_path()), self._source("digest.folder")))
        for key in ("max_attempts", "retry_minutes", "horizon_days"):
            rows.append((f"digest.{key}", getattr(digest, key), self._source(f"digest.{key}")))
        return rows

    def _source(self, key: str) -> str:
        return self.sources.get(key, "default")
