"""Large neighbourhood search on the aggregate model by time windows (big units, long horizons).

On units too big for named beds (72 beds x 4 weeks) CP-SAT's own search on
the whole aggregate model moves slowly, and its placement made whole loses
much of what it gained. Here each step frees the visits that may start in
one window of the horizon (about ``WINDOW_VISITS`` of them) and the roster
of the shifts around it, keeps everything else at its value in the model's
complete hint, and solves that for a few seconds, with nurse capacity on;
the windows sweep the horizon, half-overlapping. The search starts from
the schedule A1's placement made whole (``stages.py``). Units small enough
for named beds no longer use it: from A0's placement made whole, the
neighbourhoods with named beds (``lns.py``) do at least as well with the
time (60 s on 36 beds x 14 days, see ``docs/decisions.md``). Stage A0's proof
is not affected: these solves fix variables, so their bounds are not
bounds of the problem and are not used.
"""
from __future__ import annotations

import logging

from .problem import Problem
from .hints import hint_schedule
from .search import Run, complete_hint, hinted, hinted_placement, improving_step

log = logging.getLogger("trc_scheduler.solver.solve")  # one logger for the whole solve

#: share of the time left (after A1 and its placement made whole) for the search by windows: the aggregate
#: rounds and bed stage that follow found nothing in 80-180 s on 72 x 28
WINDOW_SHARE = 0.8
#: visits freed per window (its length follows from the visits per day), and the least windows worth it
WINDOW_VISITS, MIN_WINDOWS = 120, 3
#: time for one step on a model of STEP_VARS variables (a 36-bed fortnight's aggregate model presolves in
#: ~0.5 s); bigger models get more, as the square root of their size (a 72-bed 4 weeks': 77 000, ~6 s)
STEP_SECONDS, STEP_VARS = 3.0, 18_000
#: the roster is freed this long before and after a window
ROSTER_MARGIN_MIN = 24 * 60


class Windows:
    """Steps of the search on the aggregate model ``a`` (nurse capacity on), from its complete hint."""

    def __init__(self, problem: Problem, a):
        self.problem, self.a = problem, a
        starts = [c.start for plan in a.plans.values() for c in plan.candidates]
        self.first, self.last = (min(starts), max(starts) + 1) if starts else (0, 1)
        span = self.last - self.first
        self.length = max(24 * 60, span * WINDOW_VISITS // max(1, len(a.plans)))
        self.at = self.first
        self.step = 0

    def fits(self) -> bool:
        """Tell whether the horizon holds enough windows for the search to be worth it."""
        return (self.last - self.first) >= MIN_WINDOWS * self.length // 2 + self.length // 2

    def improve(self, run: Run, seconds: float, num_workers: int, seed: int) -> int | None:
        """Sweep windows for ``seconds``; return the cost of a better placement found, or None."""
        best = None
        end = run.elapsed() + seconds
        step_seconds = STEP_SECONDS * max(1.0, len(self.a.cp.proto.variables) / STEP_VARS) ** 0.5
        while not run.should_stop() and run.elapsed() + 0.5 < end:
            values = hinted(self.a.cp)
            if not values:
                return best
            lo, hi = self.at, self.at + self.length
            self.at = self.first if hi >= self.last else self.at + self.length // 2
            cost = improving_step(run, self.a.cp, values, self._fix_outside(values, lo, hi),
                                  min(step_seconds, end - run.elapsed()), num_workers, seed + self.step)
            self.step += 1
            best = cost if cost is not None else best
        return best

    def _fix_outside(self, values: dict[int, int], lo: int, hi: int) -> dict[int, int]:
        """Fix the visits that cannot start in [lo, hi) and the roster away from it to their hinted values."""
        a, fixed = self.a, {}
        for vid, xs in a.x.items():
            if any(lo <= c.start < hi for c in a.plans[vid].candidates):
                continue
            for var in [a.sched[vid], *xs, *a.bed.get(vid, {}).values()]:
                fixed[var.index] = values.get(var.index, 0)
        for (_pid, i), var in a.work.items():
            start = self.problem.shifts[i].start_min
            if not lo - ROSTER_MARGIN_MIN <= start < hi + ROSTER_MARGIN_MIN:
                fixed[var.index] = values.get(var.index, 0)
        return fixed

    def placement(self) -> tuple[dict, set]:
        """Return the hinted placement (visit -> (candidate index, bed or None)) and roster."""
        return hinted_placement(self.a)


def by_windows(problem: Problem, a, run: Run, num_workers: int, seed: int,
               share: float = WINDOW_SHARE, start: dict | None = None) -> dict | None:
    """On a long horizon, search the aggregate model by windows; return a better placement, or None.

    The search starts from the full schedule ``start`` when given (it fits
    the aggregate model), else from the model's hint, which must then be
    complete (the first-fit schedule, completed). The placement is visit ->
    (candidate index, None), as stage A gives it.
    """
    windows = Windows(problem, a)
    if not windows.fits() or run.should_stop():
        return None
    if start is not None:
        a.cp.clear_hints()
        hint_schedule(a, start)
        if complete_hint(a.cp, min(30.0, max(1.0, 0.1 * run.left()), run.left()), seed) is None:
            return None
    if len(a.cp.proto.solution_hint.vars) < len(a.cp.proto.variables):
        return None
    cost = windows.improve(run, share * run.left(), num_workers, seed)
    log.debug("windows: %s at %.1fs (%d steps)", cost, run.elapsed(), windows.step)
    return windows.placement()[0] if cost is not None else None
