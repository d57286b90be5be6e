"""The configuration file: stall thresholds, holiday overrides, job schedules.

TOML, found at ``--config``, else ``$AGREEMENTS_CONFIG``, else ``config.toml``
in the user's config directory; an absent file means the defaults. Every value
remembers where it came from, for ``agreements config show``.
"""

from __future__ import annotations

import os
import tomllib
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agreements.clock import DEFAULT_TIMEZONE
from agreements.config.settings import (
    CONFIG_ENV,
    DEFAULT_SCHEDULES,
    DEFAULT_SENDER,
    DEFAULT_SMTP_PASSWORD_ENV,
    DIGEST_KEYS,
    SECTIONS,
    SMTP_KEYS,
    Config,
    ConfigError,
    ConfigFileMissing,
    DigestConfig,
    SmtpConfig,
    default_config_path,
)
from notifications.settings import DEFAULT_SECURITY, DEFAULT_TIMEOUT, SECURITY, TRANSPORTS
from workflows.calendar import WorkingCalendar
from workflows.stall import DEFAULT_COUNTERPART_FACTOR, DEFAULT_SUSPENDED_REVIEW, DEFAULT_THRESHOLDS, StallPolicy

if TYPE_CHECKING:  # pragma: no cover
    from apscheduler.triggers.cron import CronTrigger


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
            named = "--config" if option else f"${CONFIG_ENV}"
            raise ConfigFileMissing(f"configuration file {path} (named by {named}) does not exist")
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
        base_url=_load_base_url(data, where, sources),
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


def _load_base_url(data: dict, where: str, sources: dict[str, str]) -> str | None:
    """The web view's address, without a trailing slash: an http(s) URL with a host, no query."""
    if "base_url" not in data:
        return None
    value = data["base_url"]
    try:
        parts = urlsplit(value) if isinstance(value, str) and value.isprintable() and " " not in value else None
        _port = parts.port if parts else None
    except ValueError:  # a malformed host or port
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"{where}: base_url: not an http(s) URL such as https://agreements.example.gov.az: {value!r}")
    sources["base_url"] = where
    return value.rstrip("/")


def _load_policy(data: dict, where: str, sources: dict[str, str]) -> StallPolicy:
    stall = _table(data, "stall", where)
    unknown = sorted(set(stall) - {"thresholds", "suspended_review", "counterpart_factor"})
    if unknown:
        raise ConfigError(
            f"{where}: stall.{unknown[0]}: unknown key; known: thresholds, suspended_review, counterpart_factor"
        )
    thresholds = _table(stall, "thresholds", f"{where}: stall")
    for stage in thresholds:
        if stage not in DEFAULT_THRESHOLDS:
            raise ConfigError(
                f"{where}: stall.thresholds.{stage}: unknown stage; one of: {', '.join(DEFAULT_THRESHOLDS)}"
            )
        value = thresholds[stage]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(
                f"{where}: stall.thresholds.{stage}: must be a positive number of working days, not {value!r}"
            )
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
            raise ConfigError(f'{where}: schedule.{job}: must be a cron expression such as "0 8 * * *"')
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
