"""Large neighbourhood search on the placement model with named beds (units small enough for it).

CP-SAT's own neighbourhoods know nothing of rooms, stays or shifts. Here
each step frees one piece of the week that could take a visit left out:
the stays in a few rooms (those with beds the visit fits) during its
window, the visits left out whose windows meet it, and the roster of the
shifts in that time; everything else keeps its value (start, bed, roster)
from the best placement so far, the model's complete hint. A step that
finds a cheaper placement makes it the hint.
"""
from __future__ import annotations

import random

from .problem import Problem
from .search import Run, hinted, hinted_placement, improving_step

#: rooms freed per step, and the margin (minutes) around the window of the visit aimed at
ROOMS_PER_STEP, MARGIN_MIN = 3, 12 * 60
#: time for one step, per this many variables of the model (at least STEP_SECONDS): CP-SAT loads and
#: presolves the whole model each time (~0.1 s on 18 beds x 7 days, ~0.7 s on 36 beds x 14 days)
STEP_SECONDS, STEP_VARS = 0.6, 12_000


class Neighbourhoods:
    """Steps of the search on one placement model ``pm`` (named beds), from its complete hint."""

    def __init__(self, problem: Problem, pm, seed: int):
        self.problem, self.pm = problem, pm
        self.rng = random.Random(seed)
        self.room_of = {b.id: b.room for b in problem.beds.values()}
        self.step = 0

    def improve(self, run: Run, seconds: float, num_workers: int, seed: int) -> int | None:
        """Search neighbourhoods for ``seconds``; return the cost of a better placement found, or None."""
        best = None
        end = run.elapsed() + seconds
        step_seconds = STEP_SECONDS * max(1.0, len(self.pm.cp.proto.variables) / STEP_VARS)
        while not run.should_stop() and run.elapsed() + 0.1 < end:
            values = hinted(self.pm.cp)
            if not values:
                return best
            fixed = self._fix_outside(values, self._pick(values))
            cost = improving_step(run, self.pm.cp, values, fixed, min(step_seconds, end - run.elapsed()),
                                  num_workers, seed + self.step)
            self.step += 1
            best = cost if cost is not None else best
        return best

    def placement(self) -> tuple[dict, set]:
        """Return the hinted placement (visit -> (candidate index, bed)) and roster."""
        return hinted_placement(self.pm)

    def _bed(self, values: dict[int, int], vid: str) -> str | None:
        return next((b for b, var in self.pm.bed.get(vid, {}).items() if values.get(var.index)), None)

    def _pick(self, values: dict[int, int]) -> tuple[set[str], tuple[int, int], set[str]]:
        """Return (visits freed, time window, rooms freed) around a visit left out (else anywhere)."""
        p, pm = self.problem, self.pm
        out = [v for v, s in pm.sched.items() if not values.get(s.index) and pm.bed.get(v)]
        if out:
            weights = [p.visits[v].priority + 1 for v in out]
            aim = self.rng.choices(out, weights)[0]
            rooms = sorted({self.room_of[b] for b in pm.bed[aim]})
        else:
            aim = self.rng.choice(sorted(pm.sched))
            rooms = sorted({self.room_of[b] for b in p.beds})
        visit = p.visits[aim]
        lo = visit.earliest_min - MARGIN_MIN
        hi = visit.latest_min + visit.duration_minutes + MARGIN_MIN
        chosen = set(self.rng.sample(rooms, min(ROOMS_PER_STEP, len(rooms))))
        freed = {aim}
        for vid, sched in pm.sched.items():
            v = p.visits[vid]
            if values.get(sched.index):
                start = values[pm.start[vid].index]
                if start < hi and lo < start + v.duration_minutes:
                    bed = self._bed(values, vid)
                    if bed is None or self.room_of[bed] in chosen:
                        freed.add(vid)
            elif v.earliest_min < hi and lo < v.latest_min + v.duration_minutes and \
                    (not pm.bed.get(vid) or any(self.room_of[b] in chosen for b in pm.bed[vid])):
                freed.add(vid)
        return freed, (lo, hi), chosen

    def _fix_outside(self, values: dict[int, int], picked) -> dict[int, int]:
        """Fix starts, beds and roster outside the neighbourhood to their hinted values."""
        freed, (lo, hi), _rooms = picked
        pm, fixed = self.pm, {}
        for vid, sched in pm.sched.items():
            if vid in freed:
                continue
            for var in [sched, *pm.x[vid], *pm.bed.get(vid, {}).values()]:
                fixed[var.index] = values.get(var.index, 0)
        shifts = self.problem.shifts
        for (sid, i), var in pm.work.items():
            if not (shifts[i].start_min < hi and lo < shifts[i].end_min):
                fixed[var.index] = values.get(var.index, 0)
        return fixed

