"""Precompute, per visit, the start times and beds worth offering to the model.

A candidate start is ``earliest_start + k * start_step_minutes`` (up to
``latest_start``) whose local time of day lies in the admission hours
``[from, to)``; a fixed start is the only candidate (if it is on the grid and
in the window, else there is none). Starts that cannot work whatever the rest
of the schedule are dropped here, with the reason kept for the explanation:
a task outside every shift, a task whose shift has too few staff with its
role who could work it, or a shift with no nurse who has the needed skills.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .problem import Problem, Shift, Staff, Visit


@dataclass(frozen=True)
class ShiftNeed:
    """What a visit starting at one candidate needs from one shift's nurses."""

    shift: int  # index into problem.shifts
    load: int
    skills: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    start: int
    needs: tuple[ShiftNeed, ...]  # every instance shift overlapped by >= 1 minute
    task_shifts: tuple[int | None, ...]  # per task: the shift covering it; None when it is past
    target_cost: int


@dataclass
class VisitPlan:
    visit: Visit
    candidates: list[Candidate]
    beds: list[str]
    grid_size: int = 0
    dropped: Counter = field(default_factory=Counter)

    @property
    def possible(self) -> bool:
        return bool(self.candidates) and (bool(self.beds) or not self.visit.needs_bed)


def can_work(staff: Staff, shift: Shift) -> bool:
    """Tell whether a staff member could work a shift at all (leave and limits)."""
    if staff.max_shifts < 1 or staff.max_minutes < shift.minutes:
        return False
    return not any(g.start_min < shift.end_min and shift.start_min < g.end_min
                   for g in staff.unavailable)


def shift_need(problem: Problem, visit: Visit, start: int, shift_index: int) -> ShiftNeed | None:
    """Return the load and skills a visit starting at ``start`` needs in a shift."""
    shift = problem.shifts[shift_index]
    lo = max(start, shift.start_min) - start
    hi = min(start + visit.duration_minutes, shift.end_min) - start
    if hi <= lo:
        return None
    load, skills, covered = 0, set(), []
    for seg in visit.nursing:
        if seg.from_minutes < hi and seg.to_minutes > lo:
            load = max(load, seg.load_percent)
            skills |= seg.skills
            covered.append((max(seg.from_minutes, lo), min(seg.to_minutes, hi)))
    at = lo
    for a, b in sorted(covered):
        if a > at:
            break
        at = max(at, b)
    if at < hi:  # part of the overlap has no segment: default load, no skill
        load = max(load, problem.policies.default_load_percent)
    return ShiftNeed(shift_index, load, frozenset(skills))


def grid(problem: Problem, visit: Visit) -> list[int]:
    """Return the starts on the visit's grid, in its window and admission hours."""
    if visit.fixed_start_min is not None:
        s = visit.fixed_start_min
        on_grid = (s - visit.earliest_min) % visit.start_step_minutes == 0
        return [s] if visit.earliest_min <= s <= visit.latest_min and on_grid else []
    starts = []
    for s in range(visit.earliest_min, visit.latest_min + 1, visit.start_step_minutes):
        local = problem.at(s)
        if problem.admission_from <= local.hour * 60 + local.minute < problem.admission_to:
            starts.append(s)
    return starts


class Planner:
    """Compute every visit's plan once for a problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.shift_starts = [s.start_min for s in problem.shifts]
        self.available = {p.id: [i for i, s in enumerate(problem.shifts) if can_work(p, s)]
                          for p in problem.staff.values()}
        self.available_set = {pid: frozenset(mine) for pid, mine in self.available.items()}
        self.on_call = [[p for p in problem.staff.values() if i in self.available_set[p.id]]
                        for i in range(len(problem.shifts))]
        self.nurses = [p for p in problem.staff.values() if "RN" in p.roles]

    def covering_shift(self, start: int, end: int) -> int | None:
        """Return the index of the shift containing ``[start, end)``, if any."""
        for i, s in enumerate(self.problem.shifts):
            if s.start_min <= start and end <= s.end_min:
                return i
        return None

    def overlapped(self, start: int, end: int) -> list[int]:
        return [i for i, s in enumerate(self.problem.shifts) if s.start_min < end and start < s.end_min]

    def candidate(self, visit: Visit, start: int) -> Candidate | str:
        """Return the candidate for one start, or the reason it cannot work."""
        p = self.problem
        task_shifts: list[int | None] = []
        for task in visit.tasks:
            t0 = start + task.offset_minutes
            if t0 < 0:  # before the horizon: past, exempt
                task_shifts.append(None)
                continue
            i = self.covering_shift(t0, t0 + task.duration_minutes)
            if i is None:
                return f"task '{task.id}' would fall outside every shift"
            staff = [s for s in self.on_call[i] if task.role in s.roles]
            if len(staff) < task.count:
                return (f"task '{task.id}' would need {task.count} {task.role} on shift "
                        f"{p.shifts[i].id}, and only {len(staff)} can work it")
            task_shifts.append(i)
        needs = []
        for i in self.overlapped(start, start + visit.duration_minutes):
            need = shift_need(p, visit, start, i)
            if not any("RN" in s.roles and need.skills <= s.skills for s in self.on_call[i]):
                words = ", ".join(sorted(need.skills)) or "no particular skill"
                return f"no nurse with {words} can work shift {p.shifts[i].id}"
            needs.append(need)
        cost = 0
        if visit.target_min is not None:
            cost = p.weights.target_hour * math.ceil(abs(start - visit.target_min) / 60)
        return Candidate(start, tuple(needs), tuple(task_shifts), cost)

    def plan(self, visit: Visit) -> VisitPlan:
        """Return the plan (candidates and beds) of one visit."""
        starts = grid(self.problem, visit)
        plan = VisitPlan(visit, [], self.beds(visit), grid_size=len(starts))
        for s in starts:
            result = self.candidate(visit, s)
            if isinstance(result, str):
                plan.dropped[result] += 1
            else:
                plan.candidates.append(result)
        return plan

    def beds(self, visit: Visit) -> list[str]:
        if not visit.needs_bed:
            return []
        beds = [b.id for b in self.problem.beds.values() if visit.bed_features <= b.features]
        if visit.fixed_bed is not None:
            beds = [b for b in beds if b == visit.fixed_bed]
        return beds


def plan_visits(problem: Problem) -> tuple[Planner, dict[str, VisitPlan]]:
    """Return the planner and every visit's plan, in instance order."""
    planner = Planner(problem)
    return planner, {vid: planner.plan(v) for vid, v in problem.visits.items()}
