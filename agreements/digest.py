"""The weekly digest (placeholder: the e-mails are another issue).

The scheduler already runs it once per ISO week; this placeholder only says so.
"""
from __future__ import annotations

import logging

log = logging.getLogger("agreements.digest")


def send_weekly_digest(db, config, week: str) -> str:
    """Send the digest for ``week`` (e.g. ``2026-W48``); return what was done."""
    message = f"weekly digest for {week}: not implemented yet (issue: weekly digest emails)"
    log.info("%s", message)
    return message
