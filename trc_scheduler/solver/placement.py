"""Phase A of the two-phase solve: the placement model, a relaxation of the full model.

The placement model has every variable and rule of the full model (starts,
beds, rosters, tasks, admissions: H1-H6, H8, H9) except the primary-nurse
variables of H7. In their place come conditions that every staffable
placement meets (so nothing feasible is cut off):

* per shift, the nursing loads of the visits under way there are at most 100
  per RN working it; and for every skill set a visit needs in that shift, the
  loads needing (a superset of) it are at most 100 per working RN having it;
* continuity is replaced by a lower bound per candidate start: a stay that
  touches ``n`` shifts needs at least ``ceil(n / c)`` distinct primary nurses,
  where ``c`` is the most of those shifts one RN could cover (skills, leave,
  rest, ``max_shifts``, ``max_minutes``), hence at least ``ceil(n / c) - 1``
  times the continuity weight.

Every other cost term is the full model's own. So for any full schedule, its
placement, roster and tasks are feasible here at a cost no higher than the
full cost: the placement model's proven bound is a proven bound of the full
problem (``solve.py`` relies on this).

``fixed_plans`` turns a placement into plans with one candidate and one bed
per placed visit, for phase B (``build_model`` on those plans is the full
model with the placement fixed).
"""
from __future__ import annotations

from collections import defaultdict

from .candidates import Candidate, Planner, VisitPlan
from .model import ScheduleModel
from .problem import Problem

#: above this many bed visits the time-indexed bed capacity is left out (memory)
TIMELINE_MAX_STAYS = 300


def _most_shifts(problem: Problem, planner: Planner, staff, needs) -> int:
    """Return the most of a stay's shift needs one RN could cover (a relaxation: no consecutive days)."""
    mine = [n.shift for n in needs if n.shift in planner.available_set[staff.id] and n.skills <= staff.skills]
    count, last_end, minutes = 0, None, []
    for i in sorted(mine, key=lambda i: problem.shifts[i].end_min):
        shift = problem.shifts[i]
        if last_end is None or shift.start_min - last_end >= staff.min_rest_minutes:
            count, last_end = count + 1, shift.end_min
    # within max_minutes: at most as many as the shortest ones that fit
    total, fit = 0, 0
    for length in sorted(problem.shifts[i].minutes for i in mine):
        if total + length > staff.max_minutes:
            break
        total, fit = total + length, fit + 1
    return min(count, staff.max_shifts, fit)


def nurses_needed(problem: Problem, planner: Planner, needs, cache: dict | None = None) -> int:
    """Return a lower bound on the distinct primary nurses a stay with these shift needs has."""
    if not needs:
        return 0
    key = tuple(sorted((n.shift, n.skills) for n in needs))
    if cache is not None and key in cache:
        return cache[key]
    best = 0
    for staff in planner.nurses:
        best = max(best, _most_shifts(problem, planner, staff, needs))
        if best >= len(needs):
            break
    low = -(-len(needs) // max(1, best))
    if cache is not None:
        cache[key] = low
    return low


def add_nurse_capacity(m: ScheduleModel) -> None:
    """Per shift: the loads needing each skill set are at most 100 per working RN having it.

    Loads are those of the chosen candidate start (``x``); the skill sets are
    the empty set and every set some need asks for, plus each single skill.
    """
    p = m.problem
    by_shift = defaultdict(lambda: defaultdict(list))  # shift -> need -> [x]
    for vid in m.sched:
        for k, cand in enumerate(m.plans[vid].candidates):
            for need in cand.needs:
                by_shift[need.shift][need].append(m.x[vid][k])
    for i, by_need in by_shift.items():
        sets = {frozenset()} | {need.skills for need in by_need}
        sets |= {frozenset([s]) for need in by_need for s in need.skills}
        for skills in sets:
            load = [need.load * x for need, xs in by_need.items() if skills <= need.skills for x in xs]
            top = sum(need.load * len(xs) for need, xs in by_need.items() if skills <= need.skills)
            crew = [m.work[q.id, i] for q in m.planner.on_call[i]
                    if "RN" in q.roles and skills <= q.skills]
            if top > 0:
                m.cp.add(sum(load) <= 100 * sum(crew))


def add_continuity_floor(m: ScheduleModel) -> None:
    """The continuity term of the placement model: its lower bound for the chosen start."""
    from .objective import _term

    w = m.problem.weights.continuity
    cache: dict = {}
    parts = []
    for vid in m.sched:
        for k, cand in enumerate(m.plans[vid].candidates):
            low = nurses_needed(m.problem, m.planner, cand.needs, cache)
            if low > 1:
                parts.append((vid, w * (low - 1), m.x[vid][k]))
    _term(m, "continuity", parts)


def fixed_plans(plans: dict[str, VisitPlan], placed: dict[str, tuple[int, str | None]]) -> dict[str, VisitPlan]:
    """Return plans with only the placement ``placed`` (visit -> (candidate index, bed)) left open.

    A visit not placed gets no candidate (the full model then leaves it out).
    """
    out = {}
    for vid, plan in plans.items():
        if vid in placed:
            k, bed = placed[vid]
            cands: list[Candidate] = [plan.candidates[k]]
            beds = [bed] if bed is not None else []
        else:
            cands, beds = [], list(plan.beds)
        out[vid] = VisitPlan(plan.visit, cands, beds, grid_size=plan.grid_size, dropped=plan.dropped)
    return out


def add_bed_timeline(m: ScheduleModel) -> None:
    """Redundant, for the bound: at every candidate start, the stays under way fit the beds.

    A time-indexed (hence tight in the LP) form of the per-class cumulative of
    ``rules.py``: for each feature class (the visits needing at least those
    features against the beds having them) and each instant a stay may start,
    the stays (lengthened by the turnover) covering it are at most the beds.
    Which candidates of a visit cover an instant is a run of consecutive
    candidates, counted by prefix sums ``P[v][j] = x[v][0] + ... + x[v][j]``.
    """
    p = m.problem
    turnover = p.turnover_minutes
    prefix: dict[str, list] = {}

    def covering(vid: str, t: int):
        starts = [c.start for c in m.plans[vid].candidates]
        length = p.visits[vid].duration_minutes + turnover
        lo = next((j for j, s in enumerate(starts) if s > t - length), len(starts))
        hi = next((j for j, s in enumerate(starts) if s > t), len(starts))
        if hi <= lo:
            return None
        if lo == 0 and hi == len(starts):
            return m.sched[vid]
        if vid not in prefix:
            xs = m.x[vid]
            run = [xs[0]]
            for j in range(1, len(xs) - 1):
                var = m.cp.new_bool_var(f"upto_{vid}_{j}")
                m.cp.add(var == run[-1] + xs[j])
                run.append(var)
            run.append(m.sched[vid])
            prefix[vid] = run
        run = prefix[vid]
        return run[hi - 1] - (run[lo - 1] if lo > 0 else 0)

    stays = [v for v in m.bed]
    if len(stays) > TIMELINE_MAX_STAYS:  # its size grows with stays x instants: skip on big units
        return
    classes = {frozenset()} | {p.visits[v].bed_features for v in stays}
    instants = sorted({c.start for v in stays for c in m.plans[v].candidates})
    for need in classes:
        members = [v for v in stays if need <= p.visits[v].bed_features]
        capacity = sum(1 for b in p.beds.values() if need <= b.features)
        for t in instants:
            terms = []
            for v in members:
                starts = m.plans[v].candidates
                length = p.visits[v].duration_minutes + turnover
                if starts[0].start <= t < starts[-1].start + length:
                    term = covering(v, t)
                    if term is not None:
                        terms.append(term)
            if len(terms) > capacity:
                m.cp.add(sum(terms) <= capacity)
