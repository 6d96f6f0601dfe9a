"""The stages of a solve (see ``solve.solve``): A0/A1 on the aggregate model, beds, rounds with named beds, B."""
from __future__ import annotations

import logging
import math
import time

from ortools.sat.python import cp_model

from .extract import extract, schedule_costs
from .hints import hint_schedule
from .lns import Neighbourhoods
from .model import build_model
from .problem import Problem
from .search import (Run, Watcher, complete_hint, fixed_values, keep_as_hint, placement_and_roster,
                     placement_of, set_hint, solver_for)
from .windows import by_windows

log = logging.getLogger("trc_scheduler.solver.solve")  # one logger for the whole solve


#: stage A's share of the time left: first without nurse capacity, then in later rounds
FIRST_SHARE, LATER_SHARE = 0.3, 0.5
#: stage B's share of the time left when more rounds may follow. Once it has a full schedule that keeps
#: every visit of the placement it stops there (its own search gained tens where the neighbourhoods
#: gained thousands in the same seconds); when that schedule left visits out (the placement's roster
#: could not carry them) and so lost its gain over the best schedule so far, it searches on to
#: re-roster, for this share of the time left, at most so long
STAFF_SHARE = 0.5
RECOVER_SHARE, RECOVER_MAX_SECONDS = 0.2, 2.0
#: above this many primary-nurse variables stage B runs one CP-SAT worker (memory) ...
PHASE_B_ONE_WORKER = 60_000
#: ... and above this many it is not built: the placement is staffed first-fit (``greedy.py``)
PHASE_B_MAX_NURSE_VARS = 150_000
#: building stage B's model takes about this long per primary-nurse variable (2.1 s for 35 000 on a
#: 2.5 GHz core, doubled): with less time left than that, a placement found at the end is not staffed
BUILD_SECONDS_PER_NURSE_VAR = 1.2e-4
#: time for naming the nurses shift by shift (~1.3 s on 36 beds x 14 days) before its completion
PER_SHIFT_SECONDS = 3.0


def nurse_variables(a, placed: dict) -> int:
    """Count the primary-nurse variables stage B would make for a placement (visit -> (candidate, bed))."""
    count = 0
    for vid, (k, _bed) in placed.items():
        for need in a.plans[vid].candidates[k].needs:
            count += sum(1 for q in a.planner.on_call[need.shift] if "RN" in q.roles and need.skills <= q.skills)
    return count


def first_placement(problem: Problem, a, run: Run, num_workers: int, seed: int):
    """Stage A's first placement; return (outcome, guided).

    ``outcome`` is the solved solver, None, "infeasible", or "direct" (a
    unit small enough for named beds: go straight to the rounds with named
    beds); ``guided`` is stage A's placement made whole by ``greedy.guided``
    (a best-so-far entry), or None.

    Nurse capacity is what makes stage A hard to search (it ties the starts
    to the RN roster). So A0 solves the aggregate model without it: easy, and
    a relaxation, so its proven bound is a bound of the whole problem. On a
    unit small enough for named beds, A0's placement made whole is the warm
    start of the rounds with named beds, which handle nurse capacity, rooms
    and beds at once (A1, the bed stage and stage B on A1's placement cost
    ~3 s of a 10 s week and rarely beat it). On bigger units A1 keeps A0's
    starts (visits may still be left out) and finds the roster with nurse
    capacity: its solution is a placement of the whole aggregate model, and
    the warm start of the later rounds; on a long horizon the windows then
    search on from that placement made whole (``_windows_from``).
    """
    if run.should_stop() or a.capacity_on is None:
        return None, None
    on = {a.capacity_on.index: 0}
    solver = solver_for(max(0.05, FIRST_SHARE * run.left()), num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    with fixed_values(a.cp, on):
        code = run.run(solver, a.cp, Watcher(run))
    if code == cp_model.INFEASIBLE:
        return "infeasible", None
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None
    run.raise_bound(solver.best_objective_bound)
    log.debug("stage A0: %s %s bound %s at %.1fs", solver.status_name(code), solver.objective_value,
              solver.best_objective_bound, run.elapsed())
    chosen = placement_of(a, solver)
    if bed_model_fits(a):  # A0's placement made whole, then the rounds with named beds at once
        return "direct", guided_first_fit(problem, a, chosen, run, seed)
    others = {x.index: 0 for vid, xs in a.x.items() for k, x in enumerate(xs)
              if vid not in chosen or chosen[vid][0] != k}
    solver = solver_for(max(0.05, 0.5 * run.left()), num_workers, seed)
    with fixed_values(a.cp, others):
        code = run.run(solver, a.cp, Watcher(run))
    log.debug("stage A1: %s at %.1fs", solver.status_name(code), run.elapsed())
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None
    guided = guided_first_fit(problem, a, placement_of(a, solver), run, seed)
    return solver, _windows_from(problem, a, guided, run, num_workers, seed) or guided


def _windows_from(problem: Problem, a, entry, run: Run, num_workers: int, seed: int):
    """On a long horizon of a big unit, search by windows from a full schedule; return a cheaper one, or None.

    The schedule (a best-so-far entry) is the windows' start; when A1's
    placement could not be made whole (None), the model's hint is: the
    first-fit schedule, completed. Their placement is made whole again.
    """
    start = entry[0] if entry is not None else None
    placement = by_windows(problem, a, run, num_workers, seed, start=start)
    found = guided_first_fit(problem, a, placement, run, seed) if placement is not None else None
    return found if found is not None and (entry is None or found[3] < entry[3]) else None


#: passes of the guided first fit (``greedy.guided``) on units small enough for named beds
GUIDED_PASSES = 6

#: the later rounds with named beds search neighbourhoods (``lns.py``) rather than the whole model
USE_LNS = True
#: ... with, between them, rounds on the whole model for this share of the time left, at most so long
WHOLE_SHARE, WHOLE_MAX_SECONDS = 0.15, 1.0
#: stage U (the first round, on the whole model) gets at most this long: past a few seconds its
#: search moves slowly and the neighbourhoods do better with the time (30 s weeks of 18 beds: -10 %)
STAGE_U_MAX_SECONDS = 5.0

#: the placement model with named beds is used to improve while it has at most this many bed variables
BED_MODEL_MAX_VARS = 15_000
#: up to this many choices (candidate starts times beds, summed over the visits) the unit is solved by
#: the full model at once after stage A (``whole_model``): on ``example-small`` (11 visits, 1 100
#: choices) CP-SAT proves the optimum 138 in ~22 s, where the stages found it in half of the 30 s runs
#: and never proved it; an 18-bed week has 15-70 k
MONOLITHIC_MAX_CHOICES = 5_000


def monolithic_fits(a) -> bool:
    """Tell whether a unit is small enough for the full model at once (``whole_model``)."""
    return sum(len(p.candidates) * max(1, len(p.beds)) for p in a.plans.values()) <= MONOLITHIC_MAX_CHOICES


def whole_model(problem: Problem, a, best, fallback, run: Run, num_workers: int, seed: int):
    """Search the full model at once, warm-started from the best schedule so far (small units).

    Its proven bound is a bound of the problem itself, so on a small unit
    the search can end in a proof of optimality that the stages (each a
    relaxation or a restriction) cannot give. Returns the best full
    schedule, None, or "infeasible".
    """
    b = build_model(problem, plans=(a.planner, a.plans))
    warm = best[0] if best is not None else fallback
    if warm is not None:
        hint_schedule(b, warm)
    solver = solver_for(max(0.05, run.left()), num_workers, seed)
    code = run.run(solver, b.cp, Watcher(run, full=True))
    if code == cp_model.INFEASIBLE:
        return "infeasible"
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return best
    run.raise_bound(solver.best_objective_bound)
    found = _solved_entry(b, solver)
    log.debug("full model: %s %s bound %s at %.1fs", solver.status_name(code), found[3],
              solver.best_objective_bound, run.elapsed())
    return found if best is None or found[3] < best[3] else best


def bed_model_fits(a) -> bool:
    return sum(len(a.plans[vid].beds) for vid in a.bed) <= BED_MODEL_MAX_VARS


def rounds_with_beds(problem: Problem, a, best, fallback, run: Run, num_workers: int, seed: int):
    """Search the placement model (named beds) from the best schedule so far; stage B staffs each better one.

    The aggregate model cannot see a bed that is free at every instant but
    not for a whole stay, so after its first round the search goes on with
    named beds, warm-started from the best full schedule (else the first-fit
    one). Its first round minimises the unscheduled cost alone (stage U, a few
    seconds at most: ``STAGE_U_MAX_SECONDS``): its
    proven bound ``u`` cuts every later round (``unscheduled >= u`` holds for
    every schedule) and raises the bound. The later rounds search
    neighbourhoods by room and time (``lns.py``) until a cut forbids the
    placement they start from; then CP-SAT's own search goes on. Returns
    the best full schedule (as ``staff`` gives it), None, or "infeasible".
    """
    from .objective import TERMS

    pm = build_model(problem, placement=True, plans=(a.planner, a.plans))
    warm = best[0] if best is not None else fallback
    if warm is not None:
        hint_schedule(pm, warm)
        complete_hint(pm.cp, min(5.0, 0.1 * run.left()), seed)
    total = sum(pm.terms[name] for name in TERMS)
    last = None
    hoods = Neighbourhoods(problem, pm, seed) if USE_LNS else None
    for round_ in range(10_000):
        if run.should_stop() or best is not None and run.bound >= best[3]:
            break  # out of time, or the best schedule is proved optimal
        if round_ > 0 and round_ % 2 == 0 and hoods is not None:
            cost = hoods.improve(run, LATER_SHARE * run.left(), num_workers, seed + round_)
            log.debug("neighbourhoods: %s at %.1fs (%d steps)", cost, run.elapsed(), hoods.step)
            code, solver = cp_model.FEASIBLE, None
        else:
            code, solver, cost = _whole_round(pm, total, hoods is not None, run, round_, num_workers, seed)
            if code == cp_model.INFEASIBLE:
                return "infeasible" if best is None else best
            if solver is None:
                if hoods is not None:
                    continue  # a short round found nothing: the neighbourhoods go on
                break
            if best is not None and run.bound >= best[3]:
                break
        final = code == cp_model.OPTIMAL and round_ > 0
        if cost is None or last is not None and cost >= last or best is not None and cost >= best[3]:
            if final:
                break
            continue  # no better placement yet: search on
        last = cost
        placed, roster = hoods.placement() if solver is None else placement_and_roster(pm, solver)
        found, cut = staff(problem, a, placed, roster, run, num_workers, seed,
                           budget=None if final else STAFF_SHARE * run.left())
        if found is not None and (best is None or found[3] < best[3]):
            best = found
        if cut:  # these starts of the mandatory visits cannot be staffed: never again
            must = [pm.x[vid][k] for vid, (k, _bed) in placed.items() if problem.visits[vid].mandatory]
            pm.cp.add_bool_or([~lit for lit in must])
            pm.cp.clear_hints()
            last = hoods = None  # the neighbourhoods start from the hint, which the cut now forbids
        elif final:
            break
    return best


def _whole_round(pm, total, short: bool, run: Run, round_: int, num_workers: int, seed: int):
    """One round of CP-SAT on the whole placement model; return (status, solver or None, cost or None).

    Round 0 is stage U (the unscheduled cost alone, ``STAGE_U_MAX_SECONDS``
    at most when ``short``); the later ones minimise ``total``. The solver
    is None when the round found no placement; a placement found becomes
    the model's hint.
    """
    share = LATER_SHARE if not short or round_ == 0 else WHOLE_SHARE
    seconds = share * run.left()
    if short:
        seconds = min(seconds, STAGE_U_MAX_SECONDS if round_ == 0 else WHOLE_MAX_SECONDS)
    solver = solver_for(max(0.05, seconds), num_workers, seed + round_)
    solver.parameters.cp_model_probing_level = 0
    if round_ == 0:
        pm.cp.minimize(pm.terms["unscheduled"])
    code = run.run(solver, pm.cp, Watcher(run))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if round_ == 0:  # stage U found nothing in its time: the later rounds minimise the whole cost
            pm.cp.minimize(total)
        return code, None, None
    cost = _round_cost(pm, solver, run, total, first=round_ == 0)
    log.debug("placement model: %s %s bound %s at %.1fs", solver.status_name(code), cost,
              solver.best_objective_bound, run.elapsed())
    keep_as_hint(pm.cp, solver)
    return code, solver, cost


def _round_cost(pm, solver, run: Run, total, first: bool) -> int:
    """Return the cost of a round's placement; after stage U (``first``), cut and minimise the whole cost."""
    if not first:
        run.raise_bound(solver.best_objective_bound)
        return int(round(solver.objective_value))
    pm.cp.minimize(total)
    low = int(math.ceil(solver.best_objective_bound - 1e-6))
    run.raise_bound(low)
    if low > 0:
        pm.cp.add(pm.terms["unscheduled"] >= low)
    return int(round(solver.value(total)))


def name_beds(problem: Problem, a, starts: dict, roster: set, run: Run, num_workers: int, seed: int):
    """The bed stage: name the beds of stage A's placement. Return (placement, proved_impossible).

    First the best-fit heuristic of ``beds.py``; if it leaves a stay without
    a bed, the placement model (named beds, every rule) in which the bedded
    visits keep their starts and the others may take any of theirs,
    warm-started from the heuristic; optional visits may still be left out.
    The placement is visit -> (index in ``a.plans``, bed); ``roster`` is
    updated in place.
    """
    from .placement import start_plans

    at = {vid: a.plans[vid].candidates[k].start for vid, k in starts.items()}
    named, left = _bed_names(problem, a, at, run, min(2.0, 0.05 * run.left()), seed)
    log.debug("beds named: %d stays bedded, %d not at %.1fs", len(named), len(left), run.elapsed())
    if not left:  # every stay has a bed at stage A's start
        return {vid: (k, named.get(vid)) for vid, k in starts.items()}, False
    # the stays left without a bed may take any of their starts; the others keep theirs
    plans = start_plans(a.plans, starts, free=left)
    c = build_model(problem, placement=True, plans=(a.planner, plans))
    for vid, sched in c.sched.items():
        c.cp.add_hint(sched, vid in starts and vid not in left)
        if len(c.x[vid]) > 1:
            kept = a.plans[vid].candidates[starts[vid]].start if vid in starts and vid not in left else None
            for k, x in enumerate(c.x[vid]):
                c.cp.add_hint(x, plans[vid].candidates[k].start == kept)
        if len(c.bed.get(vid, {})) > 1:
            for b, var in c.bed[vid].items():
                c.cp.add_hint(var, named.get(vid) == b)
    for key, var in c.work.items():
        c.cp.add_hint(var, key in roster)
    complete_hint(c.cp, min(2.0, 0.05 * run.left()), seed)
    solver = solver_for(max(0.05, min(0.2 * run.left(), 20.0)), num_workers, seed)
    solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, c.cp, Watcher(run))
    log.debug("bed stage: %s %s at %.1fs", solver.status_name(code),
              solver.objective_value if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None, run.elapsed())
    if code == cp_model.INFEASIBLE:
        return None, True
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    index = {vid: {cand.start: k for k, cand in enumerate(plan.candidates)} for vid, plan in a.plans.items()}
    placed = {vid: (index[vid][plans[vid].candidates[k].start], bed) for vid, (k, bed) in placement_of(c, solver).items()}
    roster.clear()
    roster.update(key for key, var in c.work.items() if solver.boolean_value(var))
    return placed, False


def staff(problem: Problem, a, placed: dict, roster: set, run: Run, num_workers: int, seed: int,
           budget: float | None = None):
    """Stage B: the full model with the placement fixed. Return (best, proved_unstaffable).

    With a ``budget`` (more rounds follow, within that time) a placement
    whose staffing is completed (shift by shift, else CP-SAT's completion,
    else first fit) with every visit kept, or costing less than the best
    schedule so far all the same, is returned as it is; CP-SAT searches
    stage B when that staffing left visits out and is no better than the
    best so far (a short search that may re-roster to keep them), when
    none was completed, or without a budget (all the time left).
    """
    from .placement import fixed_plans

    before = run.best  # the best full schedule's cost before this one
    nurses = nurse_variables(a, placed)
    if nurses > PHASE_B_MAX_NURSE_VARS:  # too big to build (memory): first fit only
        fallback = staffed_first_fit(problem, a, placed)
        if fallback is not None:
            run.offer(fallback[3])
        return fallback, False
    if run.left() < BUILD_SECONDS_PER_NURSE_VAR * nurses:  # it could not be built, let alone solved, in time
        log.debug("stage B: no time left to staff a placement (%.1fs)", run.elapsed())
        return None, False
    b = build_model(problem, plans=(a.planner, fixed_plans(a.plans, placed)))
    left = run.left() if budget is None else min(run.left(), budget)
    began = time.perf_counter()
    # the nurses named shift by shift on the placement's roster (``per_shift.py``), completed in the model
    done = _per_shift(b, roster, run, min(run.left(), max(PER_SHIFT_SECONDS, _completion_time(run, left))), seed)
    placement = {sched.index: 1 for sched in b.sched.values()}
    if done is None:  # the placement and its roster, completed by CP-SAT
        set_hint(b.cp, placement | {var.index: int(key in roster) for key, var in b.work.items()})
        done = complete_hint(b.cp, _completion_time(run, left), seed)
    if done is None:  # keep the visits, let the roster go
        set_hint(b.cp, placement)
        done = complete_hint(b.cp, _completion_time(run, left), seed)
    fallback = None
    if done is None and not run.should_stop():  # first-fit named nurses: a full schedule, and the warm start
        fallback = staffed_first_fit(problem, a, placed)
        if fallback is not None:
            b.cp.clear_hints()
            hint_schedule(b, fallback[0])
            done = complete_hint(b.cp, _completion_time(run, left), seed)
            run.offer(fallback[3])
    if done is not None:  # the completed hint is a full schedule already: keep it, whatever follows
        completed = _solved_entry(b, done)
        if fallback is None or completed[3] < fallback[3]:
            fallback = completed
            run.offer(completed[3])
    log.debug("stage B hint completed: %s at %.1fs", fallback and fallback[3], run.elapsed())
    left -= time.perf_counter() - began
    if fallback is not None and budget is not None:
        if not _left_out(fallback, placed) or before is None or fallback[3] < before:
            return fallback, False  # staffed whole, or the best so far all the same: the rounds search on
        left = min(left, RECOVER_SHARE * run.left(), RECOVER_MAX_SECONDS)  # re-roster to keep them
    # each worker holds its own copy of the model: one worker on the biggest (memory)
    workers = 1 if len(b.nurse) > PHASE_B_ONE_WORKER else num_workers
    solver = solver_for(max(0.05, left), workers, seed)
    if len(b.nurse) > 4000:
        solver.parameters.cp_model_probing_level = 0
    code = run.run(solver, b.cp, Watcher(run, full=True))
    if code == cp_model.INFEASIBLE:
        return None, True
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return fallback, False
    found = _solved_entry(b, solver)
    log.debug("stage B: %s %s bound %s at %.1fs (%d nurse vars)", solver.status_name(code), found[3],
              solver.best_objective_bound, run.elapsed(), len(b.nurse))
    if fallback is not None and fallback[3] <= found[3]:
        return fallback, False
    run.offer(found[3])
    return found, False


def _left_out(entry, placed: dict) -> set[str]:
    """Return the visits of a placement that a staffed schedule (a best-so-far entry) left out."""
    return set(placed) - {row["visit"] for row in entry[0]["visits"]}


def _per_shift(b, roster: set, run: Run, seconds: float, seed: int):
    """Staff a placement on its roster shift by shift; return the solver holding it (completed), or None."""
    from .per_shift import staff_per_shift

    values = staff_per_shift(b, roster, seconds, seed)
    log.debug("stage B: staffing on the placement's roster shift by shift: %s at %.1fs",
              "found" if values is not None else "none", run.elapsed())
    if values is None:
        return None
    set_hint(b.cp, values)
    return complete_hint(b.cp, _completion_time(run, run.left()), seed)


def _completion_time(run: Run, left: float) -> float:
    """Time for one warm-start completion in stage B: a share of its budget, at least 1 s (presolve)."""
    return max(0.05, min(5.0, max(1.0, 0.2 * left), run.left()))


def _solved_entry(b, solver):
    """Return the full schedule a solver holds for the full model ``b`` as a best-so-far entry."""
    schedule, terms, details = extract(b, solver)
    return schedule, terms, details, int(round(solver.objective_value))


def guided_first_fit(problem: Problem, a, chosen: dict, run: Run, seed: int):
    """Return stage A's placement made whole by ``greedy.guided`` as a best-so-far entry, or None.

    The beds it aims at are named as in the bed stage (best fit, then CP-SAT
    to bed more of the stays at the same starts). On units small enough for
    named beds it is also made whole aiming at no bed, and the cheaper is
    kept: which of the two loses less varies from week to week (36 beds x
    14 days, three weeks: 203 k vs 236 k, 316 k vs 252 k, 251 k vs 253 k).
    On bigger units it is made whole twice instead, nurses taken first fit
    and by skill fit (``greedy.guided``), and the cheaper is kept (72 beds x
    4 weeks, one placement: 905 k first fit, 869 k by skill fit; on smaller
    units the time it took cost more than it gained, ``docs/decisions.md``).
    """
    from .greedy import guided

    at = {vid: a.plans[vid].candidates[k].start for vid, (k, _bed) in chosen.items()}
    named, _left = _bed_names(problem, a, at, run, min(1.0, 0.05 * run.left()), seed)
    wanted = {vid: problem.at(start).isoformat() for vid, start in at.items()}
    # a few passes on units small enough (one pass takes ~0.1 s on 18 beds, ~25 s on 72 beds x 4 weeks)
    small = bed_model_fits(a)
    passes = GUIDED_PASSES if small else 1
    best, took = None, 0.0
    for beds, fit in ((named, False), ({}, False)) if small else ((named, True), (named, False)):
        if best is not None and run.left() < 2 * took:
            break  # no time for another
        began = time.perf_counter()
        found = _first_fit_entry(problem, "guided first fit",
                                 lambda: guided(problem.raw, wanted, beds, passes=passes, skill_fit=fit))
        took = time.perf_counter() - began
        if found is not None and (best is None or found[3] < best[3]):
            best = found
    return best


def _bed_names(problem: Problem, a, at: dict, run: Run, seconds: float, seed: int):
    """Name the beds of stays starting at ``at`` (visit -> minute): best fit, then CP-SAT (small units) for
    more; return (visit -> bed, stays left without a bed). Previous beds are kept where they fit.

    The guided first fit and the bed stage both name A1's placement: the run keeps the answer.
    """
    from .beds import assign_beds, assign_beds_exact

    key = frozenset(at.items())
    if key in run.beds_named:
        named, left = run.beds_named[key]
        return dict(named), list(left)
    previous = {vid: v.bed for vid, v in problem.previous.visits.items() if v.bed is not None}
    named, left = assign_beds(problem, a.plans, at, previous)
    if left and bed_model_fits(a):  # its room pairs grow too big on big units
        exact = assign_beds_exact(problem, a.plans, at, named, previous, seconds, seed)
        if exact is not None and len(exact[1]) < len(left):
            named, left = exact
    run.beds_named[key] = (dict(named), list(left))
    return named, left


def schedule_entry(problem: Problem, schedule: dict):
    details = schedule_costs(problem, schedule)
    terms: dict[str, int] = {}
    for term, _subject, amount in details:
        terms[term] = terms.get(term, 0) + amount
    return schedule, terms, details, int(schedule["objective"])


def staffed_first_fit(problem: Problem, a, placed: dict):
    """Return the placement staffed first-fit (``greedy.staff_placement``) as a best-so-far entry, or None."""
    from .greedy import staff_placement

    rows = {vid: (problem.at(a.plans[vid].candidates[k].start).isoformat(), bed) for vid, (k, bed) in placed.items()}
    return _first_fit_entry(problem, "first-fit staffing", lambda: staff_placement(problem.raw, rows))


def _first_fit_entry(problem: Problem, name: str, make):
    """Run a first-fit heuristic (``make()`` -> checked schedule or None); return its best-so-far entry or None."""
    try:
        schedule = make()
    except Exception:  # noqa: BLE001 - a warm start is optional
        log.exception("%s failed", name)
        return None
    if schedule is None:
        return None
    log.debug("%s: %s", name, schedule["objective"])
    return schedule_entry(problem, schedule)
