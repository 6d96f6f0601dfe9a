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

from bisect import bisect_left
from collections import defaultdict

from .candidates import Candidate, Planner, VisitPlan
from .model import ScheduleModel
from .problem import Problem

#: above this many (instant, stay) terms the time-indexed bed capacity is left out (memory)
TIMELINE_MAX_TERMS = 400_000


def _most_shifts(problem: Problem, planner: Planner, staff, needs) -> int:
    """Return the most of a stay's shift needs one RN could cover (a relaxation: no consecutive days)."""
    mine = [n.shift for n in needs if n.shift in planner.available_set[staff.id] and n.skills <= staff.skills]
    count, last_end = 0, None
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
    In the aggregate model they hold when ``m.capacity_on`` is true (fixed
    true; ``stages.py`` lifts them for stage A0 by fixing it false).
    """
    on = None
    if m.aggregate:
        on = m.capacity_on = m.cp.new_bool_var("nurse_capacity_on")
        domain = m.cp.proto.variables[on.index].domain
        domain.clear()
        domain.extend([1, 1])
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
                limit = m.cp.add(sum(load) <= 100 * sum(crew))
                if on is not None:
                    limit.only_enforce_if(on)


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

    In the aggregate model (no named beds) room sharing is kept the same way
    (``_RoomHolding``): at each instant, each shared room holds at most one
    group (sex and age group), and the stays of a group in a bed set are at
    most that set's beds in the rooms holding the group, plus its beds in
    one-bed rooms. Every schedule meets this, so it cuts off nothing.
    """
    p = m.problem
    turnover = p.turnover_minutes
    stays = [v for v in m.bed]
    fits = {v: frozenset(m.plans[v].beds) for v in stays}
    features = {p.visits[v].bed_features for v in stays} | {frozenset()}
    # the bed sets: those of each feature class and each visit's own fitting beds (Hall's condition)
    sets = {frozenset(b.id for b in p.beds.values() if need <= b.features) for need in features}
    sets = sorted(sets | set(fits.values()), key=lambda s: (len(s), sorted(s)))
    members = {beds: [v for v in stays if fits[v] <= beds] for beds in sets}
    instants = sorted({c.start for v in stays for c in m.plans[v].candidates})
    size = 0  # its size grows with stays x instants x sets: skip on very big units
    for beds, ids in members.items():
        for v in ids:
            cands = m.plans[v].candidates
            end = cands[-1].start + p.visits[v].duration_minutes + turnover
            size += bisect_left(instants, end) - bisect_left(instants, cands[0].start)
    if size > TIMELINE_MAX_TERMS:
        return
    cover = _Cover(m)
    holding = None
    if m.aggregate and p.policies.room_sharing == "same_sex_same_age_group":
        # at the instants nearest each shift start (few variables; any instants are valid)
        sampled = {instants[j] for j in {min(bisect_left(instants, s.start_min), len(instants) - 1)
                                         for s in p.shifts}} if instants else set()
        holding = _RoomHolding(m, cover, sampled)
    for beds in sets:
        if not members[beds]:
            continue
        for t in instants:
            terms = cover.at(members[beds], t, turnover)
            if len(terms) > len(beds):
                m.cp.add(sum(terms.values()) <= len(beds))
            if holding is not None:
                holding.add(beds, members[beds], t)
    if holding is not None:
        holding.finish()


class _RoomHolding:
    """Room sharing in the aggregate model: at each sampled instant, a shared room holds one group.

    ``hold[r, g, t]`` (room r holds group g at instant t) exists only where
    stays of two groups or more could be under way; ``sum_g hold <= 1`` per
    room and instant; for a bed set S and a group g, the stays of g in S under
    way at t are at most ``sum_r |S in r| * hold[r, g, t]`` plus S's beds in
    one-bed rooms. A real schedule meets it with ``hold`` = who is in the room.
    """

    def __init__(self, m: ScheduleModel, cover: "_Cover", instants: set[int]):
        self.m, self.cover, self.instants = m, cover, instants
        p = m.problem
        self.room_beds = defaultdict(list)
        for b in p.beds.values():
            self.room_beds[b.room].append(b.id)
        self.hold: dict = {}  # (room, t) -> group -> BoolVar
        self.group = {vid: p.group(vid) for vid in m.bed}

    def _var(self, room: str, g: tuple, t: int):
        key = room, t
        if key not in self.hold:
            self.hold[key] = {}
        by_group = self.hold[key]
        if g not in by_group:
            by_group[g] = self.m.cp.new_bool_var(f"hold_{room}_{g[0]}{g[1]}_{t}")
        return by_group[g]

    def finish(self) -> None:
        """A room holds one group at a time."""
        for by_group in self.hold.values():
            if len(by_group) > 1:
                self.m.cp.add_at_most_one(by_group.values())

    def add(self, beds: frozenset, members: list[str], t: int) -> None:
        if t not in self.instants:
            return
        terms = self.cover.at(members, t, 0)
        by_group = defaultdict(list)
        for vid, term in terms.items():
            by_group[self.group[vid]].append(term)
        if len(by_group) < 2:
            return
        singles = sum(1 for b in beds if len(self.room_beds[self.m.problem.beds[b].room]) == 1)
        shared = defaultdict(int)
        for b in beds:
            room = self.m.problem.beds[b].room
            if len(self.room_beds[room]) > 1:
                shared[room] += 1
        for g, items in sorted(by_group.items()):
            if len(items) <= singles:
                continue
            self.m.cp.add(sum(items) <= singles + sum(n * self._var(r, g, t) for r, n in sorted(shared.items())))


class _Cover:
    """Which stays are under way at an instant, as sums of a visit's consecutive candidates."""

    def __init__(self, m: ScheduleModel):
        self.m = m
        self.prefix: dict[str, list] = {}

    def at(self, members: list[str], t: int, extra: int) -> dict:
        """Return visit -> expression (0/1) of the ``members`` whose stay (+ ``extra`` min) covers ``t``."""
        m = self.m
        out = {}
        for vid in members:
            starts = m.plans[vid].candidates
            length = m.problem.visits[vid].duration_minutes + extra
            if starts[0].start <= t < starts[-1].start + length:
                term = self.term(vid, t, length)
                if term is not None:
                    out[vid] = term
        return out

    def term(self, vid: str, t: int, length: int):
        m = self.m
        starts = [c.start for c in m.plans[vid].candidates]
        lo = bisect_left(starts, t - length + 1)
        hi = bisect_left(starts, t + 1)
        if hi <= lo:
            return None
        if lo == 0 and hi == len(starts):
            return m.sched[vid]
        if vid not in self.prefix:
            xs = m.x[vid]
            run = [xs[0]]
            for j in range(1, len(xs) - 1):
                var = m.cp.new_bool_var(f"upto_{vid}_{j}")
                m.cp.add(var == run[-1] + xs[j])
                run.append(var)
            run.append(m.sched[vid])
            self.prefix[vid] = run
        run = self.prefix[vid]
        return run[hi - 1] - (run[lo - 1] if lo > 0 else 0)


def start_plans(plans: dict[str, VisitPlan], starts: dict[str, int], free=()) -> dict[str, VisitPlan]:
    """Return plans for the bed stage: each visit of ``starts`` (visit -> candidate index) keeps only
    that start, the visits of ``free`` all their candidates, and all their beds; the others get none.
    """
    out = {}
    for vid, plan in plans.items():
        if vid in free:
            cands = list(plan.candidates)
        elif vid in starts:
            cands = [plan.candidates[starts[vid]]]
        else:
            cands = []
        out[vid] = VisitPlan(plan.visit, cands, list(plan.beds), grid_size=plan.grid_size, dropped=plan.dropped)
    return out
