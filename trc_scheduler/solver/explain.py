"""Why is this visit unscheduled? Reasons a unit manager understands.

For each unscheduled visit, every allowed start (and bed) is tried against
the given schedule, and what blocks it is counted: no allowed start at all,
no bed with the features, beds occupied, room sharing, the admission cap,
a precedence, no nurse or task staff. When the visit would fit, the reason
says so honestly (optional and cheaper to leave out, or the search stopped).
"""
from __future__ import annotations

import math
import time
from collections import Counter

from .check import read_plan
from .parsed import Instance, Visit, parse_instance
from .state import State, fitting_beds, precedence_ok

_SCAN_LIMIT = 400  # grid steps looked at outside the window for the nearest start that works


def explain_unscheduled(instance, schedule: dict, deadline: float | None = None) -> dict[str, str]:
    """Return {visit id: reason} for every visit the schedule leaves unscheduled.

    Past ``deadline`` (a ``time.perf_counter()`` instant) the reasons no
    longer look for the nearest start outside the window, the slow part on
    a big unit (every start tried is a whole placement and staffing check).
    """
    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    plan = read_plan(inst, schedule)
    state = State.from_plan(inst, plan)
    return {vid: explain_visit(state, visit, nearest=deadline is None or time.perf_counter() < deadline)
            for vid, visit in inst.visits.items() if vid not in plan.starts}


def explain_visit(state: State, visit: Visit, nearest: bool = True) -> str:
    """Return why one visit cannot (or need not) be placed in the state's schedule.

    With ``nearest``, a visit that fits nowhere in its window is also told
    the nearest start outside it that would work.
    """
    inst = state.inst
    static = _static_reason(state, visit)
    if static:
        return static
    beds = fitting_beds(inst, visit)
    outcomes = [(s, _blocker(state, visit, s, beds)) for s in inst.candidate_starts(visit)]
    fits = [(s, o) for s, o in outcomes if o[0] == "fits"]
    if fits:
        return _fits_reason(inst, visit, fits)
    counts = Counter(o[0] for _s, o in outcomes)
    main = counts.most_common(1)[0][0]
    text = _MESSAGES[main](inst, visit, [o for _s, o in outcomes if o[0] == main], outcomes)
    others = [f"{_NAMES[c]} at {n} start{'s' if n > 1 else ''}" for c, n in counts.items() if c != main]
    if others:
        text += f" (also {', '.join(others)})"
    nearest = _nearest_outside(state, visit, beds) if nearest else None
    if nearest is not None:
        side = "after its window closes" if nearest > visit.latest else "before its window opens"
        text += f"; the nearest start that would work is {inst.fmt(nearest)}, {side} {inst.fmt(visit.latest if nearest > visit.latest else visit.earliest)}"
    return text


def _static_reason(state: State, visit: Visit) -> str | None:
    inst = state.inst
    if not inst.candidate_starts(visit):
        if visit.fixed_start is not None:
            return f"its fixed start {inst.fmt(visit.fixed_start)} is outside its window or grid"
        a, b = inst.admission
        return (f"no allowed start: its window {inst.fmt(visit.earliest)}–{inst.fmt(visit.latest)} has no "
                f"{visit.step}-min start within admission hours {a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}")
    if visit.needs_bed and not fitting_beds(inst, visit):
        if visit.fixed_bed is not None:
            return f"its fixed bed {visit.fixed_bed} does not have {_feat(visit) or 'the required features'}"
        return f"no bed has {_feat(visit)}"
    for p in inst.precedences:
        if p["after"] == visit.id and p["before"] not in state.starts:
            why = f" ({p['why']})" if p.get("why") else ""
            return f"it must follow {p['before']}{why}, which is unscheduled"
    return None


def _feat(visit: Visit) -> str:
    return "+".join(sorted(visit.features))


def _blocker(state: State, visit: Visit, start: int, beds: list) -> tuple:
    """Return the first thing that blocks a start: (category, detail) or ("fits", (bed, cost))."""
    inst = state.inst
    if not precedence_ok(state, visit, start):
        return ("precedence", None)
    if state.admission_full(visit, start):
        return ("admissions", inst.shift_at(start).id)
    end, who = start + visit.duration, inst.participants.get(visit.participant)
    bed_found, occupants, roommates = None, set(), set()
    for bed in beds:
        if bed is None:
            bed_found = "-"
            break
        clash = state.bed_blockers(bed, start, end)
        room = [] if clash else state.room_blockers(bed, start, end, who)
        occupants.update(clash)
        roommates.update(room)
        if not clash and not room:
            bed_found = bed
            break
    if bed_found is None:
        return ("room", roommates) if roommates else ("beds", occupants)
    nurses = set()
    for sid, (load, skills) in inst.nursing_needs(visit, start).items():
        options = state.nurse_options(inst.shift_by_id[sid], load, skills, prefer=sorted(nurses))
        if not options:
            return ("nurse", (sid, skills))
        nurses.add(options[0])
    for task in visit.tasks.values():
        a = start + task.offset
        if a < 0:
            continue
        shift = inst.shift_covering(a, a + task.duration)
        if shift is None or len(state.task_options(task.role, shift, a, a + task.duration)) < task.count:
            return ("task", (task, a, shift))
    cost = inst.weights["continuity"] * max(0, len(nurses) - 1)
    if visit.target is not None:
        cost += inst.weights["target_hour"] * math.ceil(abs(start - visit.target) / 60)
    return ("fits", (None if bed_found == "-" else bed_found, cost))


def _fits_reason(inst: Instance, visit: Visit, fits: list) -> str:
    start, (_fits, (bed, cost)) = min(fits, key=lambda f: (f[1][1][1], f[0]))
    where = f"{inst.fmt(start)}" + (f" in {bed}" if bed else "")
    leave = visit.priority * inst.weights["unscheduled"]
    if visit.mandatory:
        return f"mandatory, yet left out although it would fit at {where}"
    if cost >= leave:
        return (f"optional; placing it would cost more than leaving it out (priority {visit.priority} × weight "
                f"{inst.weights['unscheduled']} = {leave}; its best fit, {where}, costs about {cost})")
    return (f"optional; it would fit at {where} in this schedule, but it was not placed "
            f"(the search stopped before reaching it, or placing it needs staff moved elsewhere)")


def _window_days(inst: Instance, visit: Visit) -> str:
    return inst.fmt_days(visit.earliest, visit.latest + visit.duration)


def _studies(inst: Instance, vids) -> str:
    names = sorted({inst.study_label(inst.visits[v]) for v in vids})
    return ", ".join(names[:4]) + (" and others" if len(names) > 4 else "")


def _msg_beds(inst, visit, items, _all) -> str:
    vids = set().union(*(d for _c, d in items))
    n = len(fitting_beds(inst, visit))
    kind = f"{_feat(visit)} bed" if visit.features else "bed"
    text = f"no {kind} free {_window_days(inst, visit)}: all {n} hold {_studies(inst, vids)} stays"
    if vids and all(inst.visits[v].mandatory for v in vids):
        text += " (mandatory; left out to keep mandatory visits feasible)"
    return text


def _msg_room(inst, visit, items, _all) -> str:
    vids = set().union(*(d for _c, d in items))
    sex, age = inst.participants.get(visit.participant, ("?", "?"))
    return (f"the only free beds are in rooms shared with participants of another sex or age group "
            f"(this participant: {sex}/{age}; room-mates from {', '.join(sorted(vids)[:5])})")


def _msg_admissions(inst, visit, items, _all) -> str:
    shifts = sorted({d for _c, d in items})
    return (f"the admission cap ({inst.max_admissions} bed admissions per shift) is reached in "
            f"{len(shifts)} shift{'s' if len(shifts) > 1 else ''} of its window ({', '.join(shifts[:4])})")


def _msg_nurse(inst, visit, items, _all) -> str:
    sid, skills = items[0][1]
    need = f"an RN with {'+'.join(sorted(skills))}" if skills else "an RN"
    shifts = sorted({d[0] for _c, d in items})
    return (f"no nurse: {need} with load left or free to be rostered is missing in "
            f"{', '.join(shifts[:4])}{' and others' if len(shifts) > 4 else ''}")


def _msg_task(inst, visit, items, _all) -> str:
    task, a, shift = items[0][1]
    if shift is None:
        return f"its task {task.label} ({inst.fmt(a)}) would cross a shift boundary or fall outside every shift"
    return f"no {task.role} free or available to be rostered for {task.label} (e.g. {inst.fmt(a)})"


def _msg_precedence(inst, visit, items, _all) -> str:
    parts = []
    for p in inst.precedences:
        if visit.id in (p["before"], p["after"]):
            gap = f"≥ {p['min_gap_minutes']}" + (f" and ≤ {p['max_gap_minutes']}" if p.get("max_gap_minutes") is not None else "")
            why = f" ({p['why']})" if p.get("why") else ""
            parts.append(f"{p['after']} {p.get('after_anchor', 'start')} {gap} min after "
                         f"{p['before']} {p.get('before_anchor', 'start')}{why}")
    return f"no start in its window meets its precedence: {'; '.join(parts[:2])}"


_MESSAGES = {"beds": _msg_beds, "room": _msg_room, "admissions": _msg_admissions, "nurse": _msg_nurse,
             "task": _msg_task, "precedence": _msg_precedence}
_NAMES = {"beds": "beds full", "room": "room sharing", "admissions": "admission cap", "nurse": "no nurse",
          "task": "no task staff", "precedence": "precedence"}


def _nearest_outside(state: State, visit: Visit, beds: list) -> int | None:
    """Return the nearest grid start outside the window (within the horizon) that would work."""
    inst = state.inst
    if visit.fixed_start is not None:
        return None
    last = visit.earliest + (visit.latest - visit.earliest) // visit.step * visit.step
    for k in range(1, _SCAN_LIMIT):
        for s in (last + k * visit.step, visit.earliest - k * visit.step):
            if 0 <= s < inst.horizon_end and inst.in_admission_hours(s) and \
                    _blocker(state, visit, s, beds)[0] == "fits":
                return s
        if last + k * visit.step >= inst.horizon_end and visit.earliest - k * visit.step < 0:
            return None
    return None
