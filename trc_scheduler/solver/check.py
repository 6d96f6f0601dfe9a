"""Independent re-verification of a ``trc-schedule/1`` against its instance.

``check(instance, schedule)`` re-reads both dicts with its own small parser
(``parsed.py``), never CP-SAT and never ``problem.py``, and tests the rules
H1..H9 of the spec one function each, the structure of the schedule (FORMAT)
and the objective against the cost recomputed from the spec's table (COST).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from .parsed import Instance, parse_dt, parse_instance

STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
COST_TERMS = ("unscheduled", "target_hour", "continuity", "preferred_off", "changed_visit", "changed_shift")


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``rule`` is H1..H9, FORMAT or COST; ``message`` says where and when."""

    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class CheckReport:
    """What the checker found: violations, and the cost recomputed from the schedule."""

    violations: list[Violation] = field(default_factory=list)
    cost: int = 0
    cost_terms: dict[str, int] = field(default_factory=dict)
    objective: int | None = None

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> set[str]:
        """Return the set of rule tags that were broken."""
        return {v.rule for v in self.violations}

    def add(self, rule: str, message: str) -> None:
        self.violations.append(Violation(rule, f"{rule} {message}"))

    def summary(self) -> str:
        """Return a human-readable multi-line summary."""
        terms = ", ".join(f"{k} {v}" for k, v in self.cost_terms.items())
        head = "OK" if self.ok else f"{len(self.violations)} violation(s)"
        lines = [f"{head}; recomputed cost {self.cost} ({terms})"]
        lines += [f"  {v.message}" for v in self.violations]
        return "\n".join(lines)


@dataclass
class Plan:
    """The decisions of a schedule, keyed by ids, times in minutes."""

    status: str = "UNKNOWN"
    starts: dict[str, int] = field(default_factory=dict)
    beds: dict[str, str | None] = field(default_factory=dict)
    unscheduled: dict[str, str] = field(default_factory=dict)
    worked: set[tuple[str, str]] = field(default_factory=set)
    primary: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    tasks: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def _entries(schedule: dict, key: str, report: CheckReport) -> list[dict]:
    items = schedule.get(key)
    if items is None:
        report.add("FORMAT", f"the schedule has no '{key}' list")
        return []
    if not isinstance(items, list):
        report.add("FORMAT", f"'{key}' is not a list")
        return []
    good = [e for e in items if isinstance(e, dict)]
    if len(good) != len(items):
        report.add("FORMAT", f"'{key}' holds entries that are not objects")
    return good


def _read_visits(inst: Instance, schedule: dict, plan: Plan, report: CheckReport) -> None:
    for e in _entries(schedule, "visits", report):
        vid = e.get("visit")
        if vid not in inst.visits:
            report.add("FORMAT", f"scheduled visit {vid!r} is not in the instance")
            continue
        if vid in plan.starts:
            report.add("FORMAT", f"visit {vid} is scheduled twice")
            continue
        try:
            when = parse_dt(e.get("start"))
        except (TypeError, ValueError) as exc:
            report.add("FORMAT", f"visit {vid} has a bad start: {exc}")
            continue
        if when.second or when.microsecond:
            report.add("FORMAT", f"visit {vid} start {e.get('start')} is not a whole minute")
        start = int((when - inst.origin).total_seconds() // 60)
        bed = e.get("bed")
        if bed is not None and bed not in inst.beds:
            report.add("FORMAT", f"visit {vid} is in bed {bed!r}, which is not in the instance")
            bed = None
        plan.starts[vid], plan.beds[vid] = start, bed
    for e in _entries(schedule, "unscheduled", report):
        vid = e.get("visit")
        if vid not in inst.visits:
            report.add("FORMAT", f"unscheduled visit {vid!r} is not in the instance")
        elif vid in plan.starts or vid in plan.unscheduled:
            report.add("FORMAT", f"visit {vid} appears more than once")
        else:
            plan.unscheduled[vid] = e.get("reason")
            if not isinstance(e.get("reason"), str) or not e["reason"].strip():
                report.add("FORMAT", f"unscheduled visit {vid} has no reason")
    for vid in inst.visits:
        if vid not in plan.starts and vid not in plan.unscheduled:
            report.add("FORMAT", f"visit {vid} is neither scheduled nor unscheduled")


def _read_staffing(inst: Instance, schedule: dict, plan: Plan, report: CheckReport) -> None:
    for e in _entries(schedule, "shifts", report):
        key = (e.get("staff"), e.get("shift"))
        if key[0] not in inst.staff or key[1] not in inst.shift_by_id:
            report.add("FORMAT", f"shift entry {key[0]!r}/{key[1]!r} names an unknown staff member or shift")
        elif key in plan.worked:
            report.add("FORMAT", f"{key[0]} is listed twice on {key[1]}")
        plan.worked.add(key)
    for e in _entries(schedule, "primary_nurses", report):
        vid, sid, staff = e.get("visit"), e.get("shift"), e.get("staff")
        if vid not in plan.starts or sid not in inst.shift_by_id or staff not in inst.staff:
            report.add("FORMAT", f"primary nurse entry {vid!r}/{sid!r}/{staff!r} names an unscheduled "
                                 "or unknown visit, or an unknown shift or staff member")
            continue
        plan.primary[(vid, sid)].append(staff)
    for e in _entries(schedule, "tasks", report):
        vid, tid, staff = e.get("visit"), e.get("task"), e.get("staff")
        if vid not in plan.starts or tid not in inst.visits[vid].tasks:
            report.add("FORMAT", f"task entry {vid!r}/{tid!r} names an unscheduled or unknown visit or task")
        elif (vid, tid) in plan.tasks:
            report.add("FORMAT", f"task {vid} {tid} is listed twice")
        elif not isinstance(staff, list) or any(s not in inst.staff for s in staff):
            report.add("FORMAT", f"task {vid} {tid} names unknown staff {staff!r}")
        else:
            plan.tasks[(vid, tid)] = list(staff)


def read_plan(inst: Instance, schedule: dict, report: CheckReport | None = None) -> Plan:
    """Read a trc-schedule/1 dict into a Plan, reporting FORMAT problems."""
    report = report if report is not None else CheckReport()
    plan = Plan()
    if not isinstance(schedule, dict):
        report.add("FORMAT", "the schedule is not a JSON object")
        return plan
    if schedule.get("format") != "trc-schedule/1":
        report.add("FORMAT", f"format is {schedule.get('format')!r}, not 'trc-schedule/1'")
    if schedule.get("instance") != inst.id:
        report.add("FORMAT", f"the schedule is for instance {schedule.get('instance')!r}, not {inst.id!r}")
    plan.status = schedule.get("status")
    if plan.status not in STATUSES:
        report.add("FORMAT", f"status {plan.status!r} is not one of {', '.join(STATUSES)}")
    _read_visits(inst, schedule, plan, report)
    _read_staffing(inst, schedule, plan, report)
    return plan


def _check_empty_answer(inst: Instance, schedule: dict, plan: Plan, report: CheckReport) -> None:
    for key in ("visits", "shifts", "primary_nurses", "tasks"):
        if schedule.get(key):
            report.add("FORMAT", f"status {plan.status} but '{key}' is not empty")
    if plan.status == "INFEASIBLE":
        if schedule.get("objective") is not None or schedule.get("bound") is not None:
            report.add("FORMAT", "status INFEASIBLE but objective or bound is not null")
        if not schedule.get("conflicts"):
            report.add("FORMAT", "status INFEASIBLE but no conflicts say why")


def compute_cost(inst: Instance, plan: Plan) -> dict[str, int]:
    """Recompute the named cost terms of the spec's cost table from a plan."""
    w, terms = inst.weights, dict.fromkeys(COST_TERMS, 0)
    for vid, visit in inst.visits.items():
        if vid not in plan.starts:
            if not visit.mandatory:
                terms["unscheduled"] += visit.priority * w["unscheduled"]
        elif visit.target is not None:
            terms["target_hour"] += w["target_hour"] * math.ceil(abs(plan.starts[vid] - visit.target) / 60)
    nurses = defaultdict(set)
    for (vid, _sid), staff in plan.primary.items():
        nurses[vid].update(staff)
    terms["continuity"] = w["continuity"] * sum(max(0, len(s) - 1) for s in nurses.values())
    terms["preferred_off"] = w["preferred_off"] * sum(
        1 for staff, sid in plan.worked if staff in inst.staff and sid in inst.staff[staff].preferred_off)
    for vid, (start, bed) in inst.previous_visits.items():
        if vid not in plan.starts or plan.starts[vid] != start or plan.beds.get(vid) != bed:
            terms["changed_visit"] += w["changed_visit"]
    if inst.previous_shifts is not None:
        terms["changed_shift"] = w["changed_shift"] * len(plan.worked ^ inst.previous_shifts)
    return terms


def check(instance, schedule: dict) -> CheckReport:
    """Re-verify a trc-schedule/1 against a trc-instance/1 (dict or Problem) rule by rule."""
    from .check_rules import RULE_CHECKS

    inst = instance if isinstance(instance, Instance) else parse_instance(instance)
    report = CheckReport()
    plan = read_plan(inst, schedule, report)
    if isinstance(schedule, dict):
        report.objective = schedule.get("objective")
    if plan.status in ("INFEASIBLE", "UNKNOWN"):
        _check_empty_answer(inst, schedule, plan, report)
    else:
        for rule_check in RULE_CHECKS:
            rule_check(inst, plan, report)
    report.cost_terms = compute_cost(inst, plan)
    report.cost = sum(report.cost_terms.values())
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        _check_objective(schedule, report)
    return report


def _check_objective(schedule: dict, report: CheckReport) -> None:
    objective, bound = schedule.get("objective"), schedule.get("bound")
    if objective is not None and objective != report.cost:
        terms = ", ".join(f"{k} {v}" for k, v in report.cost_terms.items() if v)
        report.add("COST", f"objective {objective} differs from the recomputed cost {report.cost} ({terms or 'all zero'})")
    if objective is not None and bound is not None and bound > objective:
        report.add("COST", f"bound {bound} exceeds objective {objective}")
