"""A week's digest rendered without sending: text, HTML or the whole message."""

from __future__ import annotations

from datetime import datetime

from agreements.config.settings import Config
from agreements.digest.mail import sender_of
from agreements.digest.recipients import find_recipient
from agreements.digest.week import build_digest, collect
from agreements.errors import BadInput
from agreements.store.database import Database
from notifications.message import digest_message
from notifications.render import render_html, render_text


def preview(
    db: Database,
    config: Config,
    week: str,
    *,
    recipient: str | None = None,
    locale: str | None = None,
    fmt: str = "text",
    now: datetime,
) -> str:
    """The digest rendered without sending: text, HTML or the whole message (eml)."""
    row = find_recipient(db, recipient) if recipient else None
    digest = build_digest(collect(db, config, week, now=now), row, locale)
    if fmt == "html":
        return render_html(digest)
    if fmt == "eml":
        if row is None:
            raise BadInput("--format eml needs --recipient (a message needs its To address)")
        return digest_message(digest, sender_of(config), when=now).as_string()
    return render_text(digest)
