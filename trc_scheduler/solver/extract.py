"""Read a solved model back into a ``trc-schedule/1`` dict and its named costs."""
from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .model import ScheduleModel
from .objective import TERMS
from .rules_staff import single_task_role
from .search import placement_of


def empty_schedule(problem, status: str, reasons: dict[str, str], conflicts=None) -> dict:
    """Return a schedule with nothing placed (INFEASIBLE or UNKNOWN)."""
    return {
        "format": "trc-schedule/1", "instance": problem.id, "status": status,
        "objective": None, "bound": None, "solve_seconds": 0.0,
        "visits": [], "shifts": [], "primary_nurses": [], "tasks": [],
        "unscheduled": [{"visit": vid, "reason": reasons.get(vid) or "no schedule was found"}
                        for vid in problem.visits],
        "conflicts": list(conflicts or []),
    }


def extract(m: ScheduleModel, solver: cp_model.CpSolver) -> tuple[dict, dict[str, int], list]:
    """Return (schedule without reasons, cost terms, cost details) from the solver's best solution."""
    p = m.problem
    value = solver.boolean_value
    chosen = placement_of(m, solver)
    visits = [{"visit": vid, "start": p.at(m.plans[vid].candidates[k].start).isoformat(), "bed": bed}
              for vid, (k, bed) in chosen.items()]
    working = sorted((pid, i) for (pid, i), var in m.work.items() if value(var))
    shifts = [{"staff": pid, "shift": p.shifts[i].id} for pid, i in sorted(working, key=lambda w: (w[1], w[0]))]
    nurses = sorted(((vid, i, pid) for (vid, i, pid, _need), var in m.nurse.items() if value(var)),
                    key=lambda t: (list(p.visits).index(t[0]), t[1], t[2]))
    primary = [{"visit": vid, "shift": p.shifts[i].id, "staff": pid} for vid, i, pid in nurses]
    if m.task_staff or not single_task_role(m):
        tasks = _explicit_tasks(m, value, chosen)
    else:
        tasks = assign_tasks(m, chosen, working)
    schedule = {
        "format": "trc-schedule/1", "instance": p.id, "visits": visits, "unscheduled": [],
        "shifts": shifts, "primary_nurses": primary, "tasks": tasks, "conflicts": [],
    }
    terms, details = _costs(m, solver)
    return schedule, terms, details


def _costs(m: ScheduleModel, solver: cp_model.CpSolver) -> tuple[dict[str, int], list]:
    by_subject = defaultdict(int)
    for term in TERMS:
        for subject, coef, lit in m.term_parts.get(term, []):
            if lit is None or solver.boolean_value(lit):
                by_subject[term, subject] += coef
    details = [(term, subject, amount) for (term, subject), amount in by_subject.items() if amount]
    terms = {t: int(solver.value(m.terms[t])) for t in TERMS if solver.value(m.terms[t])}
    return terms, details


def assign_tasks(m: ScheduleModel, chosen: dict, working: list) -> list[dict]:
    """Name the staff of every task: per shift and role, first free person in start order.

    The model guarantees that at no moment do the tasks under way need more
    people of a role than work the shift, so this greedy colouring succeeds.
    """
    p = m.problem
    crew = defaultdict(list)
    for pid, i in working:
        for role in p.staff[pid].roles:
            crew[i, role].append(pid)
    jobs = defaultdict(list)
    for vid, (k, _bed) in chosen.items():
        cand = m.plans[vid].candidates[k]
        for task, i in zip(p.visits[vid].tasks, cand.task_shifts):
            if i is not None:
                t0 = cand.start + task.offset_minutes
                jobs[i, task.role].append((t0, t0 + task.duration_minutes, vid, task))
    names = {}
    for key, items in jobs.items():
        free_at = {pid: -10**9 for pid in crew[key]}
        for t0, t1, vid, task in sorted(items, key=lambda j: (j[0], j[1])):
            ready = sorted((pid for pid, t in free_at.items() if t <= t0), key=lambda q: (free_at[q], q))
            if len(ready) < task.count:
                raise RuntimeError(f"cannot staff task {task.id} of {vid}: model and extraction disagree")
            names[vid, task.id] = ready[:task.count]
            for pid in ready[:task.count]:
                free_at[pid] = t1
    return _task_rows(m, chosen, names)


def _explicit_tasks(m: ScheduleModel, value, chosen: dict) -> list[dict]:
    names = defaultdict(list)
    for (vid, tid, pid), var in m.task_staff.items():
        if vid in chosen and value(var):
            names[vid, tid].append(pid)
    return _task_rows(m, chosen, names)


def _task_rows(m: ScheduleModel, chosen: dict, names: dict) -> list[dict]:
    rows = []
    for vid in chosen:
        for task in m.problem.visits[vid].tasks:
            if (vid, task.id) in names:
                rows.append({"visit": vid, "task": task.id, "staff": sorted(names[vid, task.id])})
    return rows


def schedule_costs(problem, schedule: dict) -> list[tuple[str, str, int]]:
    """Return ``(term, subject, amount)`` for a valid schedule dict built elsewhere (e.g. the baseline)."""
    import math

    from ._load import parse_datetime

    w = problem.weights
    placed = {v["visit"]: v for v in schedule.get("visits", [])}
    out = []
    for vid, visit in problem.visits.items():
        row = placed.get(vid)
        if row is None:
            if not visit.mandatory:
                out.append(("unscheduled", vid, visit.priority * w.unscheduled))
            continue
        start = problem.minutes(parse_datetime(row["start"]))
        if visit.target_min is not None:
            out.append(("target_hour", vid, w.target_hour * math.ceil(abs(start - visit.target_min) / 60)))
        before = problem.previous.visits.get(vid)
        if before is not None and (before.start_min != start or before.bed != row.get("bed")):
            out.append(("changed_visit", vid, w.changed_visit))
    for vid in problem.previous.visits:
        if vid not in placed:
            out.append(("changed_visit", vid, w.changed_visit))
    nurses = defaultdict(set)
    for row in schedule.get("primary_nurses", []):
        nurses[row["visit"]].add(row["staff"])
    out += [("continuity", vid, w.continuity * (len(s) - 1)) for vid, s in nurses.items()]
    working = {(r["staff"], r["shift"]) for r in schedule.get("shifts", [])}
    out += [("preferred_off", pid, w.preferred_off) for pid, sid in working
            if sid in problem.staff[pid].preferred_off]
    if problem.previous.shifts is not None:
        out += [("changed_shift", pid, w.changed_shift) for pid, _sid in working ^ problem.previous.shifts]
    return [(t, s, a) for t, s, a in out if a]
