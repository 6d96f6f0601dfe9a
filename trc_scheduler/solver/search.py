"""The search machinery of ``solve.py``: a run's clock and best-so-far, CP-SAT solvers, warm starts."""
from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class Progress:
    """One improved solution found during the search."""

    objective: int
    bound: int
    elapsed_s: float
    solutions: int


class Run:
    """The state of one solve: the best full schedule so far, the proven bound, stopping."""

    def __init__(self, started: float, deadline: float, on_progress, stop_event):
        self.started, self.deadline = started, deadline
        self.limit = deadline  # the caller's time limit (the search's ``deadline`` may stop before it)
        self.on_progress, self.stop_event = on_progress, stop_event
        self.best: int | None = None  # objective of the best full schedule so far
        self.bound = 0  # every cost is >= 0
        self.solutions = 0
        self.first: float | None = None
        self.best_at: float | None = None
        self.stopped = False
        self.solver: cp_model.CpSolver | None = None
        self.beds_named: dict = {}  # starts (frozenset of visit, minute) -> (visit -> bed, left): see stages
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


class Watcher(cp_model.CpSolverSolutionCallback):
    """Stop a CP-SAT search when the run is stopped; with ``full``, report each solution as a full schedule.

    Stage B's solutions are full schedules (their objective is the full
    cost); the other stages' are placements, whose cost is not reported.
    """

    def __init__(self, run: Run, full: bool = False):
        super().__init__()
        self.run, self.full = run, full

    def on_solution_callback(self) -> None:
        if self.full:
            self.run.offer(int(round(self.objective_value)))
        if self.run.should_stop():
            self.stop_search()


def solver_for(time_limit_s: float, num_workers: int, seed: int) -> cp_model.CpSolver:
    """Return a CP-SAT solver with the engine's parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit_s))
    solver.parameters.num_workers = max(1, int(num_workers))
    solver.parameters.random_seed = int(seed)
    return solver


def complete_hint(model: cp_model.CpModel, seconds: float, seed: int = 0) -> cp_model.CpSolver | None:
    """Turn a partial hint into a complete one: solve with the hinted values fixed.

    CP-SAT uses a complete, feasible hint as its first solution at once; an
    incomplete one it may fail to repair. Returns the solver holding the
    completed solution (read it with ``solver.value``), or None.
    """
    if not model.proto.solution_hint.vars or seconds <= 0.05:
        return None
    solver = solver_for(seconds, 1, seed)
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.stop_after_first_solution = True
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    keep_as_hint(model, solver)
    return solver


def placement_of(m, solver) -> dict[str, tuple[int, str | None]]:
    """Return the placement of a solved (placement) model: visit -> (candidate index, bed)."""
    return _placement(m, solver.boolean_value)


def placement_and_roster(m, solver) -> tuple[dict[str, tuple[int, str | None]], set]:
    """Return the placement (as ``placement_of``) and roster (staff, shift index) of a solved model."""
    return placement_of(m, solver), {key for key, var in m.work.items() if solver.boolean_value(var)}


def hinted_placement(m) -> tuple[dict[str, tuple[int, str | None]], set]:
    """Return the placement (as ``placement_of``) and roster of a (placement) model's hint."""
    values = hinted(m.cp)

    def value(var) -> bool:
        return bool(values.get(var.index))
    return _placement(m, value), {key for key, var in m.work.items() if value(var)}


def _placement(m, value) -> dict[str, tuple[int, str | None]]:
    placed = {}
    for vid, sched in m.sched.items():
        if value(sched):
            k = next(k for k, x in enumerate(m.x[vid]) if value(x))
            bed = next((b for b, var in m.bed.get(vid, {}).items() if value(var)), None)
            placed[vid] = (k, bed)
    return placed


@contextmanager
def fixed_values(model: cp_model.CpModel, values: dict[int, int]):
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


def keep_as_hint(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Make the solver's best solution the model's (complete) hint, to go on from it."""
    set_hint(model, dict(enumerate(solver.response_proto.solution)))


def hinted(model: cp_model.CpModel) -> dict[int, int]:
    """Return the model's hint: proto index -> value."""
    hint = model.proto.solution_hint
    return dict(zip(hint.vars, hint.values))


def hinted_cost(model: cp_model.CpModel, values: dict[int, int]) -> int:
    """Return the model's objective at ``values`` (proto index -> value; missing ones count 0)."""
    objective = model.proto.objective
    return int(round(objective.offset + sum(c * values.get(v, 0) for v, c in zip(objective.vars, objective.coeffs))))


def improving_step(run: Run, model: cp_model.CpModel, values: dict[int, int], fixed: dict[int, int],
                   seconds: float, num_workers: int, seed: int) -> int | None:
    """One step of a neighbourhood search: solve ``model`` with ``fixed`` (proto index -> value) for ``seconds``.

    ``values`` is the model's hint (a solution: ``hinted``). A solution
    cheaper than it becomes the new hint and its cost is returned; else None.
    """
    solver = solver_for(max(0.05, seconds), num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    with fixed_values(model, fixed):
        code = run.run(solver, model, Watcher(run))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    cost = int(round(solver.objective_value))
    if cost >= hinted_cost(model, values):
        return None
    keep_as_hint(model, solver)
    return cost


def set_hint(model: cp_model.CpModel, values: dict[int, int]) -> None:
    """Make ``values`` (proto index -> value) the model's hint, replacing any before."""
    model.clear_hints()
    hint = model.proto.solution_hint
    for i, value in values.items():
        hint.vars.append(i)
        hint.values.append(value)
