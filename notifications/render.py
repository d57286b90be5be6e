"""Render a :class:`~notifications.model.Digest` as HTML and plain text.

Jinja2 templates in ``notifications/templates/``: ``digest.html`` (autoescaped,
tables only, no scripts, no remote images; its CSS is inlined afterwards so
that Outlook shows it) and ``digest.txt``. The words come from
:mod:`notifications.i18n`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from notifications.excerpt import excerpt
from notifications.i18n import Translator
from notifications.model import ACK_EXPIRES, ActionItem, Digest, Movement
from workflows.events import NOTE, OPENED, ROUND, SIGNATURE, STAGE_CHANGE
from workflows.stages import DRAFT, EXPERT_TALKS, IN_FORCE, INTERNAL_APPROVAL, MFA, SIGNING, SUSPENDED, TERMINATED

TEMPLATES = Path(__file__).parent / "templates"
BAR_COLOURS = {
    DRAFT: "#8d99ae",
    EXPERT_TALKS: "#2b6cb0",
    INTERNAL_APPROVAL: "#6b46c1",
    MFA: "#b7791f",
    SIGNING: "#2f855a",
    IN_FORCE: "#276749",
    SUSPENDED: "#a0aec0",
    TERMINATED: "#c53030",
}


@lru_cache(maxsize=1)
def environment():
    from jinja2 import (  # why: heavy; only when rendering
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = _wrap
    return env


def _wrap(text: str, width: int = 72, indent: str = "") -> str:
    """``text`` wrapped to ``width``, its own line breaks kept, continuation lines indented."""
    lines = [
        wrapped
        for line in str(text).splitlines() or [""]
        for wrapped in textwrap.wrap(
            " ".join(line.split()), width=width, break_long_words=False, break_on_hyphens=False
        )
        or [""]
    ]
    return ("\n" + indent).join(lines)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def _movement_what(t: Translator, m: Movement) -> str:
    if m.kind == STAGE_CHANGE:
        return t("kind_stage_change", from_=t.stage(m.from_stage), to=t.stage(m.to_stage))
    if m.kind == OPENED:
        return t("kind_opened", to=t.stage(m.to_stage))
    if m.kind in (ROUND, SIGNATURE, NOTE):
        return t(f"kind_{m.kind}")
    return m.kind


def _movement_details(t: Translator, m: Movement) -> list[str]:
    details = []
    if m.place:
        details.append(t("place", place=m.place))
    if m.outcome:
        details.append(t("outcome", outcome=m.outcome))
    if m.note:
        details.append(_shortened(t, m.note))
    if m.reference:
        details.append(t("reference", reference=m.reference))
    return details


def _shortened(t: Translator, text: str) -> str:
    """A long note as its first lines and "…", with the count of the words left out."""
    shown, cut = excerpt(text)
    return shown + (" " + t("cut", n=cut) if cut else "")


def _when(t: Translator, m: Movement) -> str:
    return t.date_range(m.on, m.until)


def _scope(t: Translator, digest: Digest) -> str:
    parts = []
    if digest.parties:
        parts.append(t("scope_party", value=", ".join(digest.parties)))
    if digest.kinds:
        parts.append(t("scope_kind", value=", ".join(k.replace("_", " ") for k in digest.kinds)))
    if digest.officer:
        parts.append(t("scope_officer", value=digest.officer))
    if not parts:
        parts.append(t("everything"))
    if digest.only_needs_action:
        parts.append(t("scope_only"))
    return "; ".join(parts)


def _action_row(t: Translator, item: ActionItem) -> dict:
    return {
        "code": item.code,
        "title": item.title,
        "stage": t.stage(item.stage),
        "since": t("since_not_after" if item.stage_since_not_after else "since", since=t.date(item.stage_since))
        if item.stage_since
        else "",
        "days": t("days_of", days=item.working_days, threshold=item.threshold) if item.working_days is not None else "",
        "level": item.level,
        "level_text": t.level(item.level),
        "move": (t("awaiting_counterpart") if item.awaiting_counterpart else t.holder(item.awaiting))
        + (f" ({item.waiting_for})" if item.waiting_for else ""),
        "until": t.date(item.acknowledged_until),
        "note": _shortened(t, item.acknowledgement) if item.acknowledgement else "",
    }


def _moved_rows(t: Translator, digest: Digest) -> list[dict]:
    return [
        {
            "date": _when(t, m),
            "code": m.code,
            "title": m.title,
            "what": _movement_what(t, m),
            "by": m.actor,
            "details": _movement_details(t, m),
        }
        for m in sorted(digest.moved, key=lambda m: (m.on, m.code))
    ]


def _coming_rows(t: Translator, digest: Digest) -> list[dict]:
    return [
        {
            "date": t.date(c.on),
            "code": c.code,
            "title": c.title,
            "what": t("ack_expires") if c.kind == ACK_EXPIRES else (c.what or ""),
        }
        for c in sorted(digest.coming, key=lambda c: (c.on, c.code))
    ]


def _pipeline_rows(t: Translator, digest: Digest) -> list[dict]:
    biggest = max((row.count for row in digest.pipeline), default=0)
    return [
        {
            "stage": t.stage(row.stage),
            "count": row.count,
            "percent": max(1, round(100 * row.count / biggest)) if biggest and row.count else 0,
            "colour": BAR_COLOURS.get(row.stage, "#4a5568"),
            "bar": "█" * (round(30 * row.count / biggest) if biggest else 0),
        }
        for row in digest.pipeline
    ]


def _words(t: Translator, digest: Digest) -> dict[str, str]:
    """The sentences of the digest, with their dates and names filled in."""
    name = " ".join(digest.recipient.name.split())
    return {
        "title": t("title"),
        "week_of": t("week_of", week=digest.week),
        "greeting": t("greeting", name=name) if name else t("greeting_anonymous"),
        "intro": t("intro_action_only", as_of=t.date(digest.as_of))
        if digest.only_needs_action
        else t(
            "intro",
            as_of=t.date(digest.as_of),
            moved_from=t.date(digest.moved_from),
            moved_to=t.date(digest.moved_to),
            until=t.date(digest.coming_until),
        ),
        "scope": t("scope", scope=_scope(t, digest)),
        "moved_none": t("moved_none", moved_from=t.date(digest.moved_from), moved_to=t.date(digest.moved_to)),
        "coming_none": t("coming_none", until=t.date(digest.coming_until)),
        "pipeline_total": t("pipeline_total", n=sum(row.count for row in digest.pipeline)),
        "anchor": t("anchor", moment=t.moment(digest.anchor_at)) if digest.anchor else "",
        "anchor_check": f"agreements verify --against {digest.anchor}" if digest.anchor else "",
        "footer_links": t("footer_links", url=digest.base_url) if digest.base_url else "",
    }


def page_link(base_url: str, code: str) -> str:
    """The web view's page of an agreement (``agreements serve``); "" without a base URL."""
    return f"{base_url}/agreements/{quote(code, safe='')}" if base_url else ""


def _full_lists(digest: Digest) -> dict[str, str]:
    """The command that prints each list whole, for a digest shortened to fit the mail server."""
    return {
        "needs_action": f"agreements stalled --as-of {digest.as_of.isoformat()}",
        "acknowledged": f"agreements stalled --all --as-of {digest.as_of.isoformat()}",
        "moved": f"agreements log --since {digest.moved_from.isoformat()} --until {digest.moved_to.isoformat()}",
        "coming": "agreements log --event-kind plan",
    }


def context(digest: Digest, keep: int | None = None) -> dict:
    """What the templates see: the digest with every word and date already localised.

    ``keep``: each list shows at most its first ``keep`` entries, followed by
    how many more there are and the command that lists them all (a digest
    shortened to fit the mail server's ``SIZE``); the headings keep the full
    counts. ``None``, or a ``keep`` no list exceeds, is the whole digest.
    """
    t = Translator(digest.locale)
    lists = {
        "needs_action": [_action_row(t, i) for i in digest.needs_action],
        "acknowledged": [_action_row(t, i) for i in digest.acknowledged],
        "moved": _moved_rows(t, digest),
        "coming": _coming_rows(t, digest),
    }
    for rows in lists.values():
        for row in rows:
            row["link"] = page_link(digest.base_url, row["code"])
    counts = {name: len(rows) for name, rows in lists.items()}
    more: dict[str, dict[str, str] | None] = dict.fromkeys(lists)
    if keep is not None:
        commands = _full_lists(digest)
        for name, rows in lists.items():
            if len(rows) > keep:
                more[name] = {"text": t("more", n=len(rows) - keep), "command": commands[name]}
                lists[name] = rows[:keep]
    return {
        "digest": digest,
        "lang": digest.locale,
        "t": t,
        "w": _words(t, digest),
        "subject": t.subject(digest.week, digest.action_count),
        **lists,
        "counts": counts,
        "more": more,
        "shortened": t("shortened", n=keep) if any(more.values()) else "",
        "pipeline": _pipeline_rows(t, digest),
        "full": not digest.only_needs_action,
    }


def render_text(digest: Digest, keep: int | None = None) -> str:
    return environment().get_template("digest.txt").render(context(digest, keep))


def render_html(digest: Digest, inline_css: bool = True, keep: int | None = None) -> str:
    html = environment().get_template("digest.html").render(context(digest, keep))
    if inline_css:
        import css_inline  # why: the CSS inliner loads only for the HTML part

        html = css_inline.inline(html)
    return html


def longest_list(digest: Digest) -> int:
    """The length of the digest's longest list: a ``keep`` of that or more shortens nothing."""
    return max(len(digest.needs_action), len(digest.acknowledged), len(digest.moved), len(digest.coming))


def render(digest: Digest, keep: int | None = None) -> RenderedDigest:
    """Both parts of the digest (``keep``: shortened, as :func:`context` says)."""
    t = Translator(digest.locale)
    return RenderedDigest(
        subject=t.subject(digest.week, digest.action_count),
        text=render_text(digest, keep),
        html=render_html(digest, keep=keep),
    )
