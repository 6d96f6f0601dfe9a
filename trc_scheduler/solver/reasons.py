"""Reasons, in a unit manager's words, why a visit is not in the schedule."""
from __future__ import annotations

from .candidates import VisitPlan, grid


def when(problem, minute: int) -> str:
    """Return a short local date and time, e.g. ``Mon 23 Nov 07:00``."""
    return problem.at(minute).strftime("%a %d %b %H:%M")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def plan_reason(problem, plan: VisitPlan) -> str | None:
    """Return why a visit cannot be placed at all, or None when some placement may work."""
    v = plan.visit
    window = f"between {when(problem, v.earliest_min)} and {when(problem, v.latest_min)}"
    if not plan.grid_size:
        if v.fixed_start_min is not None:
            return (f"its fixed start {when(problem, v.fixed_start_min)} is not on its "
                    f"{v.start_step_minutes}-minute grid {window}")
        return (f"no start {window} (every {v.start_step_minutes} min) falls inside the admission "
                f"hours {_hhmm(problem.admission_from)}-{_hhmm(problem.admission_to)}")
    if not plan.candidates:
        why = "; ".join(reason for reason, _n in plan.dropped.most_common(2))
        return f"none of its {plan.grid_size} possible starts {window} works: {why}"
    if v.needs_bed and not plan.beds:
        words = " and ".join(sorted(v.bed_features)) or "no particular feature"
        if v.fixed_bed is not None:
            return f"it is fixed to bed {v.fixed_bed}, which lacks {words}"
        return f"no bed of the unit has {words}"
    return None


def impossible_reasons(model) -> dict[str, str]:
    """Return the visits that can never be placed, with the reason."""
    out = {}
    for vid, plan in model.plans.items():
        reason = plan_reason(model.problem, plan)
        if reason is not None:
            out[vid] = reason
    return out


def fallback_reasons(model, schedule: dict | None, unknown: bool = False,
                     infeasible: bool = False) -> dict[str, str]:
    """Return a reason for every visit (used when ``explain.py`` gives none)."""
    blocked = impossible_reasons(model)
    out = {}
    for vid, visit in model.problem.visits.items():
        if vid in blocked:
            out[vid] = f"cannot be scheduled: {blocked[vid]}"
        elif infeasible:
            out[vid] = "nothing was scheduled: the mandatory visits cannot all be placed (see conflicts)"
        elif unknown or schedule is None:
            out[vid] = "nothing was scheduled: no schedule was found in the time allowed"
        else:
            out[vid] = ("left out: with the beds, staff and other visits of this schedule it fits "
                        "nowhere, or only at a higher cost than leaving it out")
    return out


__all__ = ["fallback_reasons", "grid", "impossible_reasons", "plan_reason", "when"]
