"""The background half of a solve: start it, finish it in one transaction, or fail it.

The solve task (`trc_scheduler/tasks.py`) owns the unit of work and commits; these
functions only change rows and flush. Every state change of a job is a conditional
UPDATE on its status, so a job that stale detection already failed can never be
finished late by a worker that was merely slow.
"""
from dataclasses import dataclass

from sqlalchemy import select, update

from ..extensions import db
from ..models import JobStatus, ScheduleVersion, ScheduleWeek, SolveJob, VersionStatus
from ..models.types import utcnow
from .schedules import release_week


class JobLost(Exception):
    """The job is no longer running (cancelled while queued, or failed as stale): save nothing."""


@dataclass(frozen=True)
class JobStart:
    """What a running job starts from, read in one go when it starts."""

    job_id: int
    week_id: int
    week: str
    base_lock: int
    published_id: int | None
    pins: dict
    time_limit_s: float
    requested_by_id: int | None


def begin_job(job_id: int) -> JobStart | None:
    """Mark a queued job running and record the week's lock and published version; None if not queued."""
    now = utcnow()
    taken = db.session.execute(
        update(SolveJob).where(SolveJob.id == job_id, SolveJob.status == JobStatus.queued)
        .values(status=JobStatus.running, started_at=now, heartbeat_at=now,
                progress={"status": "starting", "elapsed": 0, "solutions": 0})
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None
    job = db.session.get(SolveJob, job_id)
    db.session.refresh(job)
    lock, published_id, label = db.session.execute(
        select(ScheduleWeek.lock, ScheduleWeek.published_version_id, ScheduleWeek.week)
        .where(ScheduleWeek.id == job.week_id)).one()
    return JobStart(job.id, job.week_id, label, lock, published_id, dict(job.pins or {}),
                    float(job.time_limit_s), job.requested_by_id)


def published_version(start: JobStart) -> ScheduleVersion | None:
    """Return the version that was published when the job started."""
    return db.session.get(ScheduleVersion, start.published_id) if start.published_id else None


def final_progress(result, solutions: int) -> dict:
    """Return the job's last progress record from the solver's result."""
    return {"status": result.status, "elapsed": round(result.solve_seconds, 1), "objective": result.objective,
            "bound": result.bound, "gap": result.gap, "solutions": solutions}


def finish_job(start: JobStart, instance: dict, result, solutions: int = 0) -> ScheduleVersion | None:
    """Save the result as a draft, close the job and free the week (the caller commits once)."""
    job = db.session.get(SolveJob, start.job_id)
    db.session.refresh(job)
    if job.status != JobStatus.running:
        raise JobLost(f"job {job.id} is {job.status.value}")
    version, error = None, None
    if result.status == "UNKNOWN":
        error = None if job.cancel_requested else (
            f"No schedule was found within {start.time_limit_s:g} s; try a longer time limit.")
    else:
        version = ScheduleVersion(
            week_id=start.week_id, status=VersionStatus.draft, base_lock=start.base_lock,
            based_on_id=start.published_id, instance=instance, schedule=result.schedule, pins=start.pins,
            solver_status=result.status, objective=result.objective, bound=result.bound,
            solve_seconds=round(result.solve_seconds, 3), cost_terms=dict(result.cost_terms or {}),
            created_by_id=start.requested_by_id)
        db.session.add(version)
        db.session.flush()
    status = JobStatus.cancelled if job.cancel_requested else (JobStatus.failed if error else JobStatus.succeeded)
    _close(job, status, error=error, version=version, progress=final_progress(result, solutions))
    return version


def fail_job(job_id: int, message: str) -> None:
    """Mark a queued or running job failed with a plain message and free its week (no version)."""
    job = db.session.get(SolveJob, job_id)
    if job is None:
        return
    db.session.refresh(job)
    if job.status in (JobStatus.queued, JobStatus.running):
        _close(job, JobStatus.failed, error=message)


def _close(job: SolveJob, status: JobStatus, error: str | None = None, version=None, progress=None) -> None:
    values = {"status": status, "finished_at": utcnow(), "error": error,
              "result_version_id": version.id if version else None}
    if progress is not None:
        values["progress"] = progress
    closed = db.session.execute(
        update(SolveJob).where(SolveJob.id == job.id, SolveJob.status.in_([JobStatus.queued, JobStatus.running]))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        raise JobLost(f"job {job.id} was closed meanwhile")
    release_week(job)
    db.session.expire(job)
