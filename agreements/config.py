"""The configuration file: stall thresholds, holiday overrides, job schedules.

TOML, found at ``--config``, else ``$AGREEMENTS_CONFIG``, else ``config.toml``
in the user's config directory; an absent file means the defaults. Every value
remembers where it came from, for ``agreements config show``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreements.errors import DomainError
from workflows.calendar import WorkingCalendar
from workflows.stall import DEFAULT_COUNTERPART_FACTOR, DEFAULT_SUSPENDED_REVIEW, DEFAULT_THRESHOLDS, StallPolicy

CONFIG_ENV = "AGREEMENTS_CONFIG"
DEFAULT_TIMEZONE = "Asia/Baku"
DEFAULT_SCHEDULES = {
    "stall_scan": "0 8 * * *",  # daily 08:00
    "weekly_digest": "0 9 * * mon",  # Monday 09:00
}
SECTIONS = {"timezone", "stall", "calendar", "schedule"}


class ConfigError(DomainError):
    """A configuration value that cannot be used; the message names the key."""


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("agreements", appauthor=False)) / "config.toml"


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

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.extra_holidays, self.extra_working_days)

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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {where}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(SECTIONS))}")
    sources: dict[str, str] = {}

    timezone = data.get("timezone", DEFAULT_TIMEZONE)
    if "timezone" in data:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}: timezone: unknown time zone {timezone!r}") from None
        sources["timezone"] = where

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
        policy = StallPolicy.from_dict(
            {
                "thresholds": thresholds,
                "suspended_review": stall.get("suspended_review", DEFAULT_SUSPENDED_REVIEW),
                "counterpart_factor": stall.get("counterpart_factor", DEFAULT_COUNTERPART_FACTOR),
            }
        )
    except ValueError as exc:
        raise ConfigError(f"{where}: stall: {exc}") from None

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

    schedule = _table(data, "schedule", where)
    schedules = dict(DEFAULT_SCHEDULES)
    for job, cron in schedule.items():
        if job not in DEFAULT_SCHEDULES:
            raise ConfigError(f"{where}: schedule.{job}: unknown job; one of: {', '.join(DEFAULT_SCHEDULES)}")
        if not isinstance(cron, str):
            raise ConfigError(f"{where}: schedule.{job}: must be a cron expression such as \"0 8 * * *\"")
        check_cron(cron, str(timezone), f"{where}: schedule.{job}")
        schedules[job] = cron
        sources[f"schedule.{job}"] = where

    return Config(
        path=path,
        loaded=True,
        timezone=str(timezone),
        policy=policy,
        extra_holidays=days["extra_holidays"],
        extra_working_days=days["extra_working_days"],
        schedules=schedules,
        sources=sources,
    )


def check_cron(expression: str, timezone: str, key: str) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expression, timezone=timezone)
    except ValueError as exc:
        raise ConfigError(f"{key}: bad cron expression {expression!r} ({exc})") from None
