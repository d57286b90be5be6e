"""Search, the stalled board and the reports (pipeline, stage durations),
each from the read queries the command line uses."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from markupsafe import Markup, escape

from agreements.reads.reports import durations, pipeline
from agreements.reads.search import ELLIPSIS, MARK_END, MARK_START, parse, search
from agreements.reads.stalled import stalled
from agreements.web import params
from agreements.web.charts import durations_chart, pipeline_chart
from agreements.web.site import page, services, words
from workflows.stall import CRITICAL, OVERDUE

SEARCH_LIMIT = 50
BOARD_LIMIT = 100  # cards per column of the stalled board; the rest are in the list, page by page


def marked(snippet: str) -> Markup:
    """A search snippet with its matched words in ``<mark>`` (the reads
    bracket them); everything else escaped."""
    out: list[str] = []
    rest = snippet
    while MARK_START in rest:
        before, _, after = rest.partition(MARK_START)
        word, found, rest = after.partition(MARK_END)
        out.append(str(escape(before)))
        out.append(f"<mark>{escape(word)}</mark>" if found else str(escape(MARK_START + word)))
    out.append(str(escape(rest)))
    return Markup("".join(out))


def search_page() -> tuple[str, int]:
    w = words()
    query = params.text(request.args, "q")
    fold = params.flag(request.args, "fold")
    hits: list[dict[str, Any]] | None = None
    if query is not None:
        if not parse(query):
            raise params.refuse(w("bad_query"))
        hits = search(services().db, query, limit=SEARCH_LIMIT, fold=fold)
        for hit in hits:
            hit["html"] = marked(hit["snippet"])
            hit["where"] = w.date(hit["on"], hit["date_precision"]) if hit["source"] == "event" else w("in_title")
            hit["what"] = w.event(hit["kind"]) if hit["source"] == "event" else ""
    return page("search.html", title=w("search_title"), q=query or "", fold=fold, hits=hits, ellipsis=ELLIPSIS)


def _card(w: Any, stall: Any) -> dict[str, Any]:
    since = w.stored_date(
        stall.stage_since, stall.stage_since_precision, stall.stage_since_from, stall.stage_since_form
    )
    share = min(1.0, (stall.working_days or 0) / stall.threshold) if stall.threshold else 0.0
    return {
        "code": stall.code,
        "title": w.title({"title_en": stall.title_en, "title_az": stall.title_az}),
        "stage": w.stage(stall.stage),
        "since": since,
        "level": stall.level,
        "level_text": w.level(stall.level),
        "days": w("days_of", days=stall.working_days, threshold=stall.threshold),
        "over": round(100 * share),
        "counted_from": w("counted_from", day=stall.clock_from.isoformat()) if stall.clock_from else "",
        "move": w("awaiting_counterpart") if stall.awaiting_counterpart else w.holder(stall.awaiting),
        "acknowledged": w("acknowledged", day=stall.acknowledged_until.isoformat()) if stall.acknowledged_until else "",
        "acknowledgement": stall.acknowledgement or "",
    }


def stalled_page() -> tuple[str, int]:
    w = words()
    app = services()
    day = params.day(request.args, "as_of", w) or app.clock.today()
    everything = params.flag(request.args, "all")
    flagged = stalled(app.db, app.config, day, include_acknowledged=everything)
    columns = []
    for level in (CRITICAL, OVERDUE):
        stalls = [s for s in flagged if s.level == level]  # most severe first, as the read orders them
        cards = [_card(w, s) for s in stalls[:BOARD_LIMIT]]
        columns.append({"level": level, "count": len(stalls), "cards": cards, "more": len(stalls) - len(cards)})
    return page(
        "stalled.html",
        title=w("stalled_title"),
        day=day.isoformat(),
        as_of=params.text(request.args, "as_of"),
        everything=everything,
        columns=columns,
    )


def reports_page() -> tuple[str, int]:
    """The pipeline, now or as of a day."""
    w = words()
    as_of = params.day(request.args, "as_of", w)
    stages = pipeline(services().db, as_of)
    return page(
        "reports.html",
        title=w("pipeline"),
        as_of=as_of,
        pipeline=stages,
        pipeline_chart=pipeline_chart(stages, w),
        durations_chart=None,
    )


def durations_page() -> tuple[str, int]:
    """The time spent in each stage, up to today (a page of its own: on a large
    archive it reads every stage entry)."""
    w = words()
    app = services()
    times = durations(app.db, app.config.calendar(), today=app.clock.today())
    return page(
        "reports.html",
        title=w("durations"),
        as_of=None,
        pipeline=None,
        pipeline_chart=None,
        durations_chart=durations_chart(times, w),
    )


def register(app: Flask) -> None:
    app.add_url_rule("/search", "search", search_page)
    app.add_url_rule("/stalled", "stalled", stalled_page)
    app.add_url_rule("/reports", "reports", reports_page)
    app.add_url_rule("/reports/durations", "durations", durations_page)
