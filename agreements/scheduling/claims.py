"""Once-per-period claims: a run claims its (job, period) in ``job_runs`` before
doing anything.

The claim is a ``running`` row; the unique constraint on (job_id, period)
lets exactly one run win, whatever the number of schedulers, retries and
restarts. The claim ends ``done`` (detail: what the job did) or ``failed``
(detail: the error); a failed period may be claimed again, and so may an
abandoned running one (its process is gone, or it is over an hour old).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from agreements.digest.owners import owner_gone, process_owner
from agreements.scheduling import LOGGER
from agreements.store.database import Database, rows_changed
from agreements.store.tables import JobRun

log = logging.getLogger(LOGGER)

RUNNING = "running"
DONE = "done"
FAILED = "failed"
#: A ``running`` claim older than this is taken to be abandoned (its process
#: was killed) and may be claimed again. A claim whose process is known to be
#: gone (same host, pid no longer alive) is taken over at once.
STALE_AFTER = timedelta(hours=1)
#: the detail of a running claim: who holds it (``host:pid``)
RUNNING_ON = "running on "


def _holder_gone(detail: str | None) -> bool:
    """True if a running claim's process is known to be dead (same host only)."""
    if not detail or not detail.startswith(RUNNING_ON):
        return False
    return owner_gone(detail[len(RUNNING_ON) :])


def reclaimable(run: JobRun | None, at: datetime) -> bool:
    """May a new run take this period? Yes if unclaimed, failed, or abandoned."""
    if run is None or run.status == FAILED:
        return True
    if run.status == RUNNING:
        return run.started_at < at - STALE_AFTER or _holder_gone(run.detail)
    return False


def find_claim(db: Database, job_id: str, period: str) -> JobRun | None:
    with db.read() as session:
        return session.scalar(select(JobRun).where(JobRun.job_id == job_id, JobRun.period == period))


def last_claim(db: Database, job_id: str) -> JobRun | None:
    with db.read() as session:
        return session.scalar(
            select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
        )


def claim(db: Database, job_id: str, period: str, at: datetime) -> int | None:
    """Claim (job_id, period) for this run; return the claim's id, or None if another run has it.

    The claim is an INSERT committed on its own: the unique constraint decides
    between racing runs. A ``failed`` claim (or an abandoned ``running`` one,
    see :func:`reclaimable`) is taken over by a guarded UPDATE that only one
    racing run can win.
    """
    owner = RUNNING_ON + process_owner()
    try:
        with db.sessions().begin() as session:
            row = JobRun(job_id=job_id, period=period, started_at=at, status=RUNNING, detail=owner)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        pass
    existing = find_claim(db, job_id, period)
    if existing is None or not reclaimable(existing, at):
        return None
    guard = [JobRun.id == existing.id, JobRun.status == existing.status]
    if existing.status == RUNNING:  # compare-and-swap on the abandoned claim itself
        guard += [JobRun.started_at == existing.started_at, JobRun.detail == existing.detail]
    with db.sessions().begin() as session:
        changed = rows_changed(
            session, update(JobRun).where(*guard).values(status=RUNNING, started_at=at, finished_at=None, detail=owner)
        )
        if changed != 1:
            return None
    log.warning("%s %s: taking over the %s claim started at %s", job_id, period, existing.status, existing.started_at)
    return existing.id


def finish(db: Database, claim_id: int, status: str, detail: str, at: datetime) -> None:
    """End a claim as done or failed (only a claim still running is changed)."""
    with db.sessions().begin() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == claim_id, JobRun.status == RUNNING)
            .values(status=status, finished_at=at, detail=detail)
            .execution_options(synchronize_session=False)
        )
