"""The staffing rules H6..H9 (see ``rules.py`` for the registry)."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from .model import ScheduleModel


def add_h6_staffing(m: ScheduleModel) -> None:
    """Staff work only shifts they can: no leave, enough rest, within their limits; shifts are staffed.

    Leave and too-long shifts are left out when the ``work`` variables are
    made. Here: fixed shifts are worked, two shifts closer than the person's
    rest are not both worked, shift and minute limits, at most
    ``max_consecutive_days`` local days in a row with a shift start, and each
    shift's ``min_staff`` (per role) and ``min_skill`` (per skill, any role).
    """
    p = m.problem
    index = {s.id: i for i, s in enumerate(p.shifts)}
    for person in p.staff.values():
        mine = m.planner.available[person.id]
        work = {i: m.work[person.id, i] for i in mine}
        for sid in sorted(person.fixed_shifts):
            lit = m.requirement("fixed_shift", f"{person.id}@{sid}",
                                f"{person.id} is fixed to work shift {sid}")
            if index[sid] in work:
                m.enforce(m.cp.add(work[index[sid]] == 1), lit)
            elif lit is not None:
                m.cp.add(lit == 0)
            else:
                m.cp.add_bool_or([])
        for a in mine:
            for b in mine:
                if b > a and p.shifts[b].start_min - p.shifts[a].end_min < person.min_rest_minutes:
                    m.cp.add_at_most_one(work[a], work[b])
        if len(mine) > person.max_shifts:
            m.cp.add(sum(work.values()) <= person.max_shifts)
        if sum(p.shifts[i].minutes for i in mine) > person.max_minutes:
            m.cp.add(sum(p.shifts[i].minutes * w for i, w in work.items()) <= person.max_minutes)
        _add_consecutive_days(m, person.id, person.max_consecutive_days, work)
    for i, shift in enumerate(p.shifts):
        needs = [f"{n} {role}" for role, n in shift.min_staff.items() if n]
        needs += [f"{n} with {skill}" for skill, n in shift.min_skill.items() if n]
        if not needs:
            continue
        lit = m.requirement("min_staff", shift.id, f"shift {shift.id} needs {', '.join(needs)}")
        for role, n in shift.min_staff.items():
            crew = [m.work[q.id, i] for q in m.planner.on_call[i] if role in q.roles]
            m.enforce(m.cp.add(sum(crew) >= n), lit)
        for skill, n in shift.min_skill.items():
            crew = [m.work[q.id, i] for q in m.planner.on_call[i] if skill in q.skills]
            m.enforce(m.cp.add(sum(crew) >= n), lit)


def _add_consecutive_days(m: ScheduleModel, pid: str, limit: int | None, work: dict) -> None:
    if not limit:
        return
    by_day = defaultdict(list)
    for i, w in work.items():
        by_day[m.problem.shifts[i].start.astimezone(m.problem.tz).date()].append(w)
    if len(by_day) <= limit:
        return
    day_vars = {}
    for day, shifts in by_day.items():
        if len(shifts) == 1:
            day_vars[day] = shifts[0]
        else:
            day_vars[day] = m.cp.new_bool_var(f"day_{pid}_{day}")
            for w in shifts:
                m.cp.add_implication(w, day_vars[day])
    first = min(by_day)
    last = max(by_day)
    day = first
    while day + timedelta(days=limit) <= last:
        window = [day_vars[d] for d in (day + timedelta(days=j) for j in range(limit + 1))
                  if d in day_vars]
        if len(window) > limit:
            m.cp.add(sum(window) <= limit)
        day += timedelta(days=1)


def add_h7_primary_nurse(m: ScheduleModel) -> None:
    """Every scheduled visit has, in each shift it touches, one primary RN on shift with its skills.

    The nurse needs every skill of the visit's segments in that shift; the
    visit counts in the shift at its highest load there; a nurse's loads in
    one shift add up to at most 100. ``primary[v, p]`` marks the distinct
    nurses of a visit (the continuity cost); two shifts too close for one
    nurse, or more shifts than the nurse may work, need more nurses.
    """
    p = m.problem
    loads = defaultdict(list)
    per_visit_staff = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))  # vid -> pid -> shift
    for vid in m.sched:
        groups = defaultdict(lambda: defaultdict(list))
        for k, cand in enumerate(m.plans[vid].candidates):
            for need in cand.needs:
                groups[need.shift][need].append(k)
        for i, by_need in groups.items():
            for need, ks in by_need.items():
                chosen = []
                for person in m.planner.on_call[i]:
                    if "RN" not in person.roles or not need.skills <= person.skills:
                        continue
                    n = m.cp.new_bool_var(f"nurse_{vid}_{p.shifts[i].id}_{person.id}_{need.load}")
                    m.nurse[vid, i, person.id, need] = n
                    m.cp.add_implication(n, m.work[person.id, i])
                    loads[person.id, i].append((need.load, n))
                    per_visit_staff[vid][person.id][i].append(n)
                    chosen.append(n)
                m.cp.add(sum(chosen) == m.candidate_sum(vid, ks))
    for (pid, i), items in loads.items():
        if sum(load for load, _ in items) > 100:
            m.cp.add(sum(load * n for load, n in items) <= 100 * m.work[pid, i])
    for vid, by_staff in per_visit_staff.items():
        for pid, by_shift in by_staff.items():
            _add_primary(m, vid, pid, by_shift)


def _add_primary(m: ScheduleModel, vid: str, pid: str, by_shift: dict) -> None:
    person = m.problem.staff[pid]
    flag = m.cp.new_bool_var(f"primary_{vid}_{pid}")
    m.primary[vid, pid] = flag
    total = []
    for lits in by_shift.values():
        m.cp.add(sum(lits) <= flag)
        total.extend(lits)
    m.cp.add(flag <= sum(total))  # exactly "is a primary nurse of v", so the cost is exact
    cap = min(person.max_shifts, len(by_shift))
    if cap < len(by_shift):
        m.cp.add(sum(total) <= cap * flag)
    shifts = sorted(by_shift)
    for a in shifts:
        for b in shifts:
            gap = m.problem.shifts[b].start_min - m.problem.shifts[a].end_min
            if b > a and gap < person.min_rest_minutes:
                m.cp.add(sum(by_shift[a]) + sum(by_shift[b]) <= flag)


def _task_events(m: ScheduleModel):
    """Yield ``(shift, role, t0, t1, count, vid, k)`` for every task at every candidate."""
    for vid in m.sched:
        visit = m.problem.visits[vid]
        for k, cand in enumerate(m.plans[vid].candidates):
            for task, i in zip(visit.tasks, cand.task_shifts):
                if i is not None:
                    t0 = cand.start + task.offset_minutes
                    yield i, task.role, t0, t0 + task.duration_minutes, task.count, vid, k


def single_task_role(m: ScheduleModel) -> bool:
    """Tell whether nobody holds two roles that tasks ask for (tasks then need no names in the model)."""
    roles = {t.role for v in m.problem.visits.values() for t in v.tasks}
    return all(len(person.roles & roles) <= 1 for person in m.problem.staff.values())


def add_h8_tasks(m: ScheduleModel) -> None:
    """Each task has its number of distinct staff with its role, on a shift covering the whole task.

    A task that starts before the horizon is past and needs nobody. Starts
    putting a task outside every shift were dropped in ``candidates.py``.
    When nobody holds two task roles, the staff of one role on one shift are
    interchangeable, so it is enough (interval graphs are perfect) that at
    every moment the tasks under way need no more of them than are working;
    names are given afterwards (``extract.py``). Otherwise each person gets
    explicit task variables with a no-overlap.
    """
    if not single_task_role(m):
        _add_tasks_explicit(m)
        return
    events = defaultdict(list)
    for i, role, t0, t1, count, vid, k in _task_events(m):
        events[i, role].append((t0, t1, count, vid, k))
    for (i, role), evs in events.items():
        crew = [m.work[q.id, i] for q in m.planner.on_call[i] if role in q.roles]
        # the shift's minimum staff of the role already covers small demands (not when
        # explaining: the minimum is then a requirement that may be switched off)
        floor = 0 if m.explain else m.problem.shifts[i].min_staff.get(role, 0)
        seen = set()
        for tau in sorted({e[0] for e in evs}):
            demand = defaultdict(int)
            for t0, t1, count, vid, k in evs:
                if t0 <= tau < t1:
                    demand[vid, k] += count
            most = defaultdict(int)
            for (vid, _k), d in demand.items():
                most[vid] = max(most[vid], d)
            key = frozenset(demand.items())
            if sum(most.values()) <= floor or key in seen:
                continue
            seen.add(key)
            m.cp.add(sum(d * m.x[vid][k] for (vid, k), d in demand.items()) <= sum(crew))


def _add_tasks_explicit(m: ScheduleModel) -> None:
    m.task_staff = {}
    busy = defaultdict(list)
    for vid in m.sched:
        visit = m.problem.visits[vid]
        for j, task in enumerate(visit.tasks):
            by_shift = defaultdict(list)
            for k, cand in enumerate(m.plans[vid].candidates):
                if cand.task_shifts[j] is not None:
                    by_shift[cand.task_shifts[j]].append(k)
            if not by_shift:
                continue
            people = {q.id for i in by_shift for q in m.planner.on_call[i] if task.role in q.roles}
            chosen = []
            for pid in sorted(people):
                a = m.cp.new_bool_var(f"task_{vid}_{task.id}_{pid}")
                m.task_staff[vid, task.id, pid] = a
                chosen.append(a)
                for i, ks in by_shift.items():
                    on = m.work.get((pid, i))
                    m.cp.add(a + m.candidate_sum(vid, ks) <= 1 + (on if on is not None else 0))
                busy[pid].append(m.cp.new_optional_fixed_size_interval_var(
                    m.start[vid] + task.offset_minutes, task.duration_minutes, a, f"busy_{vid}_{task.id}_{pid}"))
            due = m.candidate_sum(vid, [k for ks in by_shift.values() for k in ks])
            m.cp.add(sum(chosen) == task.count * due)
    for intervals in busy.values():
        if len(intervals) > 1:
            m.cp.add_no_overlap(intervals)


def add_h9_admissions(m: ScheduleModel) -> None:
    """No more than the set number of bed admissions start in any one shift.

    Visits that need a bed count, fixed ones included, when they start in
    ``[shift.start, shift.end)``.
    """
    limit = m.problem.policies.max_admissions_per_shift
    for shift in m.problem.shifts:
        starts = [m.x[vid][k] for vid in m.bed for k, c in enumerate(m.plans[vid].candidates)
                  if shift.start_min <= c.start < shift.end_min]
        if len(starts) > limit:
            lit = m.requirement("admissions", shift.id,
                                f"at most {limit} admissions may start in shift {shift.id}")
            m.enforce(m.cp.add(sum(starts) <= limit), lit)


def _nurses_needed(m: ScheduleModel, shifts: list[int]) -> int:
    """Return a lower bound on the distinct nurses needed to cover ``shifts`` one nurse each.

    One nurse covers at most ``max_shifts`` of them and never two closer than
    their rest; so at least ``ceil(len / best)`` nurses, and two whenever some
    pair is too close for every nurse who could take both.
    """
    p = m.problem
    best, clash = 0, False
    nurses = [q for q in p.staff.values() if "RN" in q.roles]
    for q in nurses:
        mine = [i for i in shifts if i in m.planner.available[q.id]]
        count, last_end = 0, None
        for i in sorted(mine, key=lambda i: p.shifts[i].end_min):
            if last_end is None or p.shifts[i].start_min - last_end >= q.min_rest_minutes:
                count, last_end = count + 1, p.shifts[i].end_min
        best = max(best, min(count, q.max_shifts))
    ordered = sorted(shifts)
    for a, b in zip(ordered, ordered[1:]):
        gap = p.shifts[b].start_min - p.shifts[a].end_min
        if all(gap < q.min_rest_minutes for q in nurses):
            clash = True
    if not shifts:
        return 0
    need = -(-len(shifts) // max(1, best))
    return max(need, 2 if clash else 1)


def add_nurse_bounds(m: ScheduleModel) -> None:
    """Redundant: a visit needs at least so many distinct nurses; a shift's loads fit its RNs.

    Not a rule of the spec, only help for the solver's bound: the count of a
    visit's primary nurses is at least the lower bound of its chosen start,
    and in every shift the loads (all, and per needed skill) are at most 100
    per RN working it with that skill.
    """
    for vid in m.sched:
        flags = [f for (v, _pid), f in m.primary.items() if v == vid]
        if not flags:
            continue
        terms = []
        for k, cand in enumerate(m.plans[vid].candidates):
            low = _nurses_needed(m, [n.shift for n in cand.needs])
            if low > 1:
                terms.append(low * m.x[vid][k])
        if terms:
            m.cp.add(sum(flags) >= sum(terms))
    by_shift = defaultdict(list)
    for (vid, i, pid, need), var in m.nurse.items():
        by_shift[i].append((need, var))
    for i, items in by_shift.items():
        skills = {None} | {k for need, _ in items for k in need.skills}
        for skill in skills:
            load = [need.load * var for need, var in items if skill is None or skill in need.skills]
            crew = [m.work[q.id, i] for q in m.planner.on_call[i]
                    if "RN" in q.roles and (skill is None or skill in q.skills)]
            m.cp.add(sum(load) <= 100 * sum(crew))
