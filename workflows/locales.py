"""The languages the tracker speaks to people, defined once."""

from __future__ import annotations

AZ = "az"
EN = "en"
LOCALES: tuple[str, ...] = (AZ, EN)
DEFAULT_LOCALE = EN
