"""Explain an INFEASIBLE problem: a small set of requirements that cannot all hold.

Requirements (a visit being mandatory, its bed features, a fixed bed or
shift, a precedence, a shift's minimum staff, an admissions limit) are
switched by assumption literals; CP-SAT returns a sufficient subset of them
(``sufficient_assumptions_for_infeasibility``), which is then shrunk by
trying to drop each one, and turned into plain sentences.
"""
from __future__ import annotations

import time

from ortools.sat.python import cp_model

from .model import build_model
from .reasons import plan_reason, when


def _solve_with(model, literals, seconds: float, seed: int):
    model.cp.clear_assumptions()
    model.cp.add_assumptions(literals)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    return solver, solver.solve(model.cp)


def _core(model, seconds: float, seed: int) -> list | None:
    deadline = time.perf_counter() + seconds
    solver, code = _solve_with(model, model.assumption_literals, seconds / 2, seed)
    if code != cp_model.INFEASIBLE:
        return None
    by_index = {lit.index: lit for lit in model.assumption_literals}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    core = core or list(model.assumption_literals)
    for lit in list(core):  # deletion filter: keep only what is needed
        left = deadline - time.perf_counter()
        if left <= 0.05 or len(core) <= 1:
            break
        trial = [c for c in core if c is not lit]
        _s, code = _solve_with(model, trial, min(1.0, left), seed)
        if code == cp_model.INFEASIBLE:
            core = trial
    return core


def _bed_words(problem, vids, features) -> str:
    beds = [b.id for b in problem.beds.values() if features <= b.features]
    words = " and ".join(sorted(features))
    if len(beds) == 1:
        return f"bed {beds[0]} is the only bed with {words}"
    if not beds:
        return f"no bed has {words}"
    return f"only beds {', '.join(beds)} have {words}"


def _visit_words(problem, vid: str) -> str:
    v = problem.visits[vid]
    if v.fixed_start_min is not None:
        at = f"fixed to start {when(problem, v.fixed_start_min)}"
    else:
        at = f"must start between {when(problem, v.earliest_min)} and {when(problem, v.latest_min)}"
    return f"{vid} is mandatory, {at} and stays {v.duration_minutes // 60} h {v.duration_minutes % 60:02d} min"


def _sentences(problem, requirements) -> list[str]:
    out = []
    mandatory = [r.subject for r in requirements if r.kind == "mandatory"]
    for vid in mandatory:
        out.append(_visit_words(problem, vid))
    for r in requirements:
        if r.kind == "mandatory":
            continue
        if r.kind == "bed_features":
            features = problem.visits[r.subject].bed_features
            out.append(f"{r.text}; {_bed_words(problem, [r.subject], features)}")
        else:
            out.append(r.text)
    if mandatory and all(r.kind == "mandatory" for r in requirements):
        needs_bed = [v for v in mandatory if problem.visits[v].needs_bed]
        if needs_bed:
            out.append(f"together they need more than the unit's {len(problem.beds)} beds, "
                       "or more staff than can work, at those times")
    return out


def explain_infeasible(problem, plans, seconds: float = 10.0, seed: int = 0) -> list[str]:
    """Return plain-English conflicts for a problem whose mandatory visits cannot all be placed."""
    direct = []
    for vid, plan in plans[1].items():
        reason = plan_reason(problem, plan)
        if reason is not None and problem.visits[vid].mandatory:
            direct.append(f"{vid} is mandatory but {reason}")
    if direct:
        return direct
    model = build_model(problem, explain=True, plans=plans, objective=False)
    core = _core(model, seconds, seed)
    if not core:
        return ["the hard rules cannot all hold together (no smaller explanation was found in time)"]
    return _sentences(problem, [model.assumptions[lit.index] for lit in core])
