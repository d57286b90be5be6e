"""The agreements list and the agreement page, each from the read queries
the command line uses (``agreements.reads``): no SQL of their own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Flask, redirect, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from agreements.errors import AgreementNotFound
from agreements.reads.agreement import show
from agreements.reads.listing import list_agreements, list_as_of
from agreements.reads.stalled import stalled
from agreements.web import params
from agreements.web.entries import entry
from agreements.web.i18n import Words
from agreements.web.params import NO_HOLDER, PAGE_SIZE, ListQuery
from agreements.web.site import page, services, words
from agreements.web.timeline import timeline
from workflows.errors import BadInput
from workflows.inputs import normalise_code
from workflows.stages import HOLDERS, KINDS, STAGE_NAMES


def _sort_key(sort: str, w: Words) -> Callable[[dict[str, Any]], tuple]:
    """How the list sorts by a column; rows without a value last, ties by code."""
    late = len(STAGE_NAMES)

    def key(row: dict[str, Any]) -> tuple:
        if sort == "stage":
            stage = row["stage"] or row.get("possibly")
            value: Any = STAGE_NAMES.index(stage) if stage in STAGE_NAMES else late
        elif sort == "since":
            value = row["stage_since"] or "9999"
        elif sort == "awaiting":
            value = w.holder(row["awaiting"]) if row["awaiting"] else "\uffff"
        elif sort == "kind":
            value = w.kind(row["kind"])
        elif sort == "parties":
            value = ", ".join(row["parties"])
        else:
            value = row["code"]
        return (value, row["code"])

    return key


def _rows(query: ListQuery) -> list[dict[str, Any]]:
    """The agreements of the list, filtered but for the stage (counted first)."""
    app = services()
    if query.as_of is not None:
        rows = list_as_of(app.db, query.as_of, party=query.party, kind=query.kind)
    else:
        rows = list_agreements(app.db, party=query.party, kind=query.kind)
    if query.awaiting:
        wanted = None if query.awaiting == NO_HOLDER else query.awaiting
        rows = [r for r in rows if r["awaiting"] == wanted]
    if query.stalled:
        day = query.as_of or app.clock.today()
        flagged = {s.code for s in stalled(app.db, app.config, day)}
        rows = [r for r in rows if r["code"] in flagged]
    return rows


def pager(current: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last and those around the
    current one; None where numbers are left out."""
    wanted = {1, pages, *range(current - around, current + around + 1)}
    shown: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown


def agreements_list() -> tuple[str, int]:
    w = words()
    query = ListQuery.read(request.args, w)
    rows = _rows(query)
    counts = Counter(r["stage"] for r in rows if r["stage"])
    if query.stage:
        rows = [r for r in rows if r["stage"] == query.stage]
    rows.sort(key=_sort_key(query.sort, w), reverse=query.order == "desc")
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    if query.page > pages:
        raise params.refuse(w("bad_choice", value=query.page, field="page", choices=f"1–{pages}"))
    start = (query.page - 1) * PAGE_SIZE
    shown = [
        {**row, "title": w.title(row), "since_text": w.since(row), "kind_text": w.kind(row["kind"])}
        for row in rows[start : start + PAGE_SIZE]
    ]
    return page(
        "list.html",
        title=w("list_title"),
        query=query,
        rows=shown,
        total=total,
        first=start + 1,
        last=start + len(shown),
        pages=pages,
        pager=pager(query.page, pages),
        stage_counts=[(s, counts[s]) for s in STAGE_NAMES if counts[s]],
        stages=STAGE_NAMES,
        kinds=KINDS,
        holders=(*HOLDERS, NO_HOLDER),
        columns=params.SORTS,
    )


def agreement_page(code: str) -> tuple[str, int] | Response:
    w = words()
    try:
        normal = normalise_code(code)
    except BadInput:
        raise NotFound(description=w("no_agreement", code=code)) from None
    if normal != code:  # ra-mda: the permalink is the code as written, RA-MDA
        args: dict[str, Any] = dict(request.args.items())
        return redirect(url_for("agreement", code=normal, **args), 301)
    as_of = params.day(request.args, "as_of", w)
    app = services()
    try:
        head, events = show(app.db, normal, app.clock.zone, as_of=as_of)
    except AgreementNotFound:
        raise NotFound(description=w("no_agreement", code=normal)) from None
    head["since_text"] = w.since(head) if head["stage"] or "certainty" in head else ""
    return page(
        "agreement.html",
        title=f"{normal} — {w.title(head)}",
        a=head,
        as_of=as_of,
        entries=[entry(w, e) for e in events],
        timeline=timeline(events, as_of or app.clock.today(), w),
        after_signature=after_signature(head, w),
    )


# the columns of each party's row in the after-signature table, as ``show`` gives them
PARTY_COLUMNS = ("party", "signature", "approval", "notification_sent", "notification_received", "in_force", "notes")


def after_signature(head: dict[str, Any], w: Words) -> dict[str, Any]:
    """The page's "After signature" section: the signature and entry into
    force as the record holds them and, where ``show`` gives them, the
    entry-into-force rule, the expected date or what it waits for, and each
    party's acts (one row per party). Nothing is inferred here."""
    outcome = head.get("entry_into_force") or {}
    rows = head.get("parties_table_az" if w.lang == "az" else "parties_table") or []
    return {
        "signed_on": head.get("signed_on"),
        "in_force_on": head.get("in_force_on"),
        "rule": head.get(f"entry_rule_{w.lang}") or "",
        "outcome": outcome.get(f"sentence_{w.lang}") or "",
        "columns": PARTY_COLUMNS,
        "acts": [[row.get(c) or "" for c in PARTY_COLUMNS] for row in rows],
    }


def _home() -> Response:
    args: dict[str, Any] = dict(request.args.items())
    return redirect(url_for("agreements", **args))


def register(app: Flask) -> None:
    app.add_url_rule("/", "home", _home)
    app.add_url_rule("/agreements", "agreements", agreements_list)
    app.add_url_rule("/agreements/<code>", "agreement", agreement_page)
