"""Solve a problem: build the CP-SAT model, run it, extract the schedule.

Statuses: OPTIMAL only when CP-SAT proved it; FEASIBLE when a schedule was
found but not proved best (also when ``on_progress`` stopped the search);
INFEASIBLE when the hard rules cannot all hold (``conflicts`` says why);
UNKNOWN when no schedule was found in the time allowed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from ortools.sat.python import cp_model

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


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Record solution times and report each improvement to ``on_progress``."""

    def __init__(self, on_progress, started: float):
        super().__init__()
        self.on_progress = on_progress
        self.started = started
        self.count = 0
        self.first: float | None = None
        self.best: float | None = None
        self.stopped = False

    def on_solution_callback(self) -> None:
        self.count += 1
        now = time.perf_counter() - self.started
        self.first = now if self.first is None else self.first
        self.best = now
        if self.on_progress is not None:
            info = Progress(int(self.objective_value), int(self.best_objective_bound), now, self.count)
            if self.on_progress(info) is False:
                self.stopped = True
                self.stop_search()


def solver_for(time_limit_s: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    """Return a CP-SAT solver with the engine's parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit_s))
    solver.parameters.num_workers = max(1, int(num_workers))
    solver.parameters.random_seed = int(seed)
    return solver


def solve(problem: Problem, time_limit_s: float = 30.0, num_workers: int = 2, seed: int = 0,
          on_progress: Callable[[Progress], bool | None] | None = None) -> Result:
    """Find a schedule of least cost within the time limit."""
    started = time.perf_counter()
    model = build_model(problem)
    blocked = impossible_reasons(model)
    if any(problem.visits[vid].mandatory for vid in blocked):
        return _infeasible(problem, model, started, time_limit_s, seed)
    solver = solver_for(time_limit_s - (time.perf_counter() - started), num_workers, seed)
    if len(model.nurse) > 4000:  # probing big models costs more than it saves
        solver.parameters.cp_model_probing_level = 0
    fallback = baseline(model)
    add_hints(model, fallback)
    watcher = _Watcher(on_progress, started)
    code = solver.solve(model.cp, watcher)
    status = solver.status_name(code)
    if status == "MODEL_INVALID":
        raise RuntimeError(f"internal error: invalid CP-SAT model ({model.cp.validate()})")
    if status == "INFEASIBLE":
        return _infeasible(problem, model, started, time_limit_s, seed)
    elapsed = time.perf_counter() - started
    better = fallback is not None and (status not in ("OPTIMAL", "FEASIBLE")
                                       or fallback["objective"] < solver.objective_value - 0.5)
    if better:
        return _from_baseline(problem, model, fallback, solver, watcher, elapsed)
    if status not in ("OPTIMAL", "FEASIBLE"):
        schedule = empty_schedule(problem, "UNKNOWN", fallback_reasons(model, None, unknown=True))
        schedule["solve_seconds"] = round(elapsed, 3)
        return Result("UNKNOWN", None, None, elapsed, None, None, schedule)
    if watcher.stopped:
        status = "FEASIBLE"
    schedule, terms, details = extract(model, solver)
    objective = int(round(solver.objective_value))
    bound = objective if status == "OPTIMAL" else int(solver.best_objective_bound)
    schedule.update(status=status, objective=objective, bound=bound, solve_seconds=round(elapsed, 3))
    schedule["unscheduled"] = _unscheduled(problem, model, schedule)
    return Result(status, objective, bound, elapsed, watcher.first, watcher.best, schedule,
                  terms, details, [])


def _from_baseline(problem: Problem, model, schedule: dict, solver, watcher, elapsed: float) -> Result:
    """Return the first-fit schedule, which beat what CP-SAT found in the time allowed."""
    schedule = dict(schedule)
    objective = int(schedule["objective"])
    # every cost is >= 0, so 0 is a valid bound when CP-SAT proved nothing better
    bound = max(0, min(objective, int(solver.best_objective_bound)))
    details = schedule_costs(problem, schedule)
    terms: dict[str, int] = {}
    for term, _subject, amount in details:
        terms[term] = terms.get(term, 0) + amount
    schedule.update(status="FEASIBLE", objective=objective, bound=bound, solve_seconds=round(elapsed, 3),
                    conflicts=[])
    return Result("FEASIBLE", objective, bound, elapsed, watcher.first, watcher.best, schedule,
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
