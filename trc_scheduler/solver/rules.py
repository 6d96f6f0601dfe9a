"""The hard rules H1..H9 of the spec, one ``add_<rule>`` function each.

Every function takes the ``ScheduleModel`` (its variables are made in
``model.py``) and adds the constraints of its rule. ``RULES`` lists them in
the spec's order; the staffing rules H6..H9 live in ``rules_staff.py``.
"""
from __future__ import annotations

from collections import defaultdict

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


def _group(m: ScheduleModel, vid: str) -> tuple[str, str]:
    person = m.problem.participants[m.problem.visits[vid].participant]
    return person.sex, person.age_group


def _span(m: ScheduleModel, vid: str) -> tuple[int, int]:
    starts = [c.start for c in m.plans[vid].candidates]
    return min(starts), max(starts) + m.problem.visits[vid].duration_minutes


def add_h4_room_sharing(m: ScheduleModel) -> None:
    """People sharing a room at the same time are of the same sex and age group.

    Under the ``same_sex_same_age_group`` policy, for each room of two or more
    beds, two stays of different groups that could overlap in time get a
    no-overlap between their stays in that room (occupied when either is in
    one of its beds).
    """
    if m.problem.policies.room_sharing != "same_sex_same_age_group":
        return
    beds_of = defaultdict(list)
    for b in m.problem.beds.values():
        beds_of[b.room].append(b.id)
    for room, beds in beds_of.items():
        if len(beds) < 2:
            continue
        inside = {}
        for vid, choice in m.bed.items():
            lits = [choice[b] for b in beds if b in choice]
            if not lits:
                continue
            occupied = m.cp.new_bool_var(f"room_{vid}_{room}")
            m.cp.add(occupied == sum(lits))
            inside[vid] = m.cp.new_optional_fixed_size_interval_var(
                m.start[vid], m.problem.visits[vid].duration_minutes, occupied, f"in_{vid}_{room}")
        ids = list(inside)
        for i, v in enumerate(ids):
            for w in ids[i + 1:]:
                (a0, a1), (b0, b1) = _span(m, v), _span(m, w)
                if _group(m, v) != _group(m, w) and a0 < b1 and b0 < a1:
                    m.cp.add_no_overlap([inside[v], inside[w]])


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
