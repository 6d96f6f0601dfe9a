"""Build the CP-SAT model: decision variables, the rules of ``rules.py``, the cost.

Decision variables (all Boolean unless said):

* ``sched[v]`` visit v is scheduled; ``x[v][k]`` it starts at candidate k
  (``sum_k x[v][k] == sched[v]``); ``start[v]`` (integer) its start minute,
  ``start = c_0 + sum_k (c_k - c_0) x[v][k]``;
* ``bed[v][b]`` v is in bed b (``sum_b bed[v][b] == sched[v]``);
* ``work[p, s]`` staff member p works shift s (only shifts p could work);
* the rules add their own (primary nurses, room occupancy, ...).

With ``explain=True`` some requirements are made switchable by assumption
literals (``assumptions``: literal -> requirement) so that an infeasible model
can say which requirements clash (see ``conflicts.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .candidates import Planner, VisitPlan, plan_visits
from .problem import Problem


@dataclass(frozen=True)
class Requirement:
    """A group of constraints that an explanation can switch off."""

    kind: str  # mandatory | bed_features | fixed_bed | precedence | min_staff | admissions | staff_limits
    subject: str  # a visit id, a shift id, a staff id or a precedence index
    text: str


@dataclass
class ScheduleModel:
    problem: Problem
    planner: Planner
    plans: dict[str, VisitPlan]
    explain: bool = False
    aggregate: bool = False  # bed visits get no bed variables (``bed[v]`` is empty): see placement.py
    capacity_on: object = None  # aggregate model: the literal that switches nurse capacity on
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    sched: dict = field(default_factory=dict)
    x: dict = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    bed: dict = field(default_factory=dict)
    work: dict = field(default_factory=dict)
    nurse: dict = field(default_factory=dict)  # (v, shift_index, staff, need) -> BoolVar
    primary: dict = field(default_factory=dict)  # (v, staff) -> BoolVar: ever primary nurse of v
    task_staff: dict = field(default_factory=dict)  # (v, task, staff) -> BoolVar (explicit H8 only)
    terms: dict = field(default_factory=dict)  # cost term name -> IntVar
    term_parts: dict = field(default_factory=dict)  # term -> [(subject, coef, expr)]
    assumptions: dict = field(default_factory=dict)  # literal index -> Requirement
    assumption_literals: list = field(default_factory=list)

    def requirement(self, kind: str, subject: str, text: str):
        """Return the literal that switches a requirement on (always true unless explaining)."""
        if not self.explain:
            return None
        lit = self.cp.new_bool_var(f"req_{kind}_{subject}")
        self.assumptions[lit.index] = Requirement(kind, subject, text)
        self.assumption_literals.append(lit)
        return lit

    def enforce(self, constraint, lit) -> None:
        """Enforce a constraint only when its requirement literal holds."""
        if lit is not None:
            constraint.only_enforce_if(lit)

    def candidate_sum(self, vid: str, picks) -> cp_model.LinearExpr:
        """Return the sum of ``x[vid][k]`` over the candidate indices ``picks``."""
        return sum(self.x[vid][k] for k in picks)

    @property
    def scheduled_ids(self) -> list[str]:
        return list(self.sched)


def _make_visit_vars(m: ScheduleModel) -> None:
    for vid, plan in m.plans.items():
        beds = plan.beds if m.problem.visits[vid].needs_bed else []
        if m.explain and plan.visit.needs_bed:
            beds = list(m.problem.beds)  # feature and fixed-bed needs become requirements
        if not plan.candidates or (plan.visit.needs_bed and not beds):
            continue
        sched = m.cp.new_bool_var(f"sched_{vid}")
        m.sched[vid] = sched
        if len(plan.candidates) == 1:
            m.x[vid] = [sched]
        else:
            m.x[vid] = [m.cp.new_bool_var(f"x_{vid}_{c.start}") for c in plan.candidates]
            m.cp.add_exactly_one(m.x[vid] + [~sched])
        starts = [c.start for c in plan.candidates]
        start = m.cp.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"start_{vid}")
        c0 = starts[0]
        m.cp.add(start == c0 + sum((c - c0) * x for c, x in zip(starts, m.x[vid])))
        m.start[vid] = start
        if beds and m.aggregate:
            m.bed[vid] = {}  # a bed visit; which bed is left to a later stage
        elif beds:
            if len(beds) == 1:
                m.bed[vid] = {beds[0]: sched}
            else:
                m.bed[vid] = {b: m.cp.new_bool_var(f"bed_{vid}_{b}") for b in beds}
                m.cp.add_exactly_one(list(m.bed[vid].values()) + [~sched])


def _make_work_vars(m: ScheduleModel) -> None:
    for p in m.problem.staff.values():
        for i in m.planner.available[p.id]:
            m.work[p.id, i] = m.cp.new_bool_var(f"work_{p.id}_{m.problem.shifts[i].id}")


def build_model(problem: Problem, explain: bool = False, plans=None,
                objective: bool = True, placement: bool = False, aggregate: bool = False) -> ScheduleModel:
    """Build the full model of a problem (variables, hard rules, cost).

    With ``placement=True`` build the placement model of ``placement.py``
    instead: no primary-nurse variables (H7), aggregate nurse capacity and a
    lower bound of continuity in their place; a relaxation of the full model.
    With ``aggregate=True`` as well, no bed variables either: each bed
    feature class is a capacity over time (``placement.py``), a relaxation of
    the placement model.
    """
    from .objective import add_objective
    from .placement import add_bed_timeline, add_nurse_capacity
    from .rules import REDUNDANT, RULES
    from .rules_staff import add_h7_primary_nurse

    planner, computed = plan_visits(problem) if plans is None else plans
    m = ScheduleModel(problem, planner, computed, explain=explain, aggregate=aggregate and placement)
    _make_visit_vars(m)
    _make_work_vars(m)
    for rule in RULES:
        if not (placement and rule is add_h7_primary_nurse):
            rule(m)
    if placement:
        add_nurse_capacity(m)
        add_bed_timeline(m)
    elif not explain:
        for extra in REDUNDANT:
            extra(m)
    if objective:
        add_objective(m, placement=placement)
    return m
