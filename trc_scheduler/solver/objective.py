"""The cost of a schedule: one named, weighted term per line of the spec's table.

Each term is an integer variable equal to its weighted sum, and the
objective is their total; ``m.term_parts[term]`` keeps ``(subject, coef,
literal)`` so the extracted schedule can explain its own cost.
"""
from __future__ import annotations

from .model import ScheduleModel

TERMS = ("unscheduled", "target_hour", "continuity", "preferred_off", "changed_visit", "changed_shift")


def _term(m: ScheduleModel, name: str, parts: list[tuple[str, int, object]]) -> None:
    """Add the named term ``sum coef * literal``; a literal of None is a constant 1."""
    parts = [(subject, coef, lit) for subject, coef, lit in parts if coef]
    top = sum(coef for _, coef, _ in parts if coef > 0)
    var = m.cp.new_int_var(0, max(0, top), name)
    m.cp.add(var == sum(coef * (1 if lit is None else lit) for _, coef, lit in parts))
    m.terms[name] = var
    m.term_parts[name] = parts


def add_unscheduled(m: ScheduleModel) -> None:
    """An optional visit left out costs its priority times the unscheduled weight."""
    w = m.problem.weights.unscheduled
    parts = []
    for vid, visit in m.problem.visits.items():
        cost = visit.priority * w
        if vid in m.sched:
            parts.append((vid, cost, ~m.sched[vid]))
        elif not visit.mandatory:
            parts.append((vid, cost, None))
    _term(m, "unscheduled", parts)


def add_target_hour(m: ScheduleModel) -> None:
    """A visit away from its target start costs the target weight per started hour of difference."""
    parts = []
    for vid in m.sched:
        for k, cand in enumerate(m.plans[vid].candidates):
            parts.append((vid, cand.target_cost, m.x[vid][k]))
    _term(m, "target_hour", parts)


def add_continuity(m: ScheduleModel) -> None:
    """Each distinct primary nurse of a visit beyond its first costs the continuity weight."""
    w = m.problem.weights.continuity
    parts = [(vid, w, flag) for (vid, _pid), flag in m.primary.items()]
    for vid in m.sched:
        ks = [k for k, c in enumerate(m.plans[vid].candidates) if c.needs]
        parts += [(vid, -w, m.x[vid][k]) for k in ks]
    _term(m, "continuity", parts)


def add_preferred_off(m: ScheduleModel) -> None:
    """A staff member working a shift they asked to have off costs the preferred-off weight."""
    w = m.problem.weights.preferred_off
    parts = []
    for (pid, i), var in m.work.items():
        if m.problem.shifts[i].id in m.problem.staff[pid].preferred_off:
            parts.append((pid, w, var))
    _term(m, "preferred_off", parts)


def add_changed_visit(m: ScheduleModel) -> None:
    """A visit of the published schedule that moved (start or bed) or was dropped costs the change weight."""
    w = m.problem.weights.changed_visit
    parts = []
    for vid, before in m.problem.previous.visits.items():
        keep = _same_as_before(m, vid, before)
        parts.append((vid, w, None if keep is None else ~keep))
    _term(m, "changed_visit", parts)


def _same_as_before(m: ScheduleModel, vid: str, before):
    if vid not in m.sched:
        return None
    ks = [k for k, c in enumerate(m.plans[vid].candidates) if c.start == before.start_min]
    if not ks:
        return None
    visit = m.problem.visits[vid]
    if not visit.needs_bed:
        return m.x[vid][ks[0]] if before.bed is None else None
    if m.aggregate:  # no bed variables: the same start may keep the same bed (a lower bound)
        return m.x[vid][ks[0]] if before.bed in m.plans[vid].beds else None
    if before.bed not in m.bed.get(vid, {}):
        return None
    keep = m.cp.new_bool_var(f"same_{vid}")
    m.cp.add_implication(keep, m.x[vid][ks[0]])
    m.cp.add_implication(keep, m.bed[vid][before.bed])
    m.cp.add_bool_or([keep, ~m.x[vid][ks[0]], ~m.bed[vid][before.bed]])
    return keep


def add_changed_shift(m: ScheduleModel) -> None:
    """Each staff-shift added to or dropped from the published roster costs the shift-change weight."""
    shifts = m.problem.previous.shifts
    if shifts is None:
        _term(m, "changed_shift", [])
        return
    w = m.problem.weights.changed_shift
    index = {s.id: i for i, s in enumerate(m.problem.shifts)}
    parts = []
    for (pid, i), var in m.work.items():
        if (pid, m.problem.shifts[i].id) in shifts:
            parts.append((pid, w, ~var))
        else:
            parts.append((pid, w, var))
    for pid, sid in shifts:
        if (pid, index[sid]) not in m.work:
            parts.append((pid, w, None))  # they cannot work it any more: dropped whatever we do
    _term(m, "changed_shift", parts)


OBJECTIVE_TERMS = (add_unscheduled, add_target_hour, add_continuity, add_preferred_off,
                   add_changed_visit, add_changed_shift)


def add_objective(m: ScheduleModel, placement: bool = False) -> None:
    """Add every cost term and minimise their sum (continuity's lower bound in the placement model)."""
    from .placement import add_continuity_floor

    for add in OBJECTIVE_TERMS:
        if placement and add is add_continuity:
            add_continuity_floor(m)
        else:
            add(m)
    m.cp.minimize(sum(m.terms[name] for name in TERMS))
