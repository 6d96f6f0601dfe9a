"""Schedule lifecycle: generate a week (one solve at a time), publish a draft, read versions.

A week is claimed by a solve with a conditional UPDATE (`active_job_id IS NULL`), and
published with another (`lock = draft.base_lock`), so two managers can never run two
solves of one week nor publish over each other's newer version. The background half
of a solve (running, finishing, failing) is in `schedules_jobs.py`.
"""
import copy
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import (JobStatus, ScheduleVersion, ScheduleWeek, SolveJob, User, VersionStatus,
                      VisitRequest, VisitStatus)
from ..models.types import utcnow
from .unit import get_settings, iso_week, parse_iso_week

VISIT_ID_RE = re.compile(r"^VR(\d+)$")  # ids written by services/scheduling.export_week
PUBLISHABLE = ("OPTIMAL", "FEASIBLE")
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 1.0, 3600.0


def require_planner(user) -> None:
    """Raise NotAllowed unless the user plans schedules (manager or admin)."""
    if not user.is_manager:
        raise NotAllowed("Only unit managers can plan schedules.")


def unit_zone() -> ZoneInfo:
    """Return the unit's time zone (UTC until the unit is set up)."""
    settings = get_settings()
    return ZoneInfo(settings.timezone) if settings else ZoneInfo("UTC")


def parse_week(week: str) -> str:
    """Return the normalised ISO week label ("2026-W48") or raise a DomainError on the `week` field."""
    return iso_week(parse_iso_week(week))


def upcoming_weeks(today: date, count: int = 6) -> list[str]:
    """Return the labels of the week of `today` and the next `count - 1` weeks."""
    return [iso_week(today + timedelta(weeks=i)) for i in range(count)]


def weeks_to_show(today: date, count: int = 6) -> list[str]:
    """Return the upcoming weeks plus any other week with a draft or a running solve, in order."""
    busy = db.session.scalars(select(ScheduleWeek.week).where(
        (ScheduleWeek.active_job_id.is_not(None))
        | ScheduleWeek.id.in_(select(ScheduleVersion.week_id).where(ScheduleVersion.status == VersionStatus.draft))))
    return sorted(set(upcoming_weeks(today, count)) | set(busy))


def _hhmm(instant: datetime | None) -> str:
    return instant.astimezone(unit_zone()).strftime("%H:%M") if instant else "?"


def _user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else "the system"


def get_week(week: str) -> ScheduleWeek | None:
    """Return the row of a week, if it was ever planned."""
    return db.session.scalar(select(ScheduleWeek).where(ScheduleWeek.week == week))


def get_or_create_week(week: str) -> ScheduleWeek:
    """Return the row of a week, creating it (race-safe) the first time it is planned."""
    row = get_week(week)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = ScheduleWeek(week=week, lock=0)
            db.session.add(row)
    except IntegrityError:  # another request created it a moment ago
        row = get_week(week)
    return row


# --- the instance a solve starts from --------------------------------------------------------

def previous_of(version: ScheduleVersion | None) -> dict | None:
    """Return a published version's decisions as the instance's `previous` block."""
    if version is None:
        return None
    schedule = version.schedule or {}
    return {"visits": [{"visit": v["visit"], "start": v["start"], "bed": v.get("bed")}
                       for v in schedule.get("visits", [])],
            "shifts": [{"staff": s["staff"], "shift": s["shift"]} for s in schedule.get("shifts", [])]}


def normalise_pins(pins: dict | None) -> dict:
    """Return pins in their stored shape: {"visits": {id: {start, bed[, out]}}, "shifts_on": [...], "shifts_off": [...]}.

    ``out: true`` marks a visit the manager left out (``services/left_out.py``).
    """
    pins = pins or {}
    return {"visits": {str(k): {"start": (v or {}).get("start"), "bed": (v or {}).get("bed"),
                                **({"out": True} if (v or {}).get("out") else {})}
                       for k, v in (pins.get("visits") or {}).items()},
            "shifts_on": [list(p) for p in pins.get("shifts_on") or []],
            "shifts_off": [list(p) for p in pins.get("shifts_off") or []]}


def apply_pins(instance: dict, pins: dict | None) -> dict:
    """Return a copy of the instance with the manager's pins made binding.

    A pinned visit start/bed becomes `fixed`; a staff member pinned on a shift gets it in
    `fixed_shifts`; pinned off, an `unavailable` interval covering that shift. Pins naming a
    visit, staff member or shift no longer in the week are ignored. A visit pinned out keeps its
    place in the instance: the solve job takes it out (``left_out.leave_out``).
    """
    pins = normalise_pins(pins)
    out = copy.deepcopy(instance)
    on, off = {tuple(p) for p in pins["shifts_on"]}, {tuple(p) for p in pins["shifts_off"]}
    both = sorted(on & off)
    if both:
        staff, shift = both[0]
        raise DomainError(f"{staff} is pinned both on and off shift {shift}.")
    visits = {v["id"]: v for v in out.get("visits", [])}
    for vid, pin in pins["visits"].items():
        visit = visits.get(vid)
        if visit is None or pin.get("out"):
            continue
        fixed = dict(visit.get("fixed") or {})
        if pin.get("start"):
            fixed["start"] = pin["start"]
        if pin.get("bed") and visit.get("needs_bed", True):
            fixed["bed"] = pin["bed"]
        if fixed:
            visit["fixed"] = fixed
    staff = {s["id"]: s for s in out.get("staff", [])}
    shifts = {s["id"]: s for s in out.get("shifts", [])}
    for sid, shift_id in sorted(on):
        if sid in staff and shift_id in shifts:
            fixed = staff[sid].setdefault("fixed_shifts", [])
            if shift_id not in fixed:
                fixed.append(shift_id)
    for sid, shift_id in sorted(off):
        if sid in staff and shift_id in shifts:
            person = staff[sid]
            person["fixed_shifts"] = [f for f in person.get("fixed_shifts", []) if f != shift_id]
            person.setdefault("unavailable", []).append(
                {"start": shifts[shift_id]["start"], "end": shifts[shift_id]["end"]})
    return out


def build_instance(week: str, pins: dict | None, published: ScheduleVersion | None) -> dict:
    """Export the week from the database, with the published schedule as `previous`, then pin."""
    from .scheduling import export_week

    return apply_pins(export_week(week, previous=previous_of(published)), pins)


# --- generate ---------------------------------------------------------------------------------

def _running_message(week: ScheduleWeek) -> str:
    job = db.session.get(SolveJob, week.active_job_id)
    when = _hhmm(job.started_at or job.created_at) if job else "?"
    who = _user_name(job.requested_by_id) if job else "someone"
    return f"A solve for {week.week} is already running (started {when} by {who})."


def start_solve(user, week: str, time_limit_s: float, pins: dict | None = None,
                based_on: ScheduleVersion | None = None) -> SolveJob:
    """Queue a solve of the week, claiming it so that only one solve per week runs at a time."""
    require_planner(user)
    week = parse_week(week)
    if not MIN_TIME_LIMIT_S <= float(time_limit_s) <= MAX_TIME_LIMIT_S:
        raise DomainError(f"Give the solver between {MIN_TIME_LIMIT_S:.0f} and {MAX_TIME_LIMIT_S:.0f} seconds.",
                          field="time_limit_s")
    pins = normalise_pins(pins)
    row = get_or_create_week(week)
    if based_on is not None and based_on.week_id != row.id:
        raise DomainError("A re-solve must start from a version of the same week.")
    fail_stale_jobs()
    if row.active_job_id is not None:
        raise Conflict(_running_message(row))
    build_instance(week, pins, row.published_version)  # refuse a week that cannot be exported, now
    job = SolveJob(week_id=row.id, status=JobStatus.queued, time_limit_s=float(time_limit_s), pins=pins,
                   based_on_id=based_on.id if based_on else row.published_version_id,
                   progress={"status": "queued"}, requested_by_id=user.id)
    db.session.add(job)
    db.session.flush()
    claimed = db.session.execute(
        update(ScheduleWeek).where(ScheduleWeek.id == row.id, ScheduleWeek.active_job_id.is_(None))
        .values(active_job_id=job.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.refresh(row)
        raise Conflict(_running_message(row))
    db.session.refresh(row)
    return job


def retry_job(user, job: SolveJob) -> SolveJob:
    """Start the same solve again (same week, time limit, pins) after it failed or was cancelled."""
    require_planner(user)
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise Conflict("Only a failed or cancelled solve can be retried.")
    based_on = db.session.get(ScheduleVersion, job.based_on_id) if job.based_on_id else None
    return start_solve(user, job.week.week, job.time_limit_s, pins=job.pins, based_on=based_on)


def request_cancel(user, job: SolveJob) -> SolveJob:
    """Ask a solve to stop (it keeps its best schedule); a queued solve is cancelled at once."""
    require_planner(user)
    if job.status == JobStatus.queued:
        job.status, job.finished_at, job.cancel_requested = JobStatus.cancelled, utcnow(), True
        release_week(job)
    elif job.status == JobStatus.running:
        job.cancel_requested = True
    else:
        raise Conflict(f"This solve has already {job.status.value}.")
    db.session.flush()
    return job


def release_week(job: SolveJob) -> None:
    """Free the job's week for the next solve (only if this job still holds it)."""
    db.session.execute(update(ScheduleWeek).where(ScheduleWeek.id == job.week_id,
                                                  ScheduleWeek.active_job_id == job.id)
                       .values(active_job_id=None).execution_options(synchronize_session=False))
    db.session.expire(job.week)


STALE_AFTER = timedelta(seconds=30)
STALE_MESSAGE = "The worker stopped while solving; nothing was saved."


def fail_stale_jobs(now: datetime | None = None, stale_after: timedelta = STALE_AFTER) -> list[SolveJob]:
    """Mark failed every running solve whose worker has not signalled for `stale_after`; free its week."""
    cutoff = (now or utcnow()) - stale_after
    stale = db.session.scalars(select(SolveJob).where(
        SolveJob.status == JobStatus.running,
        func.coalesce(SolveJob.heartbeat_at, SolveJob.started_at, SolveJob.created_at) < cutoff)).all()
    for job in stale:
        job.status, job.error, job.finished_at = JobStatus.failed, STALE_MESSAGE, utcnow()
        release_week(job)
    db.session.flush()
    return list(stale)


# --- read ---------------------------------------------------------------------------------------

def get_job(user, job_id: int) -> SolveJob:
    """Return a solve job (managers only)."""
    require_planner(user)
    job = db.session.get(SolveJob, job_id)
    if job is None:
        raise NotFound("There is no such solve.")
    return job


def get_version(user, version_id: int) -> ScheduleVersion:
    """Return a schedule version (managers only)."""
    require_planner(user)
    version = db.session.get(ScheduleVersion, version_id)
    if version is None:
        raise NotFound("There is no such schedule version.")
    return version


def lock_draft(version: ScheduleVersion) -> None:
    """Re-read the version under a row lock so a concurrent publish/discard/edit is seen, not overwritten."""
    db.session.refresh(version, with_for_update=True)


def require_draft(version: ScheduleVersion) -> None:
    """Raise Conflict unless the version can still change (published versions are immutable)."""
    lock_draft(version)
    if version.status != VersionStatus.draft:
        label = f"Version {version.number}" if version.number else "This schedule"
        raise Conflict(f"{label} is {version.status.value}; it can no longer be changed.")


def week_overview(weeks: list[str]) -> list[dict]:
    """Return, per week label: its row, published version, drafts and the running job."""
    rows = {w.week: w for w in db.session.scalars(select(ScheduleWeek).where(ScheduleWeek.week.in_(weeks)))}
    out = []
    for label in weeks:
        row = rows.get(label)
        drafts = [] if row is None else db.session.scalars(
            select(ScheduleVersion).where(ScheduleVersion.week_id == row.id,
                                          ScheduleVersion.status == VersionStatus.draft)
            .order_by(ScheduleVersion.created_at.desc())).all()
        job = db.session.get(SolveJob, row.active_job_id) if row and row.active_job_id else None
        out.append({"week": label, "row": row, "published": row.published_version if row else None,
                    "drafts": drafts, "job": job})
    return out


def recent_jobs(limit: int = 10) -> list[SolveJob]:
    """Return the latest solves, newest first."""
    return db.session.scalars(select(SolveJob).order_by(SolveJob.id.desc()).limit(limit)).all()


def check_version(version: ScheduleVersion):
    """Re-verify a version's schedule against its instance with the independent checker."""
    from ..solver import check

    return check(version.instance, version.schedule)


def version_diff(version: ScheduleVersion) -> tuple[ScheduleVersion | None, dict]:
    """Return the week's published version and the changes from it to this version."""
    from .diff import diff_schedules

    published = version.week.published_version
    if published is not None and published.id == version.id:
        published = version.based_on
    old_instance = published.instance if published else None
    old_schedule = published.schedule if published else None
    return published, diff_schedules(old_instance, old_schedule, version.instance, version.schedule)


# --- publish -----------------------------------------------------------------------------------

def _publish_conflict(week: ScheduleWeek) -> Conflict:
    db.session.expire(week)
    current = week.published_version
    if current is None:
        return Conflict("Another manager changed this week after your draft was made; your draft is kept — "
                        "re-solve from the new version.")
    return Conflict(f"Another manager published this week (version {current.number} by "
                    f"{_user_name(current.published_by_id)} at {_hhmm(current.published_at)}) after your draft "
                    "was made; your draft is kept — re-solve from the new version.")


def _check_publishable(version: ScheduleVersion) -> None:
    require_draft(version)
    if version.solver_status not in PUBLISHABLE:
        raise Conflict(f"This draft has no workable schedule ({version.solver_status}); it can't be published.")
    report = check_version(version)
    if not report.ok:
        first = "; ".join(v.message for v in report.violations[:3])
        raise Conflict(f"This draft breaks {len(report.violations)} rule(s) and can't be published: {first}")


def publish_version(user, version: ScheduleVersion) -> ScheduleVersion:
    """Publish a draft: it becomes the week's numbered version unless another publish came first."""
    require_planner(user)
    _check_publishable(version)
    week = version.week
    won = db.session.execute(
        update(ScheduleWeek).where(ScheduleWeek.id == week.id, ScheduleWeek.lock == version.base_lock)
        .values(lock=ScheduleWeek.lock + 1, published_version_id=version.id)
        .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise _publish_conflict(week)
    previous = None
    highest = db.session.scalar(select(func.max(ScheduleVersion.number))
                                .where(ScheduleVersion.week_id == week.id)) or 0
    for old in db.session.scalars(select(ScheduleVersion).where(
            ScheduleVersion.week_id == week.id, ScheduleVersion.status == VersionStatus.published)):
        old.status, previous = VersionStatus.superseded, old
    version.number, version.status = highest + 1, VersionStatus.published
    version.published_by_id, version.published_at = user.id, utcnow()
    _update_visit_statuses(version, previous)
    db.session.flush()
    db.session.expire(week)
    return version


def _visit_requests(version: ScheduleVersion | None) -> dict[int, str]:
    """Map visit-request id -> instance visit id for the visits a version places."""
    if version is None:
        return {}
    out = {}
    for placed in (version.schedule or {}).get("visits", []):
        request_id = visit_request_id(placed["visit"])
        if request_id is not None:
            out[request_id] = placed["visit"]
    return out


def visit_request_id(visit_id: str) -> int | None:
    """Return the visit-request id behind an instance visit id ("VR12" -> 12)."""
    match = VISIT_ID_RE.match(visit_id or "")
    return int(match.group(1)) if match else None


def _update_visit_statuses(version: ScheduleVersion, previous: ScheduleVersion | None) -> None:
    placed, before = _visit_requests(version), _visit_requests(previous)
    ids = set(placed) | set(before)
    if not ids:
        return
    for visit in db.session.scalars(select(VisitRequest).where(VisitRequest.id.in_(ids))):
        if visit.id in placed and visit.status in (VisitStatus.approved, VisitStatus.requested):
            visit.status = VisitStatus.scheduled
        elif visit.id not in placed and visit.status == VisitStatus.scheduled:
            visit.status = VisitStatus.approved


def discard_version(user, version: ScheduleVersion) -> ScheduleVersion:
    """Set a draft aside; it stays readable but can no longer be published."""
    require_planner(user)
    require_draft(version)
    version.status = VersionStatus.discarded
    db.session.flush()
    return version
