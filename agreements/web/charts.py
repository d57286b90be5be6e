"""Bar charts as geometry for inline SVG: the pipeline (agreements per stage,
stacked by whose move it is) and the time spent in each stage (median and
90th percentile), from ``agreements.reads.reports``."""

from __future__ import annotations

from typing import Any

from agreements.web.i18n import Words
from workflows.stages import HOLDERS

WIDTH = 760
LABEL_W = 250  # the stage names on the left
VALUE_W = 170  # the numbers on the right
ROW_H = 26
BAR_H = 16
NO_HOLDER = "none"


def _scale(biggest: float) -> float:
    """SVG units per unit of value, so that the biggest bar fills the plot."""
    return (WIDTH - LABEL_W - VALUE_W) / biggest if biggest else 0.0


def pipeline_chart(data: dict[str, Any], w: Words) -> dict[str, Any]:
    """``reports.pipeline`` as stacked horizontal bars, one per stage."""
    holders = [*HOLDERS, NO_HOLDER]
    stages = data["stages"]
    scale = _scale(max((s["total"] for s in stages), default=0))
    rows = []
    for index, stage in enumerate(stages):
        x = float(LABEL_W)
        segments = []
        for holder in holders:
            count = stage.get(holder, 0)
            if not count:
                continue
            width = round(count * scale, 1)
            name = w.holder(holder) if holder != NO_HOLDER else w("holder_none")
            segments.append(
                {"x": round(x, 1), "w": width, "holder": holder, "title": f"{w.stage(stage['stage'])}, {name}: {count}"}
            )
            x += width
        rows.append(
            {
                "y": index * ROW_H,
                "label": w.stage(stage["stage"]),
                "stage": stage["stage"],
                "total": stage["total"],
                "segments": segments,
                "value_x": round(x + 6, 1),
            }
        )
    legend = [{"holder": h, "label": w.holder(h) if h != NO_HOLDER else w("holder_none")} for h in holders]
    return {"width": WIDTH, "height": len(rows) * ROW_H + 4, "rows": rows, "legend": legend, "bar_h": BAR_H}


def _days(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def durations_chart(data: dict[str, Any], w: Words) -> dict[str, Any]:
    """The per-stage statistics of ``reports.durations``: for each stage a
    bar for the median and a thinner one for the 90th percentile, in
    calendar days."""
    stats = data["stages"]
    scale = _scale(max((s["p90_calendar_days"] or 0 for s in stats), default=0))
    rows = []
    for index, stat in enumerate(stats):
        median, p90 = stat["median_calendar_days"], stat["p90_calendar_days"]
        rows.append(
            {
                "y": index * ROW_H,
                "label": w.stage(stat["stage"]),
                "stage": stat["stage"],
                "count": stat["agreements"],
                "median_w": round((median or 0) * scale, 1),
                "p90_w": round((p90 or 0) * scale, 1),
                "value_x": round(LABEL_W + (p90 or 0) * scale + 6, 1),
                "value": w("days", n=f"{_days(median)} / {_days(p90)}") if median is not None else "—",
                "title": (
                    f"{w.stage(stat['stage'])}: {w('median')} {w('days', n=_days(median))}, "
                    f"{w('p90')} {w('days', n=_days(p90))}; {w('left_it')}: {stat['agreements']}"
                    if median is not None
                    else f"{w.stage(stat['stage'])}: {w('left_it')}: 0"
                ),
                "working": w("working", median=_days(stat["median_working_days"]), p90=_days(stat["p90_working_days"]))
                if median is not None
                else "",
            }
        )
    return {"width": WIDTH, "height": len(rows) * ROW_H + 4, "rows": rows, "bar_h": BAR_H, "label_w": LABEL_W}
