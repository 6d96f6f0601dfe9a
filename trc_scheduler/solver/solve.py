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
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

log = logging.getLogger(__name__)

from .extract import empty_schedule
from .hints import add_hints, baseline
from .model import build_model
from .problem import Problem
from .reasons import fallback_reasons, impossible_reasons
from .search import Progress, Run, Watcher, complete_hint, keep_as_hint, placement_and_roster, solver_for
from .stages import LATER_SHARE, STAFF_SHARE, bed_model_fits, first_placement, monolithic_fits, name_beds, \
    rounds_with_beds, schedule_entry, staff, whole_model

__all__ = ["Progress", "Result", "solve"]

#: time kept back from the search to explain the unscheduled visits: a share of the limit, at most
#: this much per visit of the instance (the explanations skip their slowest part once the limit is reached)
EXPLAIN_RESERVE, EXPLAIN_PER_VISIT_S = 0.02, 0.002


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


def solve(problem: Problem, time_limit_s: float = 30.0, num_workers: int = 2, seed: int = 0,
          on_progress: Callable[[Progress], bool | None] | None = None,
          stop_event: threading.Event | None = None) -> Result:
    """Find a schedule of least cost within the time limit, in stages.

    Stage A (``placement.py``, aggregate model) chooses which visits to
    place, their starts and the roster, with bed sets as capacities over
    time instead of named beds and H7 replaced by nurse capacity and a lower
    bound of continuity: a relaxation of the full model whose cost never
    exceeds the full cost. It runs first without nurse capacity (A0); a
    first fit guided by its placement (``greedy.guided``) makes it a whole
    schedule at once, from which, on a unit small enough for named beds,
    the rounds with named beds start straight away. On bigger units A1
    keeps A0's starts to find a roster, a guided first fit makes that
    whole too (on a long horizon a search of the aggregate model by time
    windows, ``windows.py``, goes on from it), and the bed stage names the
    beds. Stage B (the full model with a
    placement fixed) names the primary nurses of each placement, may
    re-roster, and may still leave optional visits out. A tiny unit
    (``stages.monolithic_fits``) is then searched as the full model at once,
    whose bound can prove the optimum. Otherwise, while
    time is left, the placement model with named beds goes on from the best
    schedule (unscheduled cost alone first: stage U, then a neighbourhood
    search by room and time, ``lns.py``), or on units too big for it the
    aggregate model does, and each better placement is staffed in turn.
    The first-fit baseline is the first schedule and a warm start.

    Why the bound is a proof: every full schedule is feasible in the
    aggregate model (and in A0, and in the placement model) at a cost no
    higher than its full cost (its beds meet every bed set's capacity and
    room count; it meets the nurse capacities; its continuity is at least
    the floor; a visit that keeps its start and bed keeps its start). So
    each of their proven lower bounds (CP-SAT's ``best_objective_bound``,
    also when stopped by time) bounds every full schedule, as does the full
    model's own (tiny units); stage U's bound
    ``u`` makes ``unscheduled >= u`` a valid cut; no-good cuts are only added
    on starts of the mandatory visits that a later stage proved impossible.
    The status is OPTIMAL only when the returned schedule's full cost
    equals the best of those bounds.

    ``on_progress`` is called with each better full schedule; returning
    False stops the search, as does setting ``stop_event`` (from any
    thread): the best schedule so far is returned, FEASIBLE.
    """
    started = time.perf_counter()
    limit = max(0.05, float(time_limit_s))
    # the search stops early enough to explain the visits left out within the limit
    run = Run(started, started + limit - min(EXPLAIN_RESERVE * limit, EXPLAIN_PER_VISIT_S * len(problem.visits)),
              on_progress, stop_event)
    run.limit = started + limit
    thread = run.watch()
    try:
        return _solve(problem, run, num_workers, seed)
    finally:
        run.close(thread)


def _solve(problem: Problem, run: Run, num_workers: int, seed: int) -> Result:
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
    first, guided = first_placement(problem, a, run, num_workers, seed)
    if guided is not None and (fallback is None or guided[3] < int(fallback["objective"])):
        run.offer(guided[3])
        best = guided  # stage A's placement, made whole first-fit: the warm start of the rounds
    if first == "infeasible":
        return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
    if first == "direct":  # straight to the rounds with named beds, from the first-fit schedule
        first = None
    staffed = None  # stage A cost of the last placement staffed
    for round_ in range(50):
        if run.should_stop():
            break
        if first is not None:
            solver, code, first = first, cp_model.FEASIBLE, None
        elif bed_model_fits(a):  # later rounds with named beds (units small enough for them)
            search = whole_model if monolithic_fits(a) else rounds_with_beds  # tiny: the full model at once
            found = search(problem, a, best, fallback, run, num_workers, seed)
            if found == "infeasible":
                if best is None and fallback is None:
                    return _infeasible(problem, a, run.started, run.left() + run.elapsed(), seed)
            elif found is not None:
                best = found
            break
        else:
            solver = solver_for(max(0.05, LATER_SHARE * run.left()), num_workers, seed + round_)
            solver.parameters.cp_model_probing_level = 0
            code = run.run(solver, a.cp, Watcher(run))
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
        keep_as_hint(a.cp, solver)
        if staffed is not None and cost >= staffed:
            if code == cp_model.OPTIMAL:
                break
            continue  # no better placement yet: search on
        staffed = cost
        chosen, roster = placement_and_roster(a, solver)
        starts = {vid: k for vid, (k, _bed) in chosen.items()}
        placed, cut = name_beds(problem, a, starts, roster, run, num_workers, seed)
        found = None
        if placed is not None:
            found, cut = staff(problem, a, placed, roster, run, num_workers, seed,
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


def _result(problem: Problem, a, run: Run, fallback: dict | None, best) -> Result:
    use_fallback = fallback is not None and (best is None or int(fallback["objective"]) < best[3])
    if use_fallback:  # the first-fit schedule beat what CP-SAT found in the time allowed
        best = schedule_entry(problem, dict(fallback))
    if best is None:
        schedule = empty_schedule(problem, "UNKNOWN", fallback_reasons(a, None, unknown=True))
        elapsed = run.elapsed()
        schedule["solve_seconds"] = round(elapsed, 3)
        return Result("UNKNOWN", None, None, elapsed, None, None, schedule)
    schedule, terms, details, objective = best
    bound = min(run.bound, objective)
    status = "OPTIMAL" if bound == objective else "FEASIBLE"
    schedule["unscheduled"] = _unscheduled(problem, a, schedule, run.limit)
    elapsed = run.elapsed()
    schedule.update(status=status, objective=objective, bound=bound, solve_seconds=round(elapsed, 3), conflicts=[])
    return Result(status, objective, bound, elapsed, run.first, run.best_at, schedule, terms, details, [])


def _unscheduled(problem: Problem, model, schedule: dict, deadline: float) -> list[dict]:
    placed = {v["visit"] for v in schedule["visits"]}
    missing = [vid for vid in problem.visits if vid not in placed]
    if not missing:
        return []
    reasons: dict[str, str] = {}
    try:
        from .explain import explain_unscheduled
        reasons = dict(explain_unscheduled(problem.raw, schedule, deadline) or {})
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
