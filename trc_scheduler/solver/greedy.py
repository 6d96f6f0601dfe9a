"""A first-fit baseline: place visits one at a time, as the unit's tools do today.

Fixed visits first, then by mandatory and priority (a visit always after the
visits it must follow); each at the feasible start nearest its target (the
earliest when it has none) in the first bed that fits, staffed at once (primary nurses and task staff first-fit, rostering
more staff when needed). Minimum staffing is rostered before any visit. It is
the yardstick the CP-SAT engine is compared with in ``benchmarks/``.
"""
from __future__ import annotations

import heapq
import time

from .check import check
from .explain import explain_unscheduled
from .parsed import Instance, Visit, parse_instance
from .state import State, fitting_beds, precedence_ok


def greedy(instance, explain: bool = True) -> dict:
    """Return a trc-schedule/1 dict built by the first-fit baseline.

    Without ``explain`` the unscheduled visits keep a short generic reason
    (the engine, which uses the baseline as a warm start, explains only the
    schedule it returns).
    """
    began = time.perf_counter()
    inst = parse_instance(instance)
    state = State(inst)
    _roster_minimums(state)
    left_out: list[str] = []
    for visit in _order(inst):
        if not _place(state, visit):
            left_out.append(visit.id)
    schedule = _schedule(inst, state, left_out)
    report = check(inst, schedule)
    mandatory_out = any(inst.visits[v].mandatory for v in left_out)
    if report.ok and not mandatory_out:
        schedule["objective"] = report.cost
        reasons = explain_unscheduled(inst, schedule) if explain else {}
        for item in schedule["unscheduled"]:
            item["reason"] = reasons.get(item["visit"]) or item["reason"]
    else:
        first = next((str(v) for v in report.violations if v.rule != "COST"), "a mandatory visit could not be placed")
        schedule = _empty(inst, f"the first-fit baseline found no valid schedule ({first})")
    schedule["solve_seconds"] = round(time.perf_counter() - began, 3)
    return schedule


def _order(inst: Instance, first=frozenset()) -> list[Visit]:
    """Order visits: fixed, those in ``first``, mandatory, priority, earliest; a visit after those it
    must follow."""
    def key(v: Visit):
        return (v.fixed_start is None, v.id not in first, not v.mandatory, -v.priority, v.earliest, v.id)

    befores = {vid: set() for vid in inst.visits}
    for p in inst.precedences:
        if p["before"] in inst.visits and p["after"] in inst.visits:
            befores[p["after"]].add(p["before"])
    heap = [(key(v), vid) for vid, v in inst.visits.items() if not befores[vid]]
    heapq.heapify(heap)
    done, order = set(), []
    while heap:
        _k, vid = heapq.heappop(heap)
        done.add(vid)
        order.append(inst.visits[vid])
        for other, deps in befores.items():
            if other not in done and vid in deps and deps <= done and all(o != other for _k2, o in heap):
                heapq.heappush(heap, (key(inst.visits[other]), other))
    order += [v for vid, v in inst.visits.items() if vid not in done]  # cycles: give up on order
    return order


def _place(state: State, visit: Visit) -> bool:
    inst = state.inst
    beds = fitting_beds(inst, visit)
    who = inst.participants.get(visit.participant)
    starts = inst.candidate_starts(visit)
    if visit.target is not None:  # as a planner would: nearest the target first, then earlier
        starts.sort(key=lambda s: (abs(s - visit.target), s))
    for start in starts:
        if not precedence_ok(state, visit, start) or state.admission_full(visit, start):
            continue
        end = start + visit.duration
        for bed in beds:
            if bed is not None and (state.bed_blockers(bed, start, end) or state.room_blockers(bed, start, end, who)):
                continue
            mark = state.mark()
            state.place(visit, start, bed)
            if _staff(state, visit, start):
                return True
            state.rollback(mark)
            break  # staffing does not depend on the bed: try the next start
    return False


def _staff(state: State, visit: Visit, start: int) -> bool:
    inst, used = state.inst, []
    for sid, (load, skills) in inst.nursing_needs(visit, start).items():
        shift = inst.shift_by_id[sid]
        options = state.nurse_options(shift, load, skills, prefer=used)
        if not options:
            return False
        state.assign_nurse(visit.id, shift, options[0], load)
        if options[0] not in used:
            used.append(options[0])
    for task in visit.tasks.values():
        a = start + task.offset
        if a < 0:
            continue
        shift = inst.shift_covering(a, a + task.duration)
        if shift is None:
            return False
        options = state.task_options(task.role, shift, a, a + task.duration)
        if len(options) < task.count:
            return False
        state.assign_task(visit.id, task.id, shift, options[:task.count], a, a + task.duration)
    return True


def _roster_minimums(state: State) -> None:
    """Roster fixed shifts, then each shift's min_skill and min_staff, least-used staff first."""
    inst = state.inst
    for sid, member in inst.staff.items():
        for shift_id in sorted(member.fixed_shifts):
            if shift_id in inst.shift_by_id:
                state.add_shift(sid, inst.shift_by_id[shift_id])
    for shift in inst.shifts:
        crew = lambda: [inst.staff[s] for s, sh in state.worked if sh == shift.id]  # noqa: E731
        for skill, need in shift.min_skill.items():
            for _ in range(need - sum(skill in m.skills for m in crew())):
                short = {r for r, n in shift.min_staff.items() if sum(r in m.roles for m in crew()) < n}
                _add_one(state, shift, lambda m: skill in m.skills, lambda m: not (m.roles & short))
        for role, need in shift.min_staff.items():
            for _ in range(need - sum(role in m.roles for m in crew())):
                _add_one(state, shift, lambda m: role in m.roles, lambda m: False)


def _add_one(state: State, shift, wanted, worse) -> None:
    inst = state.inst
    options = [m for sid, m in inst.staff.items() if (sid, shift.id) not in state.worked
               and wanted(m) and state.why_not_work(sid, shift) is None]
    if options:
        best = min(options, key=lambda m: (worse(m), shift.id in m.preferred_off,
                                           len(state.rota.get(m.id, [])), len(m.skills), m.id))
        state.add_shift(best.id, shift)


def _schedule(inst: Instance, state: State, left_out: list[str]) -> dict:
    order = {s.id: s.index for s in inst.shifts}
    return {
        "format": "trc-schedule/1", "instance": inst.id, "status": "FEASIBLE",
        "objective": None, "bound": None, "solve_seconds": 0.0,
        "visits": [{"visit": vid, "start": inst.iso(start), **({"bed": state.beds[vid]} if state.beds[vid] else {})}
                   for vid, start in sorted(state.starts.items())],
        "unscheduled": [{"visit": vid, "reason": "not placed by the first-fit baseline"} for vid in sorted(left_out)],
        "shifts": [{"staff": st, "shift": sh} for st, sh in sorted(state.worked, key=lambda k: (order[k[1]], k[0]))],
        "primary_nurses": [{"visit": v, "shift": sh, "staff": st}
                           for (v, sh), st in sorted(state.primary.items(), key=lambda k: (k[0][0], order[k[0][1]]))],
        "tasks": [{"visit": v, "task": t, "staff": st} for (v, t), st in sorted(state.task_staff.items())],
        "conflicts": [],
    }


def _empty(inst: Instance, reason: str) -> dict:
    return {
        "format": "trc-schedule/1", "instance": inst.id, "status": "UNKNOWN", "objective": None, "bound": None,
        "solve_seconds": 0.0, "visits": [], "unscheduled": [{"visit": v, "reason": reason} for v in inst.visits],
        "shifts": [], "primary_nurses": [], "tasks": [], "conflicts": [],
    }


def staff_placement(instance, placement: dict[str, tuple[str, str | None]]) -> dict | None:
    """Staff a given placement (visit -> (start ISO, bed)) first-fit; return a checked schedule or None.

    Visits are taken by start, which packs staff best; if that leaves a
    mandatory visit without staff, again with the mandatory visits first (in
    the baseline's order: fixed, priority, a visit after those it must
    follow). A visit that cannot be staffed, or whose predecessor was left
    out, is left out. The engine uses it when CP-SAT finds no staffing of its
    placement in time.
    """
    inst = parse_instance(instance)
    starts = {vid: inst.minutes(iso) for vid, (iso, _bed) in placement.items() if vid in inst.visits}
    by_start = sorted((v for v in inst.visits.values() if v.id in starts),
                      key=lambda v: (v.fixed_start is None, starts[v.id], v.id))
    mandatory_first = [v for v in _order(inst) if v.id in starts and v.mandatory]
    mandatory_first += [v for v in by_start if not v.mandatory]
    for order in (by_start, mandatory_first):
        schedule = _staff_in_order(inst, placement, starts, order)
        if schedule is not None:
            return schedule
    return None


def _staff_in_order(inst: Instance, placement: dict, starts: dict[str, int], order: list[Visit]) -> dict | None:
    state = State(inst)
    _roster_minimums(state)
    befores = {vid: set() for vid in inst.visits}
    for p in inst.precedences:
        befores.setdefault(p["after"], set()).add(p["before"])
    left_out = [vid for vid in inst.visits if vid not in starts]
    for visit in order:
        vid = visit.id
        if befores.get(vid, set()) & set(left_out):
            left_out.append(vid)
            continue
        mark = state.mark()
        state.place(visit, starts[vid], placement[vid][1])
        if not _staff(state, visit, starts[vid]):
            state.rollback(mark)
            left_out.append(vid)
    return _checked(inst, state, left_out)


def _checked(inst: Instance, state: State, left_out: list[str]) -> dict | None:
    """Return the state's schedule with its cost if it keeps every mandatory visit and passes the checker."""
    if any(inst.visits[v].mandatory for v in left_out):
        return None
    schedule = _schedule(inst, state, left_out)
    report = check(inst, schedule)
    if not report.ok:
        return None
    schedule["objective"] = report.cost
    return schedule


def guided(instance, wanted: dict[str, str], beds: dict[str, str] | None = None, passes: int = 1,
           skill_fit: bool = False) -> dict | None:
    """First fit guided by a placement (visit -> start ISO, e.g. stage A's): return a checked schedule or None.

    Visits in the baseline's order (fixed, mandatory, priority, after those
    they follow); each tries the start nearest the one wanted (the visits
    not wanted: nearest their target), in its wanted bed if given, else the
    fitting bed that wastes least (fewest features beyond its needs, a room
    already holding its own group); staffed at once as the baseline does.
    Where stage A's bed and nurse capacities were too optimistic (named beds,
    room sharing, whole nurses), the visit moves as little as it must.

    With ``passes`` > 1, each further pass takes the visits left out so far
    first (after those they follow), and the cheapest pass is returned.
    With ``skill_fit`` a load goes to the nurse with the fewest skills beyond
    its need, then the fullest (``State.nurse_options``), not the first.
    """
    inst = parse_instance(instance)
    want = {vid: inst.minutes(iso) for vid, iso in wanted.items() if vid in inst.visits}
    beds = beds or {}
    best, first = None, set()
    for _ in range(max(1, passes)):
        order = _order(inst, first)
        order = [v for v in order if v.id in want or v.id in first] + \
                [v for v in order if v.id not in want and v.id not in first]
        schedule, left_out = _guided_pass(inst, order, want, beds, skill_fit)
        if schedule is not None and (best is None or schedule["objective"] < best["objective"]):
            best = schedule
        if not left_out or set(left_out) <= first:
            break
        first |= set(left_out)
    return best


def _guided_pass(inst: Instance, order: list[Visit], want: dict, beds: dict, skill_fit: bool = False):
    state = State(inst, skill_fit=skill_fit)
    _roster_minimums(state)
    left_out = []
    for visit in order:
        if not _place_near(state, visit, want.get(visit.id), beds.get(visit.id)):
            left_out.append(visit.id)
    return _checked(inst, state, left_out), left_out


def _place_near(state: State, visit: Visit, wanted: int | None, hint: str | None) -> bool:
    inst = state.inst
    beds = fitting_beds(inst, visit)
    who = inst.participants.get(visit.participant)
    aim = wanted if wanted is not None else visit.target
    starts = inst.candidate_starts(visit)
    if aim is not None:
        starts.sort(key=lambda s: (abs(s - aim), s))
    for start in starts:
        if not precedence_ok(state, visit, start) or state.admission_full(visit, start):
            continue
        end = start + visit.duration
        free = [b for b in beds if b is None or not (state.bed_blockers(b, start, end)
                                                      or state.room_blockers(b, start, end, who))]
        if not free:
            continue
        bed = min(free, key=lambda b: _waste(state, visit, b, start, end, hint, who))
        mark = state.mark()
        state.place(visit, start, bed)
        if _staff(state, visit, start):
            return True
        state.rollback(mark)  # staffing does not depend on the bed: try the next start
    return False


def _waste(state: State, visit: Visit, bed: str | None, start: int, end: int, hint: str | None, who) -> tuple:
    """Order fitting beds: the wanted one, fewest features beyond the need, sharing a room with its group."""
    if bed is None:
        return (0,)
    room, feats = state.inst.beds[bed]
    mates = [1 for s, e, _vid, other in state.room_stays.get(room, ()) if s < end and start < e and other == who]
    return (bed != hint, len(feats - visit.features), not mates, bed)
