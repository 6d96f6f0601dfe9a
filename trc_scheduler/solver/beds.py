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

    def group(vid: str):
        person = problem.participants[problem.visits[vid].participant]
        return person.sex, person.age_group

    def free(bed: str, start: int, end: int) -> bool:
        return all(end + turnover <= s or e + turnover <= start for s, e, _v in in_bed[bed])

    def room_ok(bed: str, vid: str, start: int, end: int) -> bool:
        if not sharing:
            return True
        mine = group(vid)
        return all(group(v) == mine for other in mates[room_of[bed]] if other != bed
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
