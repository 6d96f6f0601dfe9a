"""Name the beds of a placement whose starts are chosen: a best-fit heuristic for the bed stage.

Stage A (``stages.py``) chooses starts against the capacity of bed sets
over time, not named beds. Naming them is an interval colouring with bed
features, turnover and room sharing: taking the most constrained stays
first (fixed beds, then the fewest fitting beds), each group by start, and
giving each the fitting bed that wastes least (its previous bed, fewest
features beyond its needs, a room already holding its own group, the bed
free for the shortest time) beds most stays. Per-instant capacities cannot
promise one bed for a whole stay, so some may be left: the bed stage's
CP-SAT model then moves or leaves them out.
"""
from __future__ import annotations

from collections import defaultdict

from .problem import Problem


def assign_beds(problem: Problem, plans: dict, starts: dict[str, int],
                previous: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Return (visit -> bed, visits left without a bed) for bed visits starting at ``starts`` (minutes).

    ``plans`` gives each visit's fitting beds (``plans[v].beds``);
    ``previous`` (visit -> bed) is preferred when it fits, so a re-plan keeps beds.
    """
    turnover = problem.turnover_minutes
    sharing = problem.policies.room_sharing == "same_sex_same_age_group"
    previous = previous or {}
    room_of = {b.id: b.room for b in problem.beds.values()}
    mates = defaultdict(list)
    for b in problem.beds.values():
        mates[b.room].append(b.id)
    in_bed: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # bed -> [(start, end, vid)]

    def free(bed: str, start: int, end: int) -> bool:
        return all(end + turnover <= s or e + turnover <= start for s, e, _v in in_bed[bed])

    def room_ok(bed: str, vid: str, start: int, end: int) -> bool:
        if not sharing:
            return True
        mine = problem.group(vid)
        return all(problem.group(v) == mine for other in mates[room_of[bed]] if other != bed
                   for s, e, v in in_bed[other] if s < end and start < e)

    def shared(bed: str, start: int, end: int) -> bool:  # its roommates are of the same group (room_ok)
        return any(s < end and start < e for other in mates[room_of[bed]] if other != bed
                   for s, e, _v in in_bed[other])

    def idle(bed: str, start: int) -> int:
        ends = [e + turnover for s, e, _v in in_bed[bed] if e + turnover <= start]
        return start - max(ends) if ends else 10 ** 9

    beds: dict[str, str] = {}
    left: list[str] = []
    bed_visits = [v for v in starts if problem.visits[v].needs_bed]
    # the most constrained first (fixed beds, then the fewest fitting beds), each group by start
    order = sorted(bed_visits, key=lambda v: (problem.visits[v].fixed_bed is None, len(plans[v].beds),
                                              starts[v], -problem.visits[v].duration_minutes, v))
    for vid in order:
        start = starts[vid]
        end = start + problem.visits[vid].duration_minutes
        need = problem.visits[vid].bed_features
        options = [b for b in plans[vid].beds if free(b, start, end) and room_ok(b, vid, start, end)]
        if not options:
            left.append(vid)
            continue
        bed = min(options, key=lambda b: (b != previous.get(vid),
                                          len(problem.beds[b].features - need),
                                          not (sharing and shared(b, start, end)),
                                          idle(b, start), b))
        beds[vid] = bed
        in_bed[bed].append((start, end, vid))
    return beds, left


def assign_beds_exact(problem: Problem, plans: dict, starts: dict[str, int], hint: dict[str, str],
                      previous: dict[str, str] | None = None, seconds: float = 2.0,
                      seed: int = 0) -> tuple[dict[str, str], list[str]] | None:
    """Name the beds of a placement with CP-SAT: bed the most priority, starts kept. Return as
    ``assign_beds`` does, or None when nothing was found in ``seconds``.

    A small model of H2-H4 alone (one optional interval per visit and
    fitting bed, a no-overlap per bed with the turnover, and per shared room
    no two overlapping stays of different groups), warm-started from
    ``hint`` (visit -> bed, e.g. the best-fit one); previous beds break ties.
    The room constraints grow with overlapping pairs times rooms: the engine
    uses it on units small enough for named beds only.
    """
    from ortools.sat.python import cp_model

    previous = previous or {}
    turnover = problem.turnover_minutes
    sharing = problem.policies.room_sharing == "same_sex_same_age_group"
    m = cp_model.CpModel()
    bed_visits = sorted(v for v in starts if problem.visits[v].needs_bed)
    var: dict[tuple[str, str], object] = {}
    in_bed = defaultdict(list)
    span = {v: (starts[v], starts[v] + problem.visits[v].duration_minutes) for v in bed_visits}
    for v in bed_visits:
        s, e = span[v]
        for b in plans[v].beds:
            lit = var[v, b] = m.new_bool_var(f"{v}_{b}")
            in_bed[b].append(m.new_optional_fixed_size_interval_var(s, e - s + turnover, lit, f"i_{v}_{b}"))
            m.add_hint(lit, hint.get(v) == b)
        m.add_at_most_one(var[v, b] for b in plans[v].beds)  # a fixed bed is a visit's only fitting bed
    for intervals in in_bed.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    if sharing:
        _add_room_pairs(problem, m, var, bed_visits, span)
    gain = []
    for v in bed_visits:
        weight = 1000 * (problem.visits[v].priority + (1000 if problem.visits[v].mandatory else 0))
        gain += [(weight + (1 if previous.get(v) == b else 0)) * var[v, b] for b in plans[v].beds]
    m.maximize(sum(gain))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    code = solver.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    beds = {v: b for (v, b), lit in var.items() if solver.boolean_value(lit)}
    return beds, [v for v in bed_visits if v not in beds]


def _add_room_pairs(problem: Problem, m, var: dict, visits: list[str], span: dict) -> None:
    """Per room of two beds or more: two overlapping stays of different groups are not both in it."""
    rooms = defaultdict(list)
    for b in problem.beds.values():
        rooms[b.room].append(b.id)

    ordered = sorted(visits, key=lambda v: span[v][0])
    for i, v in enumerate(ordered):
        for w in ordered[i + 1:]:
            if span[w][0] >= span[v][1]:
                break
            if problem.group(v) == problem.group(w):
                continue
            for beds in rooms.values():
                mine = [var[v, b] for b in beds if (v, b) in var]
                theirs = [var[w, b] for b in beds if (w, b) in var]
                if len(beds) > 1 and mine and theirs:
                    m.add_at_most_one(mine + theirs)
