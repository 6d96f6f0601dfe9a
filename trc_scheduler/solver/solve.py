"""Solve a problem in stages (placement, beds, staffing) and extract the schedule.

Statuses: OPTIMAL only when the returned schedule's cost equals a proven
lower bound (see ``solve``); FEASIBLE when a schedule was found but not
proved best (also when ``on_progress`` or ``stop_event`` stopped the search);
INFEASIBLE when the hard rules cannot all hold (``conflicts`` says why);
UNKNOWN when no schedule was found in the time allowed.

The first-fit baseline (``greedy.py``) is the first schedule: the
``first_solution_seconds`` of a result counts it, and it is returned when
CP-SAT found nothing better in the time allowed. Set the ``DEBUG`` level on
this module's logger to see each phase's status, objective and bound.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

log = logging.getLogger(__name__)

from .extract import empty_schedule, extract, schedule_costs
from .hints import add_hints, baseline, hint_schedule
from .model import build_model
from .problem import Problem
from .reasons import fallback_reasons, impossible_reasons


@dataclass
class Progress:
    """One improved solution found during the search."""

    objective: int
    bound: int
    elapsed_s: float
    solutions: int


@dataclass
class Result:
    """What the engine found: status, cost, proven bound, times and the schedule."""

    status: str
    objective: int | None
    bound: int | None
    solve_seconds: float
    first_solution_seconds: float | None
    best_solution_seconds: float | None
    schedule: dict
    cost_terms: dict[str, int] = field(default_factory=dict)
    cost_details: list[tuple[str, str, int]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Return the relative gap between objective and bound (0.0 when optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.status == "OPTIMAL" or self.objective <= self.bound:
            return 0.0
        return (self.objective - self.bound) / max(1, abs(self.objective))


class _Run:
    """The state of one solve: the best full schedule so far, the proven bound, stopping."""

    def __init__(self, started: float, deadline: float, on_progress, stop_event):
        self.started, self.deadline = started, deadline
        self.on_progress, self.stop_event = on_progress, stop_event
        self.best: int | None = None  # objective of the best full schedule so far
        self.bound = 0  # every cost is >= 0
        self.solutions = 0
        self.first: float | None = None
        self.best_at: float | None = None
        self.stopped = False
        self.solver: cp_model.CpSolver | None = None
        self._lock = threading.Lock()

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def raise_bound(self, bound: float) -> None:
        with self._lock:
            self.bound = max(self.bound, int(math.ceil(bound - 1e-6)))

    def offer(self, objective: int) -> bool:
        """Record a full schedule of this cost; return True if it is the best so far."""
        with self._lock:
            if self.best is not None and objective >= self.best:
                return False
            now = self.elapsed()
            self.solutions += 1
            self.best, self.best_at = objective, now
            self.first = now if self.first is None else self.first
            info = Progress(objective, min(self.bound, objective), now, self.solutions)
        if self.on_progress is not None and self.on_progress(info) is False:
            self.stop()
        return True

    def stop(self) -> None:
        self.stopped = True
        solver = self.solver
        if solver is not None:
            solver.stop_search()

    def should_stop(self) -> bool:
        if self.stop_event is not None and self.stop_event.is_set():
            self.stopped = True
        return self.stopped or self.left() <= 0.05

    def watch(self) -> threading.Thread | None:
        """Start a thread that stops the search promptly once ``stop_event`` is set."""
        if self.stop_event is None:
            return None

        def wait() -> None:
            while not self.stopped and not self._done.is_set():
                if self.stop_event.wait(0.1):
                    self.stop()
                    return

        self._done = threading.Event()
        thread = threading.Thread(target=wait, name="trc-solve-stop-watcher", daemon=True)
        thread.start()
        return thread

    def close(self, thread) -> None:
        if thread is not None:
            self._done.set()
            thread.join(timeout=1)

    def run(self, solver: cp_model.CpSolver, model: cp_model.CpModel, callback=None) -> int:
        """Solve ``model`` with ``solver`` unless stopped; the solver can be stopped from elsewhere."""
        self.solver = solver
        try:
            if self.should_stop():
                return cp_model.UNKNOWN
            return solver.solve(model, callback)
        finally:
            self.solver = None


class _FullWatcher(cp_model.CpSolverSolutionCallback):
    """Report each full schedule phase B finds (its objective is the full cost)."""

    def __init__(self, run: _Run):
        super().__init__()
        self.run = run
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        self.run.offer(int(round(self.objective_value)))
        if self.run.stopped:
            self.stop_search()


class _BoundWatcher(cp_model.CpSolverSolutionCallback):
    """Phase A: stop when stopped (its solutions are placements, not full schedules)."""

    def __init__(self, run: _Run):
        super().__init__()
        self.run = run
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.run.should_stop():
            self.stop_search()


def solver_for(time_limit_s: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    """Return a CP-SAT solver with the engine's parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit_s))
    solver.parameters.num_workers = max(1, int(num_workers))
    solver.parameters.random_seed = int(seed)
    return solver


def complete_hint(model: cp_model.CpModel, seconds: float, seed: int = 0) -> bool:
    """Turn a partial hint into a complete one: solve with the hinted values fixed.

    CP-SAT uses a complete, feasible hint as its first solution at once; an
    incomplete one it may fail to repair. Returns True when the hint was completed.
    """
    return completed_cost(model, seconds, seed) is not None


def completed_cost(model: cp_model.CpModel, seconds: float, seed: int = 0) -> float | None:
    """``complete_hint``, returning the objective of the completed hint (None when it failed)."""
    if not model.proto.solution_hint.vars or seconds <= 0.05:
        return None
    solver = solver_for(seconds, 1, seed)
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.stop_after_first_solution = True
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    _keep_as_hint(model, solver)
    return solver.objective_value


def _placement(m, solver) -> dict[str, tuple[int, str | None]]:
    """Return the placement of a solved (placement) model: visit -> (candidate index, bed)."""
    value = solver.boolean_value
    placed = {}
    for vid, sched in m.sched.items():
        if value(sched):
            k = next(k for k, x in enumerate(m.x[vid]) if value(x))
            bed = next((b for b, var in m.bed.get(vid, {}).items() if value(var)), None)
            placed[vid] = (k, bed)
    return placed


def solve(problem: Problem, time_limit_s: float = 30.0, num_workers: int = 2, seed: int = 0,
          on_progress: Callable[[Progress], bool | None] | None = None,
          stop_event: threading.Event | None = None) -> Result:
    """Find a schedule of least cost within the time limit, in three stages.

    Stage A (``placement.py``, aggregate model) chooses which visits to
    place, their starts and the roster, with each bed feature class as a
    capacity over time instead of named beds and H7 replaced by nurse
    capacity and a lower bound of continuity: a relaxation of the full model
    whose cost never exceeds the full cost. Stage beds (the placement model
    restricted to starts near A's) names the beds, keeping room sharing,
    fixed beds and the rest. Stage B (the full model with that placement
    fixed) names the primary nurses, may re-roster, and may still leave
    optional visits out. While time is left, A goes on from its best
    solution and each better placement is staffed in turn. The first-fit
    baseline is the first schedule and the warm start.

    Why the bound is a proof: every full schedule is feasible in the
    aggregate model at a cost no higher than its full cost (its beds meet
    every class capacity; it meets the nurse capacities; its continuity is
    at least the floor; a visit that keeps its start and bed keeps its
    start). So A's proven lower bound (CP-SAT's ``best_objective_bound``,
    also when stopped by time) bounds every full schedule; no-good cuts are
    only added on starts of the mandatory visits that the bed stage or stage
    B proved impossible. The status is OPTIMAL only when the returned
    schedule's full cost equals that bound.

    ``on_progress`` is called with each better full schedule; returning
    False stops the search, as does setting ``stop_event`` (from any
    thread): the best schedule so far is returned, FEASIBLE.
    """
    started = time.perf_counter()
    run = _Run(started, started + max(0.05, float(time_limit_s)), on_progress, stop_event)
    thread = run.watch()
    try:
        return _solve(problem, run, num_workers, seed)
    finally:
        run.close(thread)


#: stage A's share of the time left: first without nurse capacity, then in later rounds
FIRST_SHARE, LATER_SHARE = 0.3, 0.5
#: stage B's share of the time left when more rounds may follow
STAFF_SHARE = 0.35
#: above this many primary-nurse variables stage B runs one CP-SAT worker (memory) ...
PHASE_B_ONE_WORKER = 60_000
#: ... and above this many it is not built: the placement is staffed first-fit (``greedy.py``)
PHASE_B_MAX_NURSE_VARS = 150_000


def _nurse_variables(a, placed: dict) -> int:
    """Count the primary-nurse variables stage B would make for a placement (visit -> (candidate, bed))."""
    count = 0
    for vid, (k, _bed) in placed.items():
        for need in a.plans[vid].candidates[k].needs:
            count += sum(1 for q in a.planner.on_call[need.shift] if "RN" in q.roles and need.skills <= q.skills)
    return count


def _solve(problem: Problem, run: _Run, num_workers: int, seed: int) -> Result:
    a = build_model(problem, placement=True, aggregate=True)
    blocked = impossible_reasons(a)
    if any(problem.visits[vid].mandatory for vid in blocked):
        return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
    fallback = baseline(a)
    best = None  # (schedule, terms, details, objective) of the best full schedule CP-SAT found
    if fallback is not None:
        run.offer(int(fallback["objective"]))
    if not run.should_stop() and add_hints(a, fallback) is not None:
        complete_hint(a.cp, min(5.0, 0.1 * run.left()), seed)
    first = _first_placement(problem, a, run, num_workers, seed)
    if first == "infeasible":
        return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
    staffed = None  # stage A cost of the last placement staffed
    for round_ in range(50):
        if run.should_stop():
            break
        if first is not None:
            solver, code, first = first, cp_model.FEASIBLE, None
        elif _bed_model_fits(a):  # later rounds with named beds (units small enough for them)
            found = _rounds_with_beds(problem, a, best, fallback, run, num_workers, seed)
            if found == "infeasible":
                if best is None and fallback is None:
                    return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
            elif found is not None:
                best = found
            break
        else:
            solver = solver_for(max(0.05, LATER_SHARE * run.left()), num_workers, seed + round_)
            solver.parameters.cp_model_probing_level = 0
            code = run.run(solver, a.cp, _BoundWatcher(run))
            if code == cp_model.INFEASIBLE:
                if best is None and fallback is None:  # the relaxation (and its sound cuts) is infeasible
                    return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
                break
            if code == cp_model.MODEL_INVALID:
                raise RuntimeError(f"internal error: invalid CP-SAT model ({a.cp.validate()})")
            if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
            run.raise_bound(solver.best_objective_bound)
        cost = int(round(solver.objective_value))
        log.debug("stage A: %s %s bound %s at %.1fs", solver.status_name(code), cost, run.bound, run.elapsed())
        if run.bound >= (best[3] if best is not None else math.inf):
            break  # the best schedule is proved optimal
        _keep_as_hint(a.cp, solver)
        if staffed is not None and cost >= staffed:
            if code == cp_model.OPTIMAL:
                break
            continue  # no better placement yet: search on
        staffed = cost
        starts = {vid: k for vid, (k, _bed) in _placement(a, solver).items()}
        roster = {key for key, var in a.work.items() if solver.boolean_value(var)}
        placed, cut = _assign_beds(problem, a, starts, roster, run, num_workers, seed)
        found = None
        if placed is not None:
            found, cut = _staff(problem, a, placed, roster, run, num_workers, seed,
                                budget=None if code == cp_model.OPTIMAL else STAFF_SHARE * run.left())
        if found is not None and (best is None or found[3] < best[3]):
            best = found
        if cut:  # these starts of the mandatory visits cannot be made to work: never again
            must = [a.x[vid][k] for vid, k in starts.items() if problem.visits[vid].mandatory]
            a.cp.add_bool_or([~lit for lit in must])
            a.cp.clear_hints()
            staffed = None
        elif code == cp_model.OPTIMAL:
            break
    return _result(problem, a, run, fallback, best)


def _first_placement(problem: Problem, a, run: _Run, num_workers: int, seed: int):
    """Stage A's first placement, in two quick steps; return the solved solver, None, or "infeasible".

    Nurse capacity is what makes stage A hard to search (it ties the starts
    to the RN roster). So A0 solves the aggregate model without it: easy, and
    a relaxation, so its proven bound is a bound of the whole problem. Then
    A1 keeps A0's starts (visits may still be left out) and finds the roster
    with nurse capacity: its solution is a placement of the whole aggregate
    model, and the warm start of the later rounds.
    """
    if run.should_stop() or a.capacity_on is None:
        return None
    on = {a.capacity_on.index: 0}
    solver = solver_for(max(0.05, FIRST_SHARE * run.left()), num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    with _fixed(a.cp, on):
        code = run.run(solver, a.cp, _BoundWatcher(run))
    if code == cp_model.INFEASIBLE:
        return "infeasible"
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    run.raise_bound(solver.best_objective_bound)
    log.debug("stage A0: %s %s bound %s at %.1fs", solver.status_name(code), solver.objective_value,
              solver.best_objective_bound, run.elapsed())
    chosen = _placement(a, solver)
    others = {x.index: 0 for vid, xs in a.x.items() for k, x in enumerate(xs)
              if vid not in chosen or chosen[vid][0] != k}
    solver = solver_for(max(0.05, 0.5 * run.left()), num_workers, seed)
    with _fixed(a.cp, others):
        code = run.run(solver, a.cp, _BoundWatcher(run))
    log.debug("stage A1: %s at %.1fs", solver.status_name(code), run.elapsed())
    return solver if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


@contextmanager
def _fixed(model: cp_model.CpModel, values: dict[int, int]):
    """Fix variables (proto index -> value) for one solve, then give them their domains back."""
    saved = {}
    for i, value in values.items():
        domain = model.proto.variables[i].domain
        saved[i] = list(domain)
        domain.clear()
        domain.extend([value, value])
    try:
        yield
    finally:
        for i, values_before in saved.items():
            domain = model.proto.variables[i].domain
            domain.clear()
            domain.extend(values_before)


#: the placement model with named beds is used to improve while it has at most this many bed variables
BED_MODEL_MAX_VARS = 15_000


def _bed_model_fits(a) -> bool:
    return sum(len(a.plans[vid].beds) for vid in a.bed) <= BED_MODEL_MAX_VARS


def _rounds_with_beds(problem: Problem, a, best, fallback, run: _Run, num_workers: int, seed: int):
    """Search the placement model (named beds) from the best schedule so far; stage B staffs each better one.

    The aggregate model cannot see a bed that is free at every instant but
    not for a whole stay, so after its first round the search goes on with
    named beds, warm-started from the best full schedule (else the first-fit
    one). Its first round minimises the unscheduled cost alone (stage U): its
    proven bound ``u`` cuts every later round (``unscheduled >= u`` holds for
    every schedule) and raises the bound. Returns the best full schedule (as
    ``_staff`` gives it), None, or "infeasible".
    """
    from .objective import TERMS

    pm = build_model(problem, placement=True, plans=(a.planner, a.plans))
    warm = best[0] if best is not None else fallback
    if warm is not None:
        hint_schedule(pm, warm)
        complete_hint(pm.cp, min(5.0, 0.1 * run.left()), seed)
    total = sum(pm.terms[name] for name in TERMS)
    last = None
    for round_ in range(50):
        if run.should_stop():
            break
        solver = solver_for(max(0.05, LATER_SHARE * run.left()), num_workers, seed + round_)
        solver.parameters.cp_model_probing_level = 0
        if round_ == 0:
            pm.cp.minimize(pm.terms["unscheduled"])
        code = run.run(solver, pm.cp, _BoundWatcher(run))
        if code == cp_model.INFEASIBLE:
            return "infeasible" if best is None else best
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if round_ == 0:
            pm.cp.minimize(total)
            low = int(math.ceil(solver.best_objective_bound - 1e-6))
            run.raise_bound(low)
            if low > 0:
                pm.cp.add(pm.terms["unscheduled"] >= low)
            cost = int(round(solver.value(total)))
        else:
            run.raise_bound(solver.best_objective_bound)
            cost = int(round(solver.objective_value))
        log.debug("placement model: %s %s bound %s at %.1fs", solver.status_name(code), cost,
                  solver.best_objective_bound, run.elapsed())
        if best is not None and run.bound >= best[3]:
            break  # the best schedule is proved optimal
        _keep_as_hint(pm.cp, solver)
        if last is not None and cost >= last or best is not None and cost >= best[3]:
            if code == cp_model.OPTIMAL and round_ > 0:
                break
            continue  # no better placement yet: search on
        last = cost
        placed = _placement(pm, solver)
        roster = {key for key, var in pm.work.items() if solver.boolean_value(var)}
        final = code == cp_model.OPTIMAL and round_ > 0
        found, cut = _staff(problem, a, placed, roster, run, num_workers, seed,
                            budget=None if final else STAFF_SHARE * run.left())
        if found is not None and (best is None or found[3] < best[3]):
            best = found
        if cut:  # these starts of the mandatory visits cannot be staffed: never again
            must = [pm.x[vid][k] for vid, (k, _bed) in placed.items() if problem.visits[vid].mandatory]
            pm.cp.add_bool_or([~lit for lit in must])
            pm.cp.clear_hints()
            last = None
        elif final:
            break
    return best


def _keep_as_hint(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Make the solver's best solution the model's (complete) hint, to go on from it."""
    values = solver.response_proto.solution
    model.clear_hints()
    for i, value in enumerate(values):
        model.proto.solution_hint.vars.append(i)
        model.proto.solution_hint.values.append(value)


def _assign_beds(problem: Problem, a, starts: dict, roster: set, run: _Run, num_workers: int, seed: int):
    """The bed stage: name the beds of stage A's placement. Return (placement, proved_impossible).

    First the best-fit heuristic of ``beds.py``; if it leaves a stay without
    a bed, the placement model (named beds, every rule) in which the bedded
    visits keep their starts and the others may take any of theirs,
    warm-started from the heuristic; optional visits may still be left out.
    The placement is visit -> (index in ``a.plans``, bed); ``roster`` is
    updated in place.
    """
    from .beds import assign_beds
    from .placement import start_plans

    at = {vid: a.plans[vid].candidates[k].start for vid, k in starts.items()}
    previous = {vid: v.bed for vid, v in problem.previous.visits.items() if v.bed is not None}
    named, left = assign_beds(problem, a.plans, at, previous)
    log.debug("bed heuristic: %d stays bedded, %d not", len(named), len(left))
    if not left:  # every stay has a bed at stage A's start
        return {vid: (k, named.get(vid)) for vid, k in starts.items()}, False
    # the stays left without a bed may take any of their starts; the others keep theirs
    plans = start_plans(a.plans, {vid: k for vid, k in starts.items() if vid not in left})
    for vid in left:
        plans[vid] = a.plans[vid]
    c = build_model(problem, placement=True, plans=(a.planner, plans))
    for vid, sched in c.sched.items():
        c.cp.add_hint(sched, vid in starts and vid not in left)
        if len(c.x[vid]) > 1:
            for k, x in enumerate(c.x[vid]):
                c.cp.add_hint(x, False)
        if len(c.bed.get(vid, {})) > 1:
            for b, var in c.bed[vid].items():
                c.cp.add_hint(var, named.get(vid) == b)
    for key, var in c.work.items():
        c.cp.add_hint(var, key in roster)
    complete_hint(c.cp, min(2.0, 0.05 * run.left()), seed)
    solver = solver_for(max(0.05, min(0.2 * run.left(), 20.0)), num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, c.cp, _BoundWatcher(run))
    log.debug("bed stage: %s %s at %.1fs", solver.status_name(code),
              solver.objective_value if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None, run.elapsed())
    if code == cp_model.INFEASIBLE:
        return None, True
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    index = {vid: {cand.start: k for k, cand in enumerate(plan.candidates)} for vid, plan in a.plans.items()}
    placed = {vid: (index[vid][plans[vid].candidates[k].start], bed) for vid, (k, bed) in _placement(c, solver).items()}
    roster.clear()
    roster.update(key for key, var in c.work.items() if solver.boolean_value(var))
    return placed, False


def _staff(problem: Problem, a, placed: dict, roster: set, run: _Run, num_workers: int, seed: int,
           budget: float | None = None):
    """Phase B: the full model with the placement fixed. Return (best, proved_unstaffable).

    ``budget`` caps its time (else all the time left).
    """
    from .placement import fixed_plans

    if _nurse_variables(a, placed) > PHASE_B_MAX_NURSE_VARS:  # too big to build (memory): first fit only
        fallback = _staffed_first_fit(problem, a, placed)
        if fallback is not None:
            run.offer(fallback[3])
        return fallback, False
    b = build_model(problem, plans=(a.planner, fixed_plans(a.plans, placed)))
    for vid, sched in b.sched.items():
        b.cp.add_hint(sched, True)
    for key, var in b.work.items():
        b.cp.add_hint(var, key in roster)
    left = run.left() if budget is None else min(run.left(), budget)
    began = time.perf_counter()
    done = complete_hint(b.cp, min(5.0, 0.2 * left), seed)
    if not done:  # that roster cannot carry named nurses: keep the visits, let the roster go
        b.cp.clear_hints()
        for vid, sched in b.sched.items():
            b.cp.add_hint(sched, True)
        done = complete_hint(b.cp, min(5.0, 0.2 * left), seed)
    fallback = None
    if not done:  # first-fit named nurses on that placement: a full schedule, and the warm start
        fallback = _staffed_first_fit(problem, a, placed)
        if fallback is not None:
            b.cp.clear_hints()
            hint_schedule(b, fallback[0])
            done = complete_hint(b.cp, min(5.0, 0.2 * left), seed)
            run.offer(fallback[3])
    log.debug("phase B hint completed: %s at %.1fs", done, run.elapsed())
    left -= time.perf_counter() - began
    # each worker holds its own copy of the model: one worker on the biggest (memory)
    workers = 1 if len(b.nurse) > PHASE_B_ONE_WORKER else num_workers
    solver = solver_for(max(0.05, left), workers, seed)
    if len(b.nurse) > 4000:
        solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, b.cp, _FullWatcher(run))
    if code == cp_model.INFEASIBLE:
        return None, True
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return fallback, False
    schedule, terms, details = extract(b, solver)
    objective = int(round(solver.objective_value))
    if fallback is not None and fallback[3] < objective:
        return fallback, False
    log.debug("phase B: %s %s bound %s at %.1fs (%d nurse vars)", solver.status_name(code), objective,
              solver.best_objective_bound, run.elapsed(), len(b.nurse))
    run.offer(objective)
    return (schedule, terms, details, objective), False


def _staffed_first_fit(problem: Problem, a, placed: dict):
    """Return the placement staffed first-fit (``greedy.staff_placement``) as a best-so-far entry, or None."""
    from .greedy import staff_placement

    rows = {vid: (problem.at(a.plans[vid].candidates[k].start).isoformat(), bed) for vid, (k, bed) in placed.items()}
    try:
        schedule = staff_placement(problem.raw, rows)
    except Exception:  # noqa: BLE001 - a warm start is optional
        log.exception("first-fit staffing failed")
        return None
    if schedule is None:
        return None
    details = schedule_costs(problem, schedule)
    terms: dict[str, int] = {}
    for term, _subject, amount in details:
        terms[term] = terms.get(term, 0) + amount
    log.debug("first-fit staffing: %s", schedule["objective"])
    return schedule, terms, details, int(schedule["objective"])


def _result(problem: Problem, a, run: _Run, fallback: dict | None, best) -> Result:
    elapsed = run.elapsed()
    use_fallback = fallback is not None and (best is None or int(fallback["objective"]) < best[3])
    if use_fallback:
        return _from_baseline(problem, a, fallback, run, elapsed)
    if best is None:
        schedule = empty_schedule(problem, "UNKNOWN", fallback_reasons(a, None, unknown=True))
        schedule["solve_seconds"] = round(elapsed, 3)
        return Result("UNKNOWN", None, None, elapsed, None, None, schedule)
    schedule, terms, details, objective = best
    bound = min(run.bound, objective)
    status = "OPTIMAL" if bound == objective else "FEASIBLE"
    schedule.update(status=status, objective=objective, bound=bound, solve_seconds=round(elapsed, 3))
    schedule["unscheduled"] = _unscheduled(problem, a, schedule)
    return Result(status, objective, bound, elapsed, run.first, run.best_at, schedule, terms, details, [])


def _from_baseline(problem: Problem, model, schedule: dict, run: _Run, elapsed: float) -> Result:
    """Return the first-fit schedule, which beat what CP-SAT found in the time allowed."""
    schedule = dict(schedule)
    objective = int(schedule["objective"])
    bound = min(objective, run.bound)
    status = "OPTIMAL" if bound == objective else "FEASIBLE"
    details = schedule_costs(problem, schedule)
    terms: dict[str, int] = {}
    for term, _subject, amount in details:
        terms[term] = terms.get(term, 0) + amount
    schedule.update(status=status, objective=objective, bound=bound, solve_seconds=round(elapsed, 3),
                    conflicts=[])
    return Result(status, objective, bound, elapsed, run.first, run.best_at, schedule,
                  terms, details, [])


def _unscheduled(problem: Problem, model, schedule: dict) -> list[dict]:
    placed = {v["visit"] for v in schedule["visits"]}
    missing = [vid for vid in problem.visits if vid not in placed]
    if not missing:
        return []
    reasons: dict[str, str] = {}
    try:
        from .explain import explain_unscheduled
        reasons = dict(explain_unscheduled(problem.raw, schedule) or {})
    except Exception:  # noqa: BLE001 - an explanation must never lose the schedule
        reasons = {}
    fallback = fallback_reasons(model, schedule)
    return [{"visit": vid, "reason": (reasons.get(vid) or "").strip() or fallback[vid]} for vid in missing]


def _infeasible(problem: Problem, model, started: float, time_limit_s: float, seed: int) -> Result:
    from .conflicts import explain_infeasible

    left = max(1.0, min(10.0, time_limit_s - (time.perf_counter() - started)))
    conflicts = explain_infeasible(problem, (model.planner, model.plans), left, seed)
    reasons = fallback_reasons(model, None, infeasible=True)
    schedule = empty_schedule(problem, "INFEASIBLE", reasons, conflicts)
    elapsed = time.perf_counter() - started
    schedule["solve_seconds"] = round(elapsed, 3)
    return Result("INFEASIBLE", None, None, elapsed, None, None, schedule, conflicts=conflicts)
