"""Reference and sense checks of an instance, and its conversion to dataclasses.

Both check functions take a dict that already passed the schema and return
``(field, message)`` pairs; ``build_problem`` takes a dict that passed all.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .problem import (Bed, Interval, Participant, Policies, Precedence, Previous,
                      PreviousVisit, Problem, Room, Segment, Shift, Staff, Task,
                      Visit, Weights)

RESERVED_ANCHORS = ("start", "end")
_KINDS = ("rooms", "beds", "shifts", "staff", "participants", "studies", "visits")


def reference_errors(data: dict) -> list[tuple[str, str]]:
    """Return duplicate ids and references to things the instance lacks."""
    errors: list[tuple[str, str]] = []
    ids: dict[str, set[str]] = {}
    for kind in _KINDS:
        seen: set[str] = set()
        for i, item in enumerate(data.get(kind, [])):
            if item["id"] in seen:
                errors.append((f"{kind}[{i}].id", f"{item['id']!r} is used twice"))
            seen.add(item["id"])
        ids[kind] = seen
    beds, shifts, staff, visits = ids["beds"], ids["shifts"], ids["staff"], ids["visits"]
    for i, bed in enumerate(data["beds"]):
        if bed["room"] not in ids["rooms"]:
            errors.append((f"beds[{i}].room", f"no room {bed['room']!r}"))
    for i, person in enumerate(data["staff"]):
        for key in ("preferred_off", "fixed_shifts"):
            for j, sid in enumerate(person.get(key, [])):
                if sid not in shifts:
                    errors.append((f"staff[{i}].{key}[{j}]", f"no shift {sid!r}"))
    tasks_of: dict[str, set[str]] = {}
    for i, visit in enumerate(data["visits"]):
        where = f"visits[{i}]"
        if visit["participant"] not in ids["participants"]:
            errors.append((f"{where}.participant", f"no participant {visit['participant']!r}"))
        bed = visit.get("fixed", {}).get("bed")
        if bed is not None and bed not in beds:
            errors.append((f"{where}.fixed.bed", f"no bed {bed!r}"))
        seen = set()
        for j, task in enumerate(visit.get("tasks", [])):
            if task["id"] in RESERVED_ANCHORS:
                errors.append((f"{where}.tasks[{j}].id",
                               f"{task['id']!r} is reserved for precedence anchors"))
            elif task["id"] in seen:
                errors.append((f"{where}.tasks[{j}].id", f"{task['id']!r} is used twice in this visit"))
            seen.add(task["id"])
        tasks_of.setdefault(visit["id"], seen)
    for i, prec in enumerate(data.get("precedences", [])):
        for side in ("before", "after"):
            where = f"precedences[{i}]"
            vid = prec[side]
            if vid not in visits:
                errors.append((f"{where}.{side}", f"no visit {vid!r}"))
                continue
            anchor = prec.get(f"{side}_anchor", "start")
            if anchor not in RESERVED_ANCHORS and anchor not in tasks_of[vid]:
                errors.append((f"{where}.{side}_anchor",
                               f"{anchor!r} is not 'start', 'end' or a task of visit {vid!r}"))
    previous = data.get("previous", {})
    for i, item in enumerate(previous.get("visits", [])):
        if item["visit"] not in visits:
            errors.append((f"previous.visits[{i}].visit", f"no visit {item['visit']!r}"))
        if item.get("bed") is not None and item["bed"] not in beds:
            errors.append((f"previous.visits[{i}].bed", f"no bed {item['bed']!r}"))
    for i, item in enumerate(previous.get("shifts", [])):
        if item["staff"] not in staff:
            errors.append((f"previous.shifts[{i}].staff", f"no staff member {item['staff']!r}"))
        if item["shift"] not in shifts:
            errors.append((f"previous.shifts[{i}].shift", f"no shift {item['shift']!r}"))
    return errors


def _hhmm(text: str) -> int | None:
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _datetimes(data: dict):
    """Yield ``(field, text)`` for every datetime of the instance."""
    yield "horizon.start", data["horizon"]["start"]
    yield "horizon.end", data["horizon"]["end"]
    for i, shift in enumerate(data["shifts"]):
        yield f"shifts[{i}].start", shift["start"]
        yield f"shifts[{i}].end", shift["end"]
    for i, person in enumerate(data["staff"]):
        for j, gap in enumerate(person.get("unavailable", [])):
            yield f"staff[{i}].unavailable[{j}].start", gap["start"]
            yield f"staff[{i}].unavailable[{j}].end", gap["end"]
    for i, visit in enumerate(data["visits"]):
        for key in ("earliest_start", "latest_start", "target_start"):
            if key in visit:
                yield f"visits[{i}].{key}", visit[key]
        if "start" in visit.get("fixed", {}):
            yield f"visits[{i}].fixed.start", visit["fixed"]["start"]
    for i, item in enumerate(data.get("previous", {}).get("visits", [])):
        yield f"previous.visits[{i}].start", item["start"]


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 datetime with offset (``Z`` allowed)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sense_errors(data: dict) -> list[tuple[str, str]]:
    """Return values that are well-formed but make no sense together."""
    errors: list[tuple[str, str]] = []
    try:
        ZoneInfo(data["unit"]["timezone"])
    except (ValueError, KeyError, OSError):
        errors.append(("unit.timezone", f"unknown time zone {data['unit']['timezone']!r}"))
    frm, to = (_hhmm(t) for t in data["unit"]["admission_hours"])
    for k, value in enumerate((frm, to)):
        if value is None:
            errors.append((f"unit.admission_hours[{k}]", "is not a time of day"))
    if frm is not None and to is not None and frm >= to:
        errors.append(("unit.admission_hours", "the first time must be before the second "
                       "(no overnight admission window)"))
    for where, text in _datetimes(data):
        try:
            value = parse_datetime(text)
        except ValueError:
            errors.append((where, f"is not a valid datetime: {text!r}"))
            continue
        if value.second or value.microsecond:
            errors.append((where, f"must be whole minutes (seconds zero), got {text!r}"))
    if errors:
        return errors
    if parse_datetime(data["horizon"]["end"]) <= parse_datetime(data["horizon"]["start"]):
        errors.append(("horizon.end", "must be after horizon.start"))
    spans = []
    for i, shift in enumerate(data["shifts"]):
        start, end = parse_datetime(shift["start"]), parse_datetime(shift["end"])
        if end <= start:
            errors.append((f"shifts[{i}].end", "must be after its start"))
        spans.append((start, end, i))
    spans.sort()
    for (s1, e1, i1), (s2, e2, i2) in zip(spans, spans[1:]):
        if s2 < e1:
            errors.append((f"shifts[{i2}]", f"overlaps shift {data['shifts'][i1]['id']!r}"))
    for i, person in enumerate(data["staff"]):
        for j, gap in enumerate(person.get("unavailable", [])):
            if parse_datetime(gap["end"]) <= parse_datetime(gap["start"]):
                errors.append((f"staff[{i}].unavailable[{j}].end", "must be after its start"))
    for i, visit in enumerate(data["visits"]):
        errors.extend(_visit_sense(visit, f"visits[{i}]"))
    for i, prec in enumerate(data.get("precedences", [])):
        top = prec.get("max_gap_minutes")
        if top is not None and top < prec["min_gap_minutes"]:
            errors.append((f"precedences[{i}].max_gap_minutes",
                           f"must be >= min_gap_minutes ({prec['min_gap_minutes']}), got {top}"))
    return errors


def _visit_sense(visit: dict, where: str) -> list[tuple[str, str]]:
    errors = []
    duration = visit["duration_minutes"]
    if parse_datetime(visit["latest_start"]) < parse_datetime(visit["earliest_start"]):
        errors.append((f"{where}.latest_start", "is before earliest_start (inverted window)"))
    if not visit.get("needs_bed", True) and "bed" in visit.get("fixed", {}):
        errors.append((f"{where}.fixed.bed", "a visit that needs no bed cannot have a fixed bed"))
    for j, seg in enumerate(visit.get("nursing", [])):
        if seg["to_minutes"] <= seg["from_minutes"]:
            errors.append((f"{where}.nursing[{j}].to_minutes",
                           f"must be greater than from_minutes ({seg['from_minutes']}), "
                           f"got {seg['to_minutes']}"))
        elif seg["to_minutes"] > duration:
            errors.append((f"{where}.nursing[{j}].to_minutes",
                           f"must be within the visit's {duration} minutes, got {seg['to_minutes']}"))
    return errors


def _interval(origin: datetime, item: dict) -> Interval:
    start, end = parse_datetime(item["start"]), parse_datetime(item["end"])
    return Interval(start, end, _minutes(origin, start), _minutes(origin, end))


def _minutes(origin: datetime, when: datetime) -> int:
    return int((when - origin).total_seconds() // 60)


def build_problem(data: dict) -> Problem:
    """Turn a fully checked instance dict into a ``Problem``."""
    tz = ZoneInfo(data["unit"]["timezone"])
    origin = parse_datetime(data["horizon"]["start"])
    end = parse_datetime(data["horizon"]["end"])
    frm, to = (_hhmm(t) for t in data["unit"]["admission_hours"])
    shifts = []
    for s in data["shifts"]:
        span = _interval(origin, s)
        shifts.append(Shift(s["id"], span.start, span.end, span.start_min, span.end_min,
                            dict(s["min_staff"]), dict(s.get("min_skill", {}))))
    shifts.sort(key=lambda s: s.start_min)
    staff = {p["id"]: Staff(
        p["id"], p.get("name", p["id"]), frozenset(p["roles"]), frozenset(p["skills"]),
        int(p["max_shifts"]), int(p["max_minutes"]), int(p["min_rest_minutes"]),
        p.get("max_consecutive_days"),
        tuple(_interval(origin, g) for g in p.get("unavailable", [])),
        frozenset(p.get("preferred_off", [])), frozenset(p.get("fixed_shifts", [])))
        for p in data["staff"]}
    visits = {v["id"]: _visit(origin, v) for v in data["visits"]}
    previous = data.get("previous", {})
    prev_visits = {}
    for item in previous.get("visits", []):
        start = parse_datetime(item["start"])
        prev_visits[item["visit"]] = PreviousVisit(item["visit"], start, _minutes(origin, start),
                                                   item.get("bed"))
    prev_shifts = None
    if "shifts" in previous:
        prev_shifts = frozenset((x["staff"], x["shift"]) for x in previous["shifts"])
    return Problem(
        raw=data, id=data["id"], unit_name=data["unit"]["name"], tz=tz,
        horizon_start=origin, horizon_end=end, horizon_minutes=_minutes(origin, end),
        turnover_minutes=int(data["unit"]["turnover_minutes"]),
        admission_from=frm, admission_to=to,
        policies=Policies(**{k: data["policies"][k] for k in
                             ("room_sharing", "default_load_percent", "max_admissions_per_shift")}),
        weights=Weights(**{k: int(data["weights"][k]) for k in
                           ("unscheduled", "target_hour", "continuity", "preferred_off",
                            "changed_visit", "changed_shift")}),
        rooms={r["id"]: Room(r["id"], r.get("name", r["id"])) for r in data["rooms"]},
        beds={b["id"]: Bed(b["id"], b["room"], frozenset(b["features"])) for b in data["beds"]},
        shifts=tuple(shifts), staff=staff,
        participants={p["id"]: Participant(p["id"], p.get("study"), p["sex"], p["age_group"])
                      for p in data["participants"]},
        visits=visits,
        precedences=tuple(Precedence(
            p["before"], p["after"], p.get("before_anchor", "start"), p.get("after_anchor", "start"),
            int(p["min_gap_minutes"]),
            None if p.get("max_gap_minutes") is None else int(p["max_gap_minutes"]),
            p.get("why", "")) for p in data.get("precedences", [])),
        previous=Previous(prev_visits, prev_shifts),
    )


def _visit(origin: datetime, v: dict) -> Visit:
    earliest, latest = parse_datetime(v["earliest_start"]), parse_datetime(v["latest_start"])
    target = parse_datetime(v["target_start"]) if "target_start" in v else None
    fixed = v.get("fixed", {})
    fixed_start = parse_datetime(fixed["start"]) if "start" in fixed else None
    return Visit(
        id=v["id"], participant=v["participant"], study=v.get("study"), label=v.get("label", ""),
        duration_minutes=int(v["duration_minutes"]), earliest_start=earliest, latest_start=latest,
        target_start=target, start_step_minutes=int(v["start_step_minutes"]),
        needs_bed=bool(v.get("needs_bed", True)), mandatory=bool(v["mandatory"]),
        priority=int(v["priority"]), bed_features=frozenset(v.get("bed_features", [])),
        nursing=tuple(Segment(int(s["from_minutes"]), int(s["to_minutes"]), int(s["load_percent"]),
                              frozenset(s.get("skills", []))) for s in v.get("nursing", [])),
        tasks=tuple(Task(t["id"], t.get("label", t["id"]), int(t["offset_minutes"]),
                         int(t["duration_minutes"]), t["role"], int(t["count"]))
                    for t in v.get("tasks", [])),
        fixed_start=fixed_start, fixed_bed=fixed.get("bed"),
        earliest_min=_minutes(origin, earliest), latest_min=_minutes(origin, latest),
        target_min=None if target is None else _minutes(origin, target),
        fixed_start_min=None if fixed_start is None else _minutes(origin, fixed_start),
    )
