"""The one bridge between the database and the engine's ``trc-instance/1`` format.

This half turns the rows of one ISO week into an instance (``export_week``); the
other half will turn a schedule back into rows. The export is a pure function of
the database state: every list is sorted by id, and each table is read once.

Readings of the points the data model leaves open:

* **Horizon.** Monday at the day shift's start (local) to the next Monday at the
  same local time, so a week is 167, 168 or 169 hours across a DST change.
* **Bed closures.** A bed that is decommissioned, in an inactive room, or closed at
  *any* moment of the horizon is left out of the week. The format cannot express a
  bed that is free for part of a week, and a dummy blocking visit would not be
  neutral (it takes nurse load, an admission slot and binds room sharing), so the
  sound reading is the conservative one. A stay in progress pinned to such a bed
  is a contradiction the manager must resolve: the export refuses with Conflict.
* **Windows that straddle the week.** A visit is exported when its window holds a
  start on its grid inside ``[horizon.start, horizon.end)``; the window is cut to
  the first and last such grid points (the grid stays counted from the stored
  ``earliest_start``) and the target is clamped into it. A mandatory visit whose
  window runs on past this week is exported as optional: it may still go next week,
  so only the week holding the end of its window must place it.
* **Stays in progress and pinned visits.** A visit with ``fixed_start`` is exported
  when its stay overlaps the horizon, with earliest = latest = target = that start,
  and ``fixed`` {start, bed}. One that began before the horizon is mandatory (the
  participant is already in the bed); its tasks before the horizon are past (H8).
  Its tasks that start once the week's last shift has ended are left out: they are
  next week's work, exported with the stay then (tasks before that horizon are past,
  so the two exports cover each task once). Without this, a pinned stay running into
  next week could not be placed at all (H8 wants a shift of the instance per task).
* **Precedences** are exported only when both visits are in the week: the windows
  entered with each request are expected to respect a gap to a visit of another week.
* **Times** are written in the unit's zone with their offset, in whole minutes, any
  seconds rounded to the safe side (earliest start up, latest start down, leave widened).
  Leave is clipped to the instance's span (horizon start to the end of its last shift).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import Conflict
from ..extensions import db
from ..models import (Bed, Room, Shift, ShiftPattern, StaffMember, StaffUnavailability, VisitPrecedence,
                      VisitRequest, VisitStatus, VisitTemplate)
from .unit import get_settings, iso_week, local_instant, parse_iso_week

FORMAT = "trc-instance/1"
EXPORTED_STATUSES = (VisitStatus.approved, VisitStatus.scheduled)
_MINUTE = timedelta(minutes=1)


def week_bounds(week: str, tz: ZoneInfo | str, day_start: str = "07:00") -> tuple[datetime, datetime]:
    """Return the UTC instants of Monday `day_start` and the next Monday `day_start` (local) of a week."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    monday = parse_iso_week(week)
    return local_instant(monday, day_start, zone), local_instant(monday + timedelta(days=7), day_start, zone)


def export_week(week: str, previous: dict | None = None) -> dict:
    """Return the trc-instance/1 problem of an ISO week; `previous` (a published schedule) is copied in."""
    week = iso_week(parse_iso_week(week))
    settings = get_settings()
    if settings is None:
        raise Conflict("Set up the unit (time zone, rooms, beds, shifts) before exporting a week.")
    tz = ZoneInfo(settings.timezone)
    start, end = week_bounds(week, tz, _day_start())

    def iso(when: datetime) -> str:
        return when.astimezone(tz).isoformat(timespec="seconds")

    shifts = _shifts(start, end)
    span_end = max([end] + [s.end for s in shifts])
    beds = _open_beds(start, end)
    visits = _visits(start, end)
    _check_fixed_beds(visits, beds)
    exported = [_visit(v, start, end, span_end, iso) for v in visits]
    instance = {
        "format": FORMAT,
        "id": f"trc-{week}",
        "unit": {"name": settings.name, "timezone": settings.timezone,
                 "turnover_minutes": settings.turnover_minutes,
                 "admission_hours": [settings.admission_from, settings.admission_to]},
        "horizon": {"start": iso(start), "end": iso(end)},
        "policies": {"room_sharing": settings.room_sharing.value,
                     "default_load_percent": settings.default_load_percent,
                     "max_admissions_per_shift": settings.max_admissions_per_shift},
        "weights": settings.weights(),
        "rooms": sorted(({"id": r.code, "name": r.name} for r in {b.room for b in beds}), key=lambda r: r["id"]),
        "beds": [{"id": b.code, "room": b.room.code, "features": sorted(set(b.features or []))} for b in beds],
        "shifts": [_shift(s, iso) for s in shifts],
        "staff": _staff(shifts, start, span_end, tz, iso),
        "participants": _participants(visits),
        "studies": _studies(visits),
        "visits": exported,
        "precedences": _precedences(visits),
    }
    if previous is not None:
        instance["previous"] = previous
    return instance


def _day_start() -> str:
    """Return the start of the earliest active shift pattern (the day shift), else 07:00."""
    first = db.session.scalar(select(func.min(ShiftPattern.start_time)).where(ShiftPattern.active))
    return first or "07:00"


def _floor(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


def _ceil(when: datetime) -> datetime:
    floor = _floor(when)
    return floor if floor == when else floor + _MINUTE


def _shifts(start: datetime, end: datetime) -> list[Shift]:
    query = select(Shift).where(Shift.start >= start, Shift.start < end).order_by(Shift.code)
    return list(db.session.scalars(query))


def _shift(shift: Shift, iso) -> dict:
    item = {"id": shift.code, "start": iso(_floor(shift.start)), "end": iso(_floor(shift.end)),
            "min_staff": dict(sorted((shift.min_staff or {}).items()))}
    if shift.min_skill:
        item["min_skill"] = dict(sorted(shift.min_skill.items()))
    return item


def _open_beds(start: datetime, end: datetime) -> list[Bed]:
    """Return the beds usable during the whole horizon (see the module docstring), by code."""
    query = (select(Bed).join(Bed.room).where(Bed.active, Room.active)
             .options(joinedload(Bed.room), selectinload(Bed.closures)).order_by(Bed.code))
    return [bed for bed in db.session.scalars(query) if not bed.closed_during(start, end)]


def _staff(shifts: list[Shift], start: datetime, span_end: datetime, tz: ZoneInfo, iso) -> list[dict]:
    """Return the active staff with limits, leave clipped to the week and preferred-off shift ids."""
    people = db.session.scalars(select(StaffMember).where(StaffMember.active).order_by(StaffMember.code)).all()
    leave: dict[int, list[StaffUnavailability]] = {}
    query = (select(StaffUnavailability)
             .where(StaffUnavailability.start < span_end, StaffUnavailability.end > start)
             .order_by(StaffUnavailability.start, StaffUnavailability.id))
    for gap in db.session.scalars(query):
        leave.setdefault(gap.staff_id, []).append(gap)
    weekday_of = {s.code: s.start.astimezone(tz).isoweekday() for s in shifts}
    result = []
    for person in people:
        item = {"id": person.code, "name": person.name, "roles": sorted(set(person.roles or [])),
                "skills": sorted(set(person.skills or [])), "max_shifts": person.max_shifts_per_week,
                "max_minutes": person.max_minutes_per_week, "min_rest_minutes": person.min_rest_minutes}
        if person.max_consecutive_days and person.max_consecutive_days >= 1:
            item["max_consecutive_days"] = person.max_consecutive_days
        item["unavailable"] = [{"start": iso(_floor(max(g.start, start))), "end": iso(_ceil(min(g.end, span_end)))}
                               for g in leave.get(person.id, [])]
        days_off = set(person.preferred_days_off or [])
        item["preferred_off"] = [code for code, day in weekday_of.items() if day in days_off]
        result.append(item)
    return result


def _visits(start: datetime, end: datetime) -> list[VisitRequest]:
    """Return the approved/scheduled requests that belong to the week, by id (see the module docstring)."""
    longest = db.session.scalar(select(func.max(VisitTemplate.duration_minutes))) or 0
    query = (
        select(VisitRequest)
        .where(VisitRequest.status.in_(EXPORTED_STATUSES),
               or_(VisitRequest.fixed_start.is_(None)
                   & (VisitRequest.earliest_start < end) & (VisitRequest.latest_start >= start),
                   (VisitRequest.fixed_start < end)
                   & (VisitRequest.fixed_start > start - timedelta(minutes=longest))))
        .options(joinedload(VisitRequest.study), joinedload(VisitRequest.participant),
                 joinedload(VisitRequest.fixed_bed),
                 joinedload(VisitRequest.template).selectinload(VisitTemplate.segments),
                 joinedload(VisitRequest.template).selectinload(VisitTemplate.tasks))
        .order_by(VisitRequest.id))
    chosen = []
    for visit in db.session.scalars(query).unique():
        if visit.fixed_start is not None:
            if visit.fixed_start + timedelta(minutes=visit.template.duration_minutes) > start:
                chosen.append(visit)
        elif _window(visit, start, end) is not None:
            chosen.append(visit)
    return chosen


def _window(visit: VisitRequest, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """Return the first and last grid starts of the visit inside [start, end), or None if there is none."""
    step = timedelta(minutes=visit.template.start_step_minutes)
    origin = _ceil(visit.earliest_start)
    first = origin if origin >= start else origin + step * -(-(start - origin) // step)
    last_allowed = min(_floor(visit.latest_start), end - _MINUTE)
    if first > last_allowed:
        return None
    return first, origin + step * ((last_allowed - origin) // step)


def _check_fixed_beds(visits: list[VisitRequest], beds: list[Bed]) -> None:
    """Refuse a stay pinned to a bed that is not usable this week (closed, inactive)."""
    open_ids = {b.id for b in beds}
    for visit in visits:
        if visit.fixed_bed_id and visit.template.needs_bed and visit.fixed_bed_id not in open_ids:
            raise Conflict(f"Visit VR{visit.id} ({visit.display_label}) is fixed to bed {visit.fixed_bed.code}, "
                           "which is closed or inactive during this week; reopen the bed or move the stay.",
                           field="fixed_bed")


def _visit(visit: VisitRequest, start: datetime, end: datetime, span_end: datetime, iso) -> dict:
    template = visit.template
    duration = template.duration_minutes
    mandatory = visit.mandatory
    fixed = {}
    tasks = sorted(template.tasks, key=lambda t: (t.offset_minutes, t.code))
    if visit.fixed_start is not None:
        earliest = latest = target = _floor(visit.fixed_start)
        tasks = [t for t in tasks if earliest + timedelta(minutes=t.offset_minutes) < span_end]
        fixed["start"] = iso(earliest)
        if template.needs_bed and visit.fixed_bed is not None:
            fixed["bed"] = visit.fixed_bed.code
        mandatory = mandatory or earliest < start
    else:
        earliest, latest = _window(visit, start, end)
        target = min(max(visit.target_start or earliest, earliest), latest)
        mandatory = mandatory and visit.latest_start < end
    item = {
        "id": f"VR{visit.id}", "participant": _participant_id(visit), "study": visit.study.code,
        "label": visit.display_label, "duration_minutes": duration,
        "earliest_start": iso(earliest), "latest_start": iso(latest), "target_start": iso(_floor(target)),
        "start_step_minutes": template.start_step_minutes, "needs_bed": template.needs_bed,
        "mandatory": bool(mandatory), "priority": visit.priority,
        "bed_features": sorted(set(template.bed_features or [])) if template.needs_bed else [],
        # A segment reaching past the visit (the template was shortened) is cut at its end.
        "nursing": [{"from_minutes": s.from_minutes, "to_minutes": min(s.to_minutes, duration),
                     "load_percent": s.load_percent, "skills": sorted(set(s.skills or []))}
                    for s in template.segments if s.from_minutes < duration],
        "tasks": [{"id": t.code, "label": t.label, "offset_minutes": t.offset_minutes,
                   "duration_minutes": t.duration_minutes, "role": t.role, "count": t.count}
                  for t in tasks],
    }
    if fixed:
        item["fixed"] = fixed
    return item


def participant_code(participant: str, study: str) -> str:
    """Return the participant's code without the 'STUDY/' prefix the export adds for uniqueness."""
    return participant[len(study) + 1:] if study and participant.startswith(study + "/") else participant


def _participant_id(visit: VisitRequest) -> str:
    # Participant codes are unique only within a study.
    return f"{visit.study.code}/{visit.participant.code}"


def _participants(visits: list[VisitRequest]) -> list[dict]:
    people = {_participant_id(v): v for v in visits}
    return [{"id": pid, "study": v.study.code, "sex": v.participant.sex.value,
             "age_group": v.participant.age_group.value} for pid, v in sorted(people.items())]


def _studies(visits: list[VisitRequest]) -> list[dict]:
    studies = {v.study.code: v.study for v in visits}
    return [{"id": code, "title": s.title, "phase": s.phase.value, "first_in_human": s.first_in_human}
            for code, s in sorted(studies.items())]


def _precedences(visits: list[VisitRequest]) -> list[dict]:
    """Return the precedences whose two visits are both in the week."""
    ids = [v.id for v in visits]
    if not ids:
        return []
    query = (select(VisitPrecedence)
             .where(VisitPrecedence.before_id.in_(ids), VisitPrecedence.after_id.in_(ids))
             .order_by(VisitPrecedence.before_id, VisitPrecedence.after_id, VisitPrecedence.id))
    return [{"before": f"VR{p.before_id}", "after": f"VR{p.after_id}",
             "before_anchor": p.before_anchor or "start", "after_anchor": p.after_anchor or "start",
             "min_gap_minutes": p.min_gap_minutes, "max_gap_minutes": p.max_gap_minutes,
             "why": p.why or p.kind.value}
            for p in db.session.scalars(query)]
