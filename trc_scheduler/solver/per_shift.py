"""Name the primary nurses of a fixed placement on a fixed roster, one shift at a time.

With the placement and the roster fixed, H7 falls apart into one small
assignment per shift: each visit under way needs one RN on shift with its
skills, and a nurse's loads add up to at most 100 (the roster already keeps
H6 and H8's head-counts; completing the hint names any task staff). Stage
B's full model on a 36-bed fortnight is too big for CP-SAT to find that
assignment in a few seconds (it takes ~20 s); here each shift is a model of
a few hundred variables, solved in milliseconds, in time order so that a
visit keeps the nurses it had before (continuity). A visit no shift can carry is left out (optional visits only)
from every shift. The result is a hint for stage B's model (``stages.staff``
completes it into a full schedule).
"""
from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model

#: weight of keeping a visit against taking a new nurse for it (continuity is per distinct nurse)
KEEP_WEIGHT = 1000


def staff_per_shift(b, roster: set, seconds: float, seed: int = 0) -> dict[int, int] | None:
    """Return values (proto index -> value) of ``b``'s visits, roster and nurses, or None.

    ``b`` is stage B's model (one candidate per placed visit); ``roster`` the
    set of (staff, shift index) working. None when a mandatory visit cannot
    be carried, or the time runs out.
    """
    end = time.perf_counter() + seconds
    problem = b.problem
    options = defaultdict(list)  # shift -> [(visit, need, staff, var)]
    for (vid, i, pid, need), var in b.nurse.items():
        if (pid, i) in roster:
            options[i].append((vid, need, pid, var))
    needs = defaultdict(set)  # shift -> {(visit, need)}
    for (vid, i, _pid, need) in b.nurse:
        needs[i].add((vid, need))
    dropped: set[str] = set()
    had = defaultdict(set)  # visit -> nurses so far
    chosen: dict[tuple, object] = {}  # (visit, shift, need) -> nurse variable named
    for i in sorted(needs, key=lambda i: problem.shifts[i].start_min):
        if time.perf_counter() > end:
            return None
        wanted = [(vid, need) for vid, need in needs[i] if vid not in dropped]
        assignment = _one_shift(problem, wanted, [o for o in options[i] if o[0] not in dropped], had,
                                max(0.05, end - time.perf_counter()), seed)
        if assignment is None:
            return None
        for vid, need in wanted:
            if (vid, need) not in assignment:
                dropped.add(vid)
        for (vid, need), (pid, var) in assignment.items():
            had[vid].add(pid)
            chosen[vid, i, need] = var
    values = {var.index: 0 for var in b.nurse.values()}
    for (vid, _i, _need), var in chosen.items():
        if vid not in dropped:
            values[var.index] = 1
    for vid, sched in b.sched.items():
        values[sched.index] = int(vid not in dropped)
    for key, var in b.work.items():
        values[var.index] = int(key in roster)
    return values


def _one_shift(problem, wanted, options, had, seconds: float, seed: int):
    """Solve one shift: return {(visit, need): (staff, var)} for the needs carried, or None."""
    if not wanted:
        return {}
    cp = cp_model.CpModel()
    y = {}
    by_need = defaultdict(list)
    by_staff = defaultdict(list)
    for vid, need, pid, var in options:
        lit = cp.new_bool_var("")
        y[vid, need, pid] = (lit, var)
        by_need[vid, need].append(lit)
        by_staff[pid].append((need.load, lit))
    cost = []
    for vid, need in wanted:
        visit = problem.visits[vid]
        k = cp.new_constant(1) if visit.mandatory else cp.new_bool_var("")
        cp.add(sum(by_need[vid, need]) == k)
        if not visit.mandatory:
            cost.append(-KEEP_WEIGHT * (visit.priority + 1) * k)
    for items in by_staff.values():
        if sum(load for load, _ in items) > 100:
            cp.add(sum(load * lit for load, lit in items) <= 100)
    for (vid, need, pid), (lit, _var) in y.items():
        if pid not in had[vid] and had[vid]:
            cost.append(problem.weights.continuity * lit)
    if cost:
        cp.minimize(sum(cost))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    code = solver.solve(cp)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = {}
    for (vid, need, pid), (lit, var) in y.items():
        if solver.boolean_value(lit):
            out[vid, need] = (pid, var)
    return out
