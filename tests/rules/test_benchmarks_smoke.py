"""The benchmark harness's own arithmetic (benchmarks/pairs.py and the
hand-written references): the order runs are interleaved in, the median of
the per-pair ratios, the verdicts, the parameter style of each driver and
the working days of the hand-written stall scan. No timings are judged."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from benchmarks.databases import target, with_schema
from benchmarks.pairs import A, B, Paired, Sample, interleaved, median_ratio, pair_ratios, run_child, table, verdict
from benchmarks.reference_sql import placeholders
from benchmarks.reference_stall import WorkingDays, judged, threshold
from workflows.calendar import WorkingCalendar


def test_runs_alternate_pair_by_pair():
    assert interleaved(3) == [(0, A), (0, B), (1, A), (1, B), (2, A), (2, B)]
    assert interleaved(0) == []


def test_the_median_of_the_pair_ratios_is_not_the_ratio_of_the_medians():
    a, b = [2.0, 10.0, 3.0], [1.0, 2.0, 3.0]
    assert pair_ratios(a, b) == [2.0, 5.0, 1.0]
    assert median_ratio(a, b) == 2.0  # the ratio of the medians would be 3.0 / 2.0
    with pytest.raises(ValueError):
        median_ratio([1.0], [1.0, 2.0])


def test_paired_samples_report_each_side_by_the_clock_asked():
    paired = Paired(
        a=[Sample(wall=4.0, cpu=2.0), Sample(wall=6.0, cpu=3.0), Sample(wall=5.0, cpu=9.0)],
        b=[Sample(wall=2.0, cpu=2.0), Sample(wall=2.0, cpu=1.0), Sample(wall=5.0, cpu=3.0)],
    )
    assert paired.spread(A, "wall") == (4.0, 5.0)
    assert paired.spread(B, "cpu") == (1.0, 2.0)
    assert paired.ratio("wall") == 2.0
    assert paired.ratio("cpu") == 3.0
    assert paired.ratio_range("wall") == (1.0, 3.0)


def test_verdicts_and_table():
    assert verdict(1.3, 1.3) == "ok"
    assert verdict(1.31, 1.3) == "over"
    assert verdict(0.9, 1.0, at_least=True) == "under"
    lines = table(["query", "ms"], [["history", "0.25"], ["list --as-of", "120.50"]]).splitlines()
    assert lines == ["query             ms", "history         0.25", "list --as-of  120.50"]


def test_a_child_is_measured_by_itself_not_by_the_process_that_started_it():
    ballast = bytearray(150 * 1024 * 1024)
    ballast[::4096] = b"\1" * len(ballast[::4096])  # resident, not only reserved
    sample, out = run_child([sys.executable, "-c", "print('hello')"])
    assert out == "hello\n"
    assert sample.rss < 100  # MB: a bare interpreter, not this process's 150 MB of ballast
    assert sample.wall > 0 and sample.cpu > 0
    with pytest.raises(SystemExit, match="failed"):
        run_child([sys.executable, "-c", "raise SystemExit(3)"])


def test_named_parameters_for_each_driver():
    sql = "SELECT to_tsvector('simple'::regconfig, x) FROM t WHERE a = :day AND b <= :day_2"
    assert placeholders(sql, pg=False) == sql
    assert placeholders(sql, pg=True) == (
        "SELECT to_tsvector('simple'::regconfig, x) FROM t WHERE a = %(day)s AND b <= %(day_2)s"
    )


def test_targets_name_a_file_or_a_schema():
    assert target("/tmp/archive.db").url == "sqlite:////tmp/archive.db"
    pg = with_schema("postgresql+psycopg://postgres@127.0.0.1:5432/test", "bench")
    assert pg.schema == "bench"
    assert not pg.is_sqlite
    assert with_schema(pg.url, "bench_seed").schema == "bench_seed"


def test_the_hand_written_working_days_agree_with_the_calendar():
    days = WorkingDays()
    calendar = WorkingCalendar()
    for start, end in [
        (date(2016, 3, 1), date(2016, 3, 31)),  # Novruz
        (date(1995, 12, 20), date(1996, 1, 10)),  # across a year end
        (date(2019, 6, 1), date(2026, 11, 25)),
    ]:
        assert days.between(start, end) == calendar.working_days_between(start, end)
    assert days.between(date(2020, 5, 5), date(2020, 5, 5)) == 0


def test_the_hand_written_levels():
    assert threshold("mfa", "us") == 20
    assert threshold("mfa", "counterpart") == 40
    assert threshold("suspended", "counterpart") == 180
    assert threshold("in_force", None) is None
    day = date(2026, 11, 25)
    assert judged("X", "mfa", date(2026, 11, 24), "us", day, None)[5] is None
    assert judged("X", "mfa", date(2026, 1, 5), "us", day, None)[5] == "critical"
