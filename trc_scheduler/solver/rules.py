"""The hard rules H1..H9 of the spec, one ``add_<rule>`` function each.

Every function takes the ``ScheduleModel`` (its variables are made in
``model.py``) and adds the constraints of its rule. ``RULES`` lists them in
the spec's order; the staffing rules H6..H9 live in ``rules_staff.py``.
"""
from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .model import ScheduleModel
from .rules_staff import (add_h6_staffing, add_h7_primary_nurse, add_h8_tasks, add_h9_admissions,
                          add_nurse_bounds)


def _fmt(m: ScheduleModel, minute: int) -> str:
    return m.problem.at(minute).strftime("%a %d %b %H:%M")


def add_h1_window(m: ScheduleModel) -> None:
    """A visit starts inside its window, on its grid, in admission hours; mandatory visits happen.

    The window, grid, admission hours and fixed start are already the
    candidate starts (``candidates.py``); here every mandatory visit is made
    scheduled, and a mandatory visit with no possible start makes the model
    infeasible.
    """
    for vid, visit in m.problem.visits.items():
        if not visit.mandatory:
            continue
        lit = m.requirement("mandatory", vid, f"{vid} is mandatory")
        if vid in m.sched:
            m.enforce(m.cp.add(m.sched[vid] == 1), lit)
        elif lit is not None:
            m.cp.add(lit == 0)
        else:
            m.cp.add_bool_or([])


def add_h2_bed(m: ScheduleModel) -> None:
    """A stay that needs a bed has exactly one bed with every feature it needs, for the whole stay.

    One bed per scheduled bed visit is made in ``model.py``; when explaining,
    beds without the features (or other than a fixed bed) are offered but
    switched off by a requirement.
    """
    if not m.explain:
        return
    for vid, beds in m.bed.items():
        visit = m.problem.visits[vid]
        if visit.bed_features:
            words = " and ".join(sorted(visit.bed_features))
            lit = m.requirement("bed_features", vid, f"{vid} needs a bed with {words}")
            for b, var in beds.items():
                if not visit.bed_features <= m.problem.beds[b].features:
                    m.cp.add_implication(lit, ~var)
        if visit.fixed_bed is not None:
            lit = m.requirement("fixed_bed", vid, f"{vid} is fixed to bed {visit.fixed_bed}")
            for b, var in beds.items():
                if b != visit.fixed_bed:
                    m.cp.add_implication(lit, ~var)


def add_h3_bed_conflict(m: ScheduleModel) -> None:
    """Two stays in one bed never overlap, and the bed stays empty for the turnover after each stay.

    Each bed has a no-overlap over its stays lengthened by the turnover; a
    cumulative per feature class (the visits needing at least those features,
    against the beds having them) helps the solver see the capacity.
    """
    turnover = m.problem.turnover_minutes
    per_bed = defaultdict(list)
    stays = {}
    for vid, beds in m.bed.items():
        size = m.problem.visits[vid].duration_minutes + turnover
        stays[vid] = m.cp.new_optional_fixed_size_interval_var(
            m.start[vid], size, m.sched[vid], f"stay_{vid}")
        for b, var in beds.items():
            per_bed[b].append(m.cp.new_optional_fixed_size_interval_var(
                m.start[vid], size, var, f"stay_{vid}_{b}"))
    for intervals in per_bed.values():
        if len(intervals) > 1:
            m.cp.add_no_overlap(intervals)
    _add_bed_capacity(m, stays)


def _add_bed_capacity(m: ScheduleModel, stays: dict) -> None:
    classes = {frozenset()} if m.explain else {m.problem.visits[v].bed_features for v in stays}
    classes.add(frozenset())
    for need in classes:
        members = [v for v in stays if need <= m.problem.visits[v].bed_features]
        capacity = sum(1 for b in m.problem.beds.values() if need <= b.features)
        if len(members) > capacity:
            m.cp.add_cumulative([stays[v] for v in members], [1] * len(members), capacity)


def _span(m: ScheduleModel, vid: str) -> tuple[int, int]:
    starts = [c.start for c in m.plans[vid].candidates]
    return min(starts), max(starts) + m.problem.visits[vid].duration_minutes


def add_h4_room_sharing(m: ScheduleModel) -> None:
    """People sharing a room at the same time are of the same sex and age group.

    Under the ``same_sex_same_age_group`` policy, each bed visit that could
    share a room of two or more beds gets its room as an integer
    (``room = sum index(room of b) * bed[b]``, a negative value of its own
    when left out). For each pair of visits of
    different groups whose stays could overlap in time and that could share
    such a room, one literal ``same`` says they are in the same room: then one
    stay ends before the other starts (a disjunction on a second literal),
    else their rooms differ. One pair costs 2 literals and 3 constraints
    whatever the number of rooms (a no-overlap per room and pair would cost
    one per room). Two visits in the same one-bed room never overlap anyway
    (H3), so giving every room its own index loses nothing.
    """
    if m.problem.policies.room_sharing != "same_sex_same_age_group":
        return
    beds_of = defaultdict(list)
    for b in m.problem.beds.values():
        beds_of[b.room].append(b.id)
    shared = {room for room, beds in beds_of.items() if len(beds) >= 2}
    if not shared:
        return
    index = {room: i for i, room in enumerate(sorted(beds_of))}
    room_of = {b.id: b.room for b in m.problem.beds.values()}
    rooms = {}  # vid -> frozenset of shared rooms it could be in
    for vid, choice in m.bed.items():
        mine = frozenset(room_of[b] for b in choice if room_of[b] in shared)
        if mine:
            rooms[vid] = mine
    room_var = {}

    def room(vid: str):
        if vid not in room_var:
            choice = m.bed[vid]
            off = -1 - len(room_var)  # a room of its own when left out
            values = sorted({index[room_of[b]] for b in choice} | {off})
            var = m.cp.new_int_var_from_domain(cp_model.Domain.from_values(values), f"room_{vid}")
            m.cp.add(var == sum(index[room_of[b]] * lit for b, lit in choice.items())
                     + off * (1 - m.sched[vid]))
            room_var[vid] = var
        return room_var[vid]

    ids = sorted(rooms, key=lambda v: _span(m, v)[0])
    spans = {v: _span(m, v) for v in ids}
    groups = {v: m.problem.group(v) for v in ids}
    for i, v in enumerate(ids):
        a0, a1 = spans[v]
        for w in ids[i + 1:]:
            b0, b1 = spans[w]
            if b0 >= a1:
                break  # sorted by earliest start: no later visit overlaps v either
            if groups[v] == groups[w] or not (rooms[v] & rooms[w]):
                continue
            same = m.cp.new_bool_var(f"share_{v}_{w}")
            first = m.cp.new_bool_var(f"first_{v}_{w}")
            dv, dw = m.problem.visits[v].duration_minutes, m.problem.visits[w].duration_minutes
            m.cp.add(m.start[v] + dv <= m.start[w]).only_enforce_if([same, first])
            m.cp.add(m.start[w] + dw <= m.start[v]).only_enforce_if([same, ~first])
            m.cp.add(room(v) != room(w)).only_enforce_if(~same)


def add_h5_precedence(m: ScheduleModel) -> None:
    """A visit that must follow another comes at least (and at most) the set gap after it.

    The gap is between anchors (start, end or a task's start). If the first
    visit is left out, the one that follows it is left out too.
    """
    for i, prec in enumerate(m.problem.precedences):
        gap = f"at least {prec.min_gap_minutes} min"
        if prec.max_gap_minutes is not None:
            gap += f" and at most {prec.max_gap_minutes} min"
        text = (f"{prec.after} ({prec.after_anchor}) comes {gap} after "
                f"{prec.before} ({prec.before_anchor})" + (f": {prec.why}" if prec.why else ""))
        lit = m.requirement("precedence", str(i), text)
        after, before = m.sched.get(prec.after), m.sched.get(prec.before)
        if after is None:
            continue
        if before is None:
            m.enforce(m.cp.add(after == 0), lit)
            continue
        m.enforce(m.cp.add_implication(after, before), lit)
        delta = (m.start[prec.after] + m.problem.visits[prec.after].anchor_offset(prec.after_anchor)
                 - m.start[prec.before] - m.problem.visits[prec.before].anchor_offset(prec.before_anchor))
        enforce = [after] + ([lit] if lit is not None else [])
        m.cp.add(delta >= prec.min_gap_minutes).only_enforce_if(enforce)
        if prec.max_gap_minutes is not None:
            m.cp.add(delta <= prec.max_gap_minutes).only_enforce_if(enforce)


RULES = (
    add_h1_window,
    add_h2_bed,
    add_h3_bed_conflict,
    add_h4_room_sharing,
    add_h5_precedence,
    add_h6_staffing,
    add_h7_primary_nurse,
    add_h8_tasks,
    add_h9_admissions,
)

#: Redundant constraints that only strengthen the solver's bound (no rule of their own).
REDUNDANT = (add_nurse_bounds,)

__all__ = ["RULES", "REDUNDANT"] + [r.__name__ for r in RULES]
