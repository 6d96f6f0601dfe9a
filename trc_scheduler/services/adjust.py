"""Manual changes to a draft schedule, each re-verified by the engine's checker before it is saved.

A change is applied to a copy of the version's schedule; primary nurses and task staff of the stays it
touches are kept when still valid, else repaired greedily with staff already working those shifts
(no shift is added behind the manager's back). Then `check(instance, schedule)` runs: if any hard
rule breaks, `ChangeRejected` lists the violations in words and nothing is saved.

Pins (read by the re-solve, format shared with services/schedules.py):
- `pin_stay`: keep a stay where given (start and/or bed; both where it is now when neither is
  given), moving it first when the values differ;
- `move_stay`: change a stay's start and/or bed, and pin its new start and bed, so a re-solve around
  the pins keeps the manual move;
- `unschedule`: leave a stay out with the reason "unscheduled by <manager>", pinned out (``out``):
  a re-solve leaves it out too (``left_out.py``); pinning or moving it schedules it again;
- `shift_on` / `shift_off`: put a staff member on or off a shift, pinned either way.
Manual edits void any proof of optimality: the status becomes FEASIBLE and the objective is the cost
the checker recomputes. The engine's bound is kept unless the new cost is below it (then it was a
bound of a differently pinned problem, not of this one, and is dropped).
"""
import copy
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..errors import Conflict, DomainError
from ..extensions import db
from ..models import ScheduleVersion, VersionStatus
from ..solver import CheckReport, check
from ..solver.parsed import Instance, parse_dt, parse_instance
from .boards import fmt
from .schedules import lock_draft
from .unit import require_manager


class ChangeRejected(DomainError):
    """A manual change that would break hard rules of the schedule; `violations` say which, in words."""

    status = 422

    def __init__(self, violations: list[str]):
        count = len(violations)
        super().__init__(f"Not saved: this change breaks {count} rule{'s' if count != 1 else ''} of the schedule.")
        self.violations = violations


@dataclass
class ChangeReport:
    """What a saved change did: a sentence for the manager, the cost before and after, the check."""

    summary: str
    previous_cost: int | None
    check: CheckReport

    @property
    def cost(self) -> int:
        return self.check.cost

    @property
    def cost_terms(self) -> dict:
        return self.check.cost_terms

    @property
    def ok(self) -> bool:
        return self.check.ok


def draft_fingerprint(version: ScheduleVersion) -> str:
    """Return a short digest of a draft's schedule and pins, so a form can tell whether it changed meanwhile."""
    state = {"schedule": version.schedule, "pins": version.pins or {}}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


def require_draft(version: ScheduleVersion) -> None:
    """Raise Conflict unless the version is a draft (published versions are immutable)."""
    lock_draft(version)
    if version.status != VersionStatus.draft:
        label = f"version {version.number}" if version.number else "this version"
        raise Conflict(f"This schedule is {version.status.value} ({label}) and cannot be changed; "
                       "re-solve the week to get a new draft.")


class _Draft:
    """A working copy of a schedule and its pins, with the lookups the changes need."""

    def __init__(self, inst: Instance, schedule: dict, pins: dict):
        self.inst, self.s, self.pins = inst, schedule, pins
        for key in ("visits", "unscheduled", "shifts", "primary_nurses", "tasks"):
            self.s.setdefault(key, [])
        pins.setdefault("visits", {})
        pins.setdefault("shifts_on", [])
        pins.setdefault("shifts_off", [])

    def entry(self, vid: str) -> dict | None:
        return next((e for e in self.s["visits"] if e["visit"] == vid), None)

    def starts(self) -> dict[str, int]:
        return {e["visit"]: self.inst.minutes(e["start"]) for e in self.s["visits"]}

    def worked(self) -> set[tuple[str, str]]:
        return {(e["staff"], e["shift"]) for e in self.s["shifts"]}

    def pin_pair(self, kind: str, pair: list[str]) -> None:
        other = "shifts_off" if kind == "shifts_on" else "shifts_on"
        self.pins[other] = [p for p in self.pins[other] if list(p) != pair]
        if pair not in [list(p) for p in self.pins[kind]]:
            self.pins[kind].append(pair)


def _visit_id(inst: Instance, change: dict) -> str:
    vid = change.get("visit")
    if vid not in inst.visits:
        raise DomainError(f"Visit {vid!r} is not in this week's schedule.", field="visit")
    return vid


def _start_iso(inst: Instance, value) -> str | None:
    if value in (None, ""):
        return None
    try:
        when = parse_dt(value) if isinstance(value, str) else value
    except ValueError:
        when = None
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise DomainError("Give the start as a local date and time.", field="start")
    return when.astimezone(inst.tz).replace(second=0, microsecond=0).isoformat()


def _bed(inst: Instance, change: dict) -> str | None:
    bed = change.get("bed") or None
    if bed is not None and bed not in inst.beds:
        raise DomainError(f"Bed {bed} is not in this week's schedule.", field="bed")
    return bed


def _place(d: _Draft, vid: str, start: str | None, bed: str | None) -> dict:
    """Put a stay at a start and/or bed (scheduling it when it was left out); repair its staff."""
    entry, moved = d.entry(vid), False
    if entry is None:
        if start is None:
            raise DomainError(f"{vid} is not scheduled: give a start to place it.", field="start")
        if d.inst.visits[vid].needs_bed and bed is None:
            raise DomainError(f"{vid} is not scheduled and needs a bed: choose one.", field="bed")
        d.s["unscheduled"] = [u for u in d.s["unscheduled"] if u["visit"] != vid]
        entry, moved = {"visit": vid, "start": start}, True
        d.s["visits"].append(entry)
    if start is not None and parse_dt(start) != parse_dt(entry["start"]):
        entry["start"], moved = start, True
    if bed is not None and bed != entry.get("bed"):
        entry["bed"], moved = bed, True
    if moved:
        repair(d, vid)
    return entry


def _where(d: _Draft, entry: dict) -> str:
    at = fmt(d.inst, d.inst.minutes(entry["start"]))
    return f"{entry['bed']}, {at}" if entry.get("bed") else at


def _pin_stay(d: _Draft, change: dict, user) -> str:
    vid = _visit_id(d.inst, change)
    start, bed = _start_iso(d.inst, change.get("start")), _bed(d.inst, change)
    if start is None and bed is None and d.entry(vid) is None:
        raise DomainError(f"{vid} is not scheduled: give a start (and a bed) to pin it.", field="start")
    entry = _place(d, vid, start, bed)
    pin = dict(d.pins["visits"].get(vid) or {"start": None, "bed": None})
    pin.pop("out", None)
    if start is None and bed is None:
        pin = {"start": entry["start"], "bed": entry.get("bed")}
    else:
        pin.update({k: v for k, v in (("start", entry["start"] if start else None), ("bed", bed)) if v})
    d.pins["visits"][vid] = pin
    return f"{vid} pinned at {_where(d, entry)}."


def _move_stay(d: _Draft, change: dict, user) -> str:
    vid = _visit_id(d.inst, change)
    start, bed = _start_iso(d.inst, change.get("start")), _bed(d.inst, change)
    if start is None and bed is None:
        raise DomainError("Give a new bed, a new start, or both.", field="bed")
    entry = _place(d, vid, start, bed)
    d.pins["visits"][vid] = {"start": entry["start"], "bed": entry.get("bed")}
    return f"{vid} moved to {_where(d, entry)} (and pinned)."


def _unschedule(d: _Draft, change: dict, user) -> str:
    vid = _visit_id(d.inst, change)
    if d.entry(vid) is None:
        raise DomainError(f"{vid} is already unscheduled.", field="visit")
    d.s["visits"] = [e for e in d.s["visits"] if e["visit"] != vid]
    d.s["primary_nurses"] = [e for e in d.s["primary_nurses"] if e["visit"] != vid]
    d.s["tasks"] = [e for e in d.s["tasks"] if e["visit"] != vid]
    d.s["unscheduled"].append({"visit": vid, "reason": f"unscheduled by {user.display_name}"})
    d.pins["visits"][vid] = {"start": None, "bed": None, "out": True}
    return f"{vid} unscheduled."


def _staff_shift(d: _Draft, change: dict) -> list[str]:
    staff, sid = change.get("staff"), change.get("shift")
    if staff not in d.inst.staff:
        raise DomainError(f"Staff member {staff!r} is not in this week's schedule.", field="staff")
    if sid not in d.inst.shift_by_id:
        raise DomainError(f"Shift {sid!r} is not in this week's schedule.", field="shift")
    return [staff, sid]


def _shift_on(d: _Draft, change: dict, user) -> str:
    pair = _staff_shift(d, change)
    if tuple(pair) not in d.worked():
        d.s["shifts"].append({"staff": pair[0], "shift": pair[1]})
    d.pin_pair("shifts_on", pair)
    return f"{pair[0]} works {pair[1]} (pinned)."


def _shift_off(d: _Draft, change: dict, user) -> str:
    staff, sid = pair = _staff_shift(d, change)
    d.s["shifts"] = [e for e in d.s["shifts"] if (e["staff"], e["shift"]) != (staff, sid)]
    starts = d.starts()
    touched = {e["visit"] for e in d.s["primary_nurses"] if (e["staff"], e["shift"]) == (staff, sid)}
    for e in d.s["tasks"]:
        task = d.inst.visits[e["visit"]].tasks.get(e["task"]) if e["visit"] in starts else None
        shift = d.inst.shift_at(starts[e["visit"]] + task.offset) if task else None
        if shift is not None and shift.id == sid and staff in e.get("staff", []):
            touched.add(e["visit"])
    for vid in sorted(touched):
        repair(d, vid)
    d.pin_pair("shifts_off", pair)
    care = f"; care of {', '.join(sorted(touched))} reassigned" if touched else ""
    return f"{staff} is off {sid} (pinned){care}."


_HANDLERS = {"pin_stay": _pin_stay, "move_stay": _move_stay, "unschedule": _unschedule,
             "shift_on": _shift_on, "shift_off": _shift_off}


def repair(d: _Draft, vid: str) -> None:
    """Keep a stay's still-valid primary nurses and task staff; fill the gaps from staff on shift."""
    inst, starts, worked = d.inst, d.starts(), d.worked()
    visit, start = inst.visits[vid], starts[vid]
    loads = defaultdict(int)
    for e in d.s["primary_nurses"]:
        if e["visit"] != vid and e["visit"] in starts:
            need = inst.nursing_needs(inst.visits[e["visit"]], starts[e["visit"]]).get(e["shift"])
            loads[(e["staff"], e["shift"])] += need[0] if need else 0
    current = {e["shift"]: e["staff"] for e in d.s["primary_nurses"] if e["visit"] == vid}
    own, nurses = set(current.values()), []
    for sid, (load, skills) in sorted(inst.nursing_needs(visit, start).items(),
                                      key=lambda kv: inst.shift_by_id[kv[0]].start):
        def fits(n, sid=sid, load=load, skills=skills):
            m = inst.staff[n]
            return "RN" in m.roles and (n, sid) in worked and skills <= m.skills and loads[(n, sid)] + load <= 100
        nurse = current.get(sid)
        if nurse is None or not fits(nurse):
            options = sorted(n for n, s in worked if s == sid and fits(n))
            nurse = min(options, key=lambda n: (n not in own, loads[(n, sid)]), default=None)
        if nurse is not None:
            nurses.append({"visit": vid, "shift": sid, "staff": nurse})
            loads[(nurse, sid)] += load
            own.add(nurse)
    d.s["primary_nurses"] = [e for e in d.s["primary_nurses"] if e["visit"] != vid] + nurses
    d.s["tasks"] = [e for e in d.s["tasks"] if e["visit"] != vid] + _repair_tasks(d, vid, starts, worked, nurses)


def _repair_tasks(d: _Draft, vid: str, starts: dict, worked: set, nurses: list[dict]) -> list[dict]:
    inst, start = d.inst, starts[vid]
    busy = defaultdict(list)
    for e in d.s["tasks"]:
        task = inst.visits[e["visit"]].tasks.get(e["task"]) if e["visit"] != vid and e["visit"] in starts else None
        if task is not None:
            a = starts[e["visit"]] + task.offset
            for person in e.get("staff") or []:
                busy[person].append((a, a + task.duration))
    current = {e["task"]: list(dict.fromkeys(e.get("staff") or [])) for e in d.s["tasks"] if e["visit"] == vid}
    primary = {e["shift"]: e["staff"] for e in nurses}
    out = []
    for task in inst.visits[vid].tasks.values():
        a, b = start + task.offset, start + task.offset + task.duration
        if a < 0:  # a past task is not planned any more: keep whatever was recorded
            if task.id in current:
                out.append({"visit": vid, "task": task.id, "staff": current[task.id]})
            continue
        shift = inst.shift_covering(a, b)

        def free(p, a=a, b=b, shift=shift, task=task):
            return (shift is not None and (p, shift.id) in worked and task.role in inst.staff[p].roles
                    and not any(x < b and a < y for x, y in busy[p]))
        chosen = [p for p in current.get(task.id, []) if free(p)][:task.count]
        if shift is not None:
            pool = sorted((p for p, s in worked if s == shift.id and p not in chosen and free(p)),
                          key=lambda p: (p != primary.get(shift.id), len(busy[p]), p))
            chosen += pool[:task.count - len(chosen)]
        for p in chosen:
            busy[p].append((a, b))
        if chosen:
            out.append({"visit": vid, "task": task.id, "staff": chosen})
    return out


def apply_change(user, version: ScheduleVersion, change: dict) -> ChangeReport:
    """Apply one manual change to a draft, re-check every rule, and save it with its pin (or refuse it)."""
    require_manager(user)
    require_draft(version)
    handler = _HANDLERS.get(change.get("action"))
    if handler is None:
        raise DomainError(f"Unknown change {change.get('action')!r}.")
    if change.get("base") and change["base"] != draft_fingerprint(version):
        raise Conflict("This draft was changed by someone else since you opened it; reload the page and try again.")
    inst = parse_instance(version.instance)
    d = _Draft(inst, copy.deepcopy(version.schedule), copy.deepcopy(version.pins or {}))
    summary = handler(d, change, user)
    d.s.update(status="FEASIBLE", objective=None)
    report = check(inst, d.s)
    if report.violations:
        raise ChangeRejected([v.message for v in report.violations])
    d.s["objective"] = report.cost
    if d.s.get("bound") is not None and d.s["bound"] > report.cost:
        d.s["bound"] = None
    previous = version.objective
    version.schedule, version.pins = d.s, d.pins
    version.solver_status, version.objective, version.bound = "FEASIBLE", report.cost, d.s.get("bound")
    version.cost_terms = dict(report.cost_terms)
    db.session.flush()
    return ChangeReport(summary, previous, report)


def remove_pin(user, version: ScheduleVersion, change: dict) -> str:
    """Drop one pin of a draft (the schedule itself does not change); return what was dropped."""
    require_manager(user)
    require_draft(version)
    pins = copy.deepcopy(version.pins or {})
    if change.get("visit"):
        if change["visit"] not in (pins.get("visits") or {}):
            raise DomainError(f"{change['visit']} has no pin.")
        del pins["visits"][change["visit"]]
        text = f"Pin of {change['visit']} removed."
    else:
        kind, pair = change.get("kind"), [change.get("staff"), change.get("shift")]
        if kind not in ("shifts_on", "shifts_off") or pair not in [list(p) for p in pins.get(kind) or []]:
            raise DomainError("There is no such pin.")
        pins[kind] = [p for p in pins[kind] if list(p) != pair]
        text = f"Pin of {pair[0]} on {pair[1]} removed."
    version.pins = pins
    db.session.flush()
    return text
