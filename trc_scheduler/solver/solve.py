"""Solve a problem in two phases (placement, then staffing) and extract the schedule.

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
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

log = logging.getLogger(__name__)

from .extract import empty_schedule, extract, schedule_costs
from .hints import add_hints, baseline
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
    if not model.proto.solution_hint.vars or seconds <= 0.05:
        return False
    solver = solver_for(seconds, 1, seed)
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.stop_after_first_solution = True
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = solver.response_proto.solution
    model.clear_hints()
    for i, value in enumerate(values):
        model.proto.solution_hint.vars.append(i)
        model.proto.solution_hint.values.append(value)
    return True


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
    """Find a schedule of least cost within the time limit, in two phases.

    Phase A (``placement.py``) places visits and rosters staff on the
    placement model, a relaxation of the full model whose cost never exceeds
    the full cost; phase B (the full model with A's placement fixed) names
    the primary nurses, may re-roster, and may still leave optional visits
    out. The first-fit baseline is the first schedule and the warm start.

    Why the bound is a proof: every full schedule is feasible in the
    placement model at a cost no higher than its full cost (the placement
    model drops H7 for conditions every staffable placement meets, and
    replaces continuity by a lower bound of it). So A's proven lower bound
    (CP-SAT's ``best_objective_bound``, also when stopped by time) bounds
    every full schedule; no-good cuts are only added on placements that
    phase B proved unstaffable. Before phase A proper, stage U
    (``_placed_first``) solves the placement model for the unscheduled term
    alone: its proven bound bounds that term in every full schedule, so it
    is both a bound of the total (the other terms are >= 0) and a valid cut
    ``unscheduled >= u`` for phase A; its placement warm-starts phase A and,
    when it beats the baseline, is staffed at once by a short phase B, so a
    full schedule better than the baseline comes early (``on_progress``).
    The status is OPTIMAL only when the returned schedule's full cost
    equals that bound.

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


def _solve(problem: Problem, run: _Run, num_workers: int, seed: int) -> Result:
    a = build_model(problem, placement=True)
    blocked = impossible_reasons(a)
    if any(problem.visits[vid].mandatory for vid in blocked):
        return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
    fallback = baseline(a)
    best = None  # (schedule, terms, details) of the best full schedule CP-SAT found
    if fallback is not None:
        run.offer(int(fallback["objective"]))
    source = add_hints(a, fallback) if not run.should_stop() else None
    # search: try to schedule visits first, most important first (unscheduled costs dominate)
    order = sorted(a.sched, key=lambda v: (not problem.visits[v].mandatory, -problem.visits[v].priority))
    a.cp.add_decision_strategy([a.sched[v] for v in order], cp_model.CHOOSE_FIRST, cp_model.SELECT_MAX_VALUE)
    if source is not None:
        complete_hint(a.cp, min(5.0, 0.2 * run.left()), seed)
    first = _placed_first(problem, a, run, num_workers, seed, fallback)
    # staff stage U's placement at once (short): a full schedule early, should the search stop
    # soon; not worth it when its placement cost (about its full cost) is no better than greedy's
    if first is not None and not run.should_stop() and (fallback is None or first[2] < int(fallback["objective"])):
        placed, roster, _cost = first
        found, proved_unstaffable = _staff(problem, a, placed, roster, run, num_workers, seed,
                                           budget=max(0.5, 0.1 * run.left()))
        if found is not None:
            best = found
        if proved_unstaffable:
            must = [a.x[vid][k] for vid, (k, _bed) in placed.items() if problem.visits[vid].mandatory]
            a.cp.add_bool_or([~lit for lit in must])
    for _round in range(4):
        if run.should_stop():
            break
        # leave phase B the time to name nurses (its first schedule comes from a completed hint)
        reserve = 0.0 if fallback is None and best is None else max(1.5, 0.15 * run.left())
        solver = solver_for(max(0.05, run.left() - reserve), num_workers, seed)
        solver.parameters.cp_model_probing_level = 0
        code = run.run(solver, a.cp, _BoundWatcher(run))
        if code == cp_model.INFEASIBLE:
            if best is None:  # the relaxation is infeasible, so is the problem
                return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
            break
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"internal error: invalid CP-SAT model ({a.cp.validate()})")
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        run.raise_bound(solver.best_objective_bound)
        log.debug("phase A: %s %s bound %s at %.1fs", solver.status_name(code), solver.objective_value,
                  solver.best_objective_bound, run.elapsed())
        placed = _placement(a, solver)
        roster = {key for key, var in a.work.items() if solver.boolean_value(var)}
        found, proved_unstaffable = _staff(problem, a, placed, roster, run, num_workers, seed)
        if found is not None and (best is None or found[3] < best[3]):
            best = found
        if not proved_unstaffable:
            break
        # no-good: this placement of the mandatory visits cannot be staffed
        must = [a.x[vid][k] for vid, (k, _bed) in placed.items() if problem.visits[vid].mandatory]
        a.cp.add_bool_or([~lit for lit in must])
    return _result(problem, a, run, fallback, best)


def _placed_first(problem: Problem, a, run: _Run, num_workers: int, seed: int, fallback):
    """Stage U of phase A: place as much priority as possible, ignoring the other costs.

    The placement model is solved with the unscheduled term as its only
    objective (same constraints). Its proven bound ``u`` is a lower bound of
    the unscheduled cost of every placement, hence (phase A being a
    relaxation) of every full schedule; so ``unscheduled >= u`` is added to the
    placement model (it cuts off no schedule) and ``u`` raises the bound (the
    other terms are >= 0). Its solution, when it beats the baseline on the
    placement model's own cost, becomes the complete hint of phase A.
    Returns its (placement, roster, placement cost) for phase B, or None when it found none.
    """
    from .objective import TERMS

    budget = 0.3 * run.left()
    if run.should_stop() or budget < 0.5:
        return None
    total = sum(a.terms[name] for name in TERMS)
    a.cp.minimize(a.terms["unscheduled"])
    solver = solver_for(budget, num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, a.cp, _BoundWatcher(run))
    a.cp.minimize(total)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    low = int(math.ceil(solver.best_objective_bound - 1e-6))
    run.raise_bound(low)
    if low > 0:
        a.cp.add(a.terms["unscheduled"] >= low)
    cost = int(round(solver.value(total)))
    log.debug("stage U: %s unscheduled %s bound %s, placement cost %s at %.1fs", solver.status_name(code),
              solver.objective_value, low, cost, run.elapsed())
    if fallback is None or cost < int(fallback["objective"]):
        values = solver.response_proto.solution
        a.cp.clear_hints()
        for i, value in enumerate(values):
            a.cp.proto.solution_hint.vars.append(i)
            a.cp.proto.solution_hint.values.append(value)
    roster = {key for key, var in a.work.items() if solver.boolean_value(var)}
    return _placement(a, solver), roster, cost


def _staff(problem: Problem, a, placed: dict, roster: set, run: _Run, num_workers: int, seed: int,
           budget: float | None = None):
    """Phase B: the full model with the placement fixed. Return (best, proved_unstaffable).

    ``budget`` caps its time (else all the time left).
    """
    from .placement import fixed_plans

    b = build_model(problem, plans=(a.planner, fixed_plans(a.plans, placed)))
    for vid, sched in b.sched.items():
        b.cp.add_hint(sched, True)
    for key, var in b.work.items():
        b.cp.add_hint(var, key in roster)
    left = run.left() if budget is None else min(run.left(), budget)
    began = time.perf_counter()
    done = complete_hint(b.cp, min(5.0, 0.3 * left), seed)
    log.debug("phase B hint completed: %s at %.1fs", done, run.elapsed())
    left -= time.perf_counter() - began
    solver = solver_for(max(0.05, left), num_workers, seed)
    if len(b.nurse) > 4000:
        solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, b.cp, _FullWatcher(run))
    if code == cp_model.INFEASIBLE:
        return None, True
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    schedule, terms, details = extract(b, solver)
    objective = int(round(solver.objective_value))
    log.debug("phase B: %s %s bound %s at %.1fs (%d nurse vars)", solver.status_name(code), objective,
              solver.best_objective_bound, run.elapsed(), len(b.nurse))
    run.offer(objective)
    return (schedule, terms, details, objective), False


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
