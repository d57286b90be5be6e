"""The configuration file: stall thresholds, holiday overrides, job schedules.

TOML, found at ``--config``, else ``$AGREEMENTS_CONFIG``, else ``config.toml``
in the user's config directory; an absent file means the defaults. Every value
remembers where it came from, for ``agreements config show``.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agreements.clock import DEFAULT_TIMEZONE, Clock, wall_time
from agreements.errors import DomainError
from notifications.settings import DEFAULT_SECURITY, DEFAULT_TIMEOUT, FILE, SECURITY, SMTP, TRANSPORTS
from workflows.calendar import WorkingCalendar
from workflows.stall import DEFAULT_COUNTERPART_FACTOR, DEFAULT_SUSPENDED_REVIEW, DEFAULT_THRESHOLDS, StallPolicy

if TYPE_CHECKING:  # pragma: no cover
    from apscheduler.triggers.cron import CronTrigger

CONFIG_ENV = "AGREEMENTS_CONFIG"
#: the scheduled jobs, by the id under which they are configured, stored and claimed
STALL_SCAN = "stall_scan"
WEEKLY_DIGEST = "weekly_digest"
DEFAULT_SCHEDULES = {
    STALL_SCAN: "0 8 * * *",  # daily 08:00
    WEEKLY_DIGEST: "0 9 * * mon",  # Monday 09:00
}
# smtp and digest: the weekly digest e-mails (docs/digest.md)
SECTIONS = {"timezone", "stall", "calendar", "schedule", "smtp", "digest"}
DEFAULT_SMTP_PASSWORD_ENV = "AGREEMENTS_SMTP_PASSWORD"
DEFAULT_SENDER = "Agreements tracker <agreements@localhost>"
SMTP_KEYS = ("host", "port", "security", "user", "password_env", "password_file", "from", "timeout")
DIGEST_KEYS = ("transport", "folder", "max_attempts", "retry_minutes", "horizon_days")


class ConfigError(DomainError):
    """A configuration value that cannot be used; the message names the key."""


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
                raise ConfigError(f"smtp.password_file: cannot read {self.password_file}: {exc.strerror or exc}") from None
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
    transport: str | None = None  # one of notifications.settings.TRANSPORTS; None = smtp when smtp.host is set, else file
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

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.extra_holidays, self.extra_working_days)

    def clock(self, source: Callable[[], datetime] = wall_time) -> Clock:
        """A clock counting days in the configured time zone."""
        return Clock(self.timezone, source)

    def effective(self) -> list[tuple[str, Any, str]]:
        """(key, value, where it came from) for every setting."""
        rows: list[tuple[str, Any, str]] = [("timezone", self.timezone, self._source("timezone"))]
        for stage, days in self.policy.thresholds.items():
            rows.append((f"stall.thresholds.{stage}", days, self._source(f"stall.thresholds.{stage}")))
        rows.append(("stall.suspended_review", self.policy.suspended_review, self._source("stall.suspended_review")))
        rows.append(("stall.counterpart_factor", self.policy.counterpart_factor, self._source("stall.counterpart_factor")))
        rows.append(("calendar.extra_holidays", list(self.extra_holidays), self._source("calendar.extra_holidays")))
        rows.append(("calendar.extra_working_days", list(self.extra_working_days), self._source("calendar.extra_working_days")))
        for job, cron in self.schedules.items():
            rows.append((f"schedule.{job}", cron, self._source(f"schedule.{job}")))
        smtp = self.smtp
        for key, value in (("host", smtp.host), ("port", smtp.port), ("security", smtp.security), ("user", smtp.user),
                           ("password_env", smtp.password_env), ("password_file", smtp.password_file),
                           ("from", smtp.sender), ("timeout", smtp.timeout)):
            rows.append((f"smtp.{key}", value, self._source(f"smtp.{key}")))
        # the password itself is never shown: only that it is masked and where it is read from
        rows.append(("smtp.password", "***", smtp.password_source()))
        digest = self.digest
        rows.append(("digest.transport", digest.transport_for(smtp), self._source("digest.transport")
                     if digest.transport else "default (smtp when smtp.host is set, else file)"))
        rows.append(("digest.folder", str(digest.folder_path()), self._source("digest.folder")))
        for key in ("max_attempts", "retry_minutes", "horizon_days"):
            rows.append((f"digest.{key}", getattr(digest, key), self._source(f"digest.{key}")))
        return rows

    def _source(self, key: str) -> str:
        return self.sources.get(key, "default")


def resolve_config_path(option: str | None) -> Path:
    value = option or os.environ.get(CONFIG_ENV)
    return Path(value).expanduser() if value else default_config_path()


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def load_config(option: str | None = None) -> Config:
    """Read and check the configuration; a wrong value names its key."""
    path = resolve_config_path(option)
    if not path.exists():
        if option or os.environ.get(CONFIG_ENV):
            raise ConfigError(f"configuration file {path} does not exist")
        return Config(path=path, loaded=False)
    where = str(path)
    data = _read_toml(path)
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(SECTIONS))}")
    sources: dict[str, str] = {}
    timezone = _load_timezone(data, where, sources)
    policy = _load_policy(data, where, sources)
    holidays, working_days = _load_calendar(data, where, sources)
    return Config(
        path=path,
        loaded=True,
        timezone=timezone,
        policy=policy,
        extra_holidays=holidays,
        extra_working_days=working_days,
        schedules=_load_schedules(data, where, sources, timezone),
        sources=sources,
        smtp=_load_smtp(data, where, sources),
        digest=_load_digest(data, where, sources),
    )


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _load_timezone(data: dict, where: str, sources: dict[str, str]) -> str:
    if "timezone" not in data:
        return DEFAULT_TIMEZONE
    timezone = data["timezone"]
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: timezone: unknown time zone {timezone!r}") from None
    sources["timezone"] = where
    return str(timezone)


def _load_policy(data: dict, where: str, sources: dict[str, str]) -> StallPolicy:
    stall = _table(data, "stall", where)
    unknown = sorted(set(stall) - {"thresholds", "suspended_review", "counterpart_factor"})
    if unknown:
        raise ConfigError(f"{where}: stall.{unknown[0]}: unknown key; known: thresholds, suspended_review, counterpart_factor")
    thresholds = _table(stall, "thresholds", f"{where}: stall")
    for stage in thresholds:
        if stage not in DEFAULT_THRESHOLDS:
            raise ConfigError(f"{where}: stall.thresholds.{stage}: unknown stage; one of: {', '.join(DEFAULT_THRESHOLDS)}")
        value = thresholds[stage]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{where}: stall.thresholds.{stage}: must be a positive number of working days, not {value!r}")
        sources[f"stall.thresholds.{stage}"] = where
    for key in ("suspended_review", "counterpart_factor"):
        if key in stall:
            sources[f"stall.{key}"] = where
    try:
        return StallPolicy.from_dict(
            {
                "thresholds": thresholds,
                "suspended_review": stall.get("suspended_review", DEFAULT_SUSPENDED_REVIEW),
                "counterpart_factor": stall.get("counterpart_factor", DEFAULT_COUNTERPART_FACTOR),
            }
        )
    except ValueError as exc:
        raise ConfigError(f"{where}: stall: {exc}") from None


def _load_calendar(data: dict, where: str, sources: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The extra holidays and the extra working days."""
    calendar = _table(data, "calendar", where)
    unknown = sorted(set(calendar) - {"extra_holidays", "extra_working_days"})
    if unknown:
        raise ConfigError(f"{where}: calendar.{unknown[0]}: unknown key; known: extra_holidays, extra_working_days")
    days: dict[str, tuple[str, ...]] = {}
    for key in ("extra_holidays", "extra_working_days"):
        value = calendar.get(key, [])
        if not isinstance(value, list):
            raise ConfigError(f"{where}: calendar.{key}: must be a list of dates")
        days[key] = tuple(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in value)
        if key in calendar:
            sources[f"calendar.{key}"] = where
    try:
        WorkingCalendar(days["extra_holidays"], days["extra_working_days"])
    except ValueError as exc:
        raise ConfigError(f"{where}: calendar: {exc}") from None
    return days["extra_holidays"], days["extra_working_days"]


def _load_schedules(data: dict, where: str, sources: dict[str, str], timezone: str) -> dict[str, str]:
    schedule = _table(data, "schedule", where)
    schedules = dict(DEFAULT_SCHEDULES)
    for job, cron in schedule.items():
        if job not in DEFAULT_SCHEDULES:
            raise ConfigError(f"{where}: schedule.{job}: unknown job; one of: {', '.join(DEFAULT_SCHEDULES)}")
        if not isinstance(cron, str):
            raise ConfigError(f"{where}: schedule.{job}: must be a cron expression such as \"0 8 * * *\"")
        cron_trigger(cron, timezone, f"{where}: schedule.{job}")
        schedules[job] = cron
        sources[f"schedule.{job}"] = where
    return schedules


def _text_value(section: dict, key: str, where: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\x00"):
        raise ConfigError(f"{where}: {key}: must be a one-line text")
    return value.strip()


def _count_value(section: dict, key: str, where: str, default: int, maximum: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
        raise ConfigError(f"{where}: {key}: must be a whole number from 1 to {maximum}, not {value!r}")
    return value


def _load_smtp(data: dict, where: str, sources: dict[str, str]) -> SmtpConfig:
    smtp = _table(data, "smtp", where)
    if "password" in smtp:
        raise ConfigError(
            f"{where}: smtp.password: the password is not written in the configuration; "
            f"put it in an environment variable (smtp.password_env, default {DEFAULT_SMTP_PASSWORD_ENV}) "
            "or in a file readable only by the service (smtp.password_file)"
        )
    unknown = sorted(set(smtp) - set(SMTP_KEYS))
    if unknown:
        raise ConfigError(f"{where}: smtp.{unknown[0]}: unknown key; known: {', '.join(SMTP_KEYS)}")
    values: dict[str, Any] = {}
    for key in ("host", "user", "password_env", "password_file", "from"):
        value = _text_value(smtp, key, f"{where}: smtp")
        if value is not None:
            values[key] = value
    for key in values:
        sources[f"smtp.{key}"] = where
    security = smtp.get("security", DEFAULT_SECURITY)
    if security not in SECURITY:
        raise ConfigError(f"{where}: smtp.security: one of {', '.join(SECURITY)}, not {security!r}")
    port = smtp.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError(f"{where}: smtp.port: must be a port number (1-65535), not {port!r}")
    timeout = smtp.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise ConfigError(f"{where}: smtp.timeout: must be a number of seconds from 1 to 600, not {timeout!r}")
    for key in ("security", "port", "timeout"):
        if key in smtp:
            sources[f"smtp.{key}"] = where
    sender = values.get("from", DEFAULT_SENDER)
    if "@" not in parseaddr(sender)[1]:
        raise ConfigError(f"{where}: smtp.from: not an e-mail address: {sender!r}")
    if "password_file" in values and "password_env" in values:
        raise ConfigError(f"{where}: smtp: give password_env or password_file, not both")
    return SmtpConfig(
        host=values.get("host"),
        port=port,
        security=security,
        user=values.get("user"),
        password_env=values.get("password_env", DEFAULT_SMTP_PASSWORD_ENV),
        password_file=values.get("password_file"),
        sender=sender,
        timeout=float(timeout),
    )


def _load_digest(data: dict, where: str, sources: dict[str, str]) -> DigestConfig:
    digest = _table(data, "digest", where)
    unknown = sorted(set(digest) - set(DIGEST_KEYS))
    if unknown:
        raise ConfigError(f"{where}: digest.{unknown[0]}: unknown key; known: {', '.join(DIGEST_KEYS)}")
    transport = digest.get("transport")
    if transport is not None and transport not in TRANSPORTS:
        raise ConfigError(f"{where}: digest.transport: one of {', '.join(TRANSPORTS)}, not {transport!r}")
    folder = _text_value(digest, "folder", f"{where}: digest")
    settings = DigestConfig(
        transport=transport,
        folder=folder,
        max_attempts=_count_value(digest, "max_attempts", f"{where}: digest", DigestConfig.max_attempts, 100),
        retry_minutes=_count_value(digest, "retry_minutes", f"{where}: digest", DigestConfig.retry_minutes, 24 * 60),
        horizon_days=_count_value(digest, "horizon_days", f"{where}: digest", DigestConfig.horizon_days, 366),
    )
    for key in digest:
        sources[f"digest.{key}"] = where
    return settings


def cron_trigger(expression: str, timezone: str, key: str) -> CronTrigger:
    """The cron trigger of ``expression``; a bad one is a :class:`ConfigError` naming ``key``."""
    from apscheduler.triggers.cron import CronTrigger  # why: APScheduler only when a schedule is read

    try:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    except ValueError as exc:
        raise ConfigError(f"{key}: bad cron expression {expression!r} ({exc})") from None
