"""Visits a manager left out of a draft stay out when the week is solved again.

The instance format has no way to say "leave this visit out" (``fixed`` binds a visit only when
it is scheduled), so the solver gets the week without those visits: without the visits that must
follow them (H5 leaves a visit out when the one it follows is out), and without the precedences
and previous placements that name any of them. The draft keeps the whole week: the visits are put
back into the result as unscheduled with the reason, and its objective and bound are the whole
week's. Leaving a fixed set of visits out costs the same in every schedule (their priority, and
the change for those in the published schedule), so the bound shifts by that constant and a
proof of optimality stays a proof for the week as pinned.

Pure: dicts in, dicts out; no database.
"""
from __future__ import annotations

import copy
import dataclasses
import logging

log = logging.getLogger(__name__)


def pinned_out(pins: dict | None) -> list[str]:
    """Return the visits the pins leave out, sorted."""
    return sorted(vid for vid, pin in ((pins or {}).get("visits") or {}).items() if (pin or {}).get("out"))


def leave_out(instance: dict, pins: dict | None) -> tuple[dict, dict[str, str]]:
    """Return (the instance without the left-out visits, visit -> reason for each visit taken out).

    A pin on a visit no longer in the week is ignored; so is one that would take out a mandatory
    visit (directly or as a follower): the solver must place those, and says so if it cannot.
    """
    visits = {v["id"]: v for v in instance.get("visits", [])}
    followers: dict[str, list[str]] = {}
    for p in instance.get("precedences", []):
        followers.setdefault(p["before"], []).append(p["after"])
    reasons: dict[str, str] = {}
    for vid in pinned_out(pins):
        if vid not in visits or vid in reasons:
            continue
        closure = _followers(vid, followers)
        if any(visits[w].get("mandatory") for w in closure if w in visits):
            log.warning("pin leaving %s out ignored: a mandatory visit follows it", vid)
            continue
        reasons[vid] = "left out by the manager (pinned in the draft)"
        for w in closure:
            if w != vid and w in visits:
                reasons.setdefault(w, f"follows {vid}, which the manager left out")
    if not reasons:
        return instance, {}
    out = copy.deepcopy(instance)
    out["visits"] = [v for v in out.get("visits", []) if v["id"] not in reasons]
    out["precedences"] = [p for p in out.get("precedences", [])
                          if p["before"] not in reasons and p["after"] not in reasons]
    previous = out.get("previous")
    if previous and previous.get("visits"):
        previous["visits"] = [e for e in previous["visits"] if e["visit"] not in reasons]
    return out, reasons


def _followers(vid: str, followers: dict[str, list[str]]) -> list[str]:
    """Return vid and every visit that must follow it, directly or through others."""
    seen, todo = [vid], [vid]
    while todo:
        for w in followers.get(todo.pop(), []):
            if w not in seen:
                seen.append(w)
                todo.append(w)
    return seen


def left_out_cost(instance: dict, reasons: dict[str, str]) -> int:
    """Return what leaving these optional visits out costs in every schedule of the week (spec cost table)."""
    weights = instance.get("weights", {})
    previous = {e["visit"] for e in (instance.get("previous") or {}).get("visits", [])}
    priority = {v["id"]: v.get("priority", 1) for v in instance.get("visits", [])}
    changed = weights.get("changed_visit", 0)
    return sum(priority[vid] * weights.get("unscheduled", 0) + (changed if vid in previous else 0) for vid in reasons)


def put_back(instance: dict, result, reasons: dict[str, str]):
    """Return the solver's result on the whole week: the left-out visits unscheduled with their reasons.

    The objective and cost terms are the checker's on the whole week; the bound moves by the same
    constant. ``result`` is a ``solver.Result`` of ``leave_out``'s instance.
    """
    if not reasons:
        return result
    from ..solver import check

    schedule = copy.deepcopy(result.schedule)
    schedule.setdefault("unscheduled", []).extend({"visit": vid, "reason": why} for vid, why in reasons.items())
    if result.objective is None:
        return dataclasses.replace(result, schedule=schedule)
    report = check(instance, schedule)
    if report.violations:  # cannot happen for a checked result; never hide it if it does
        log.error("left-out visits put back break rules: %s", [v.message for v in report.violations])
    offset = report.cost - result.objective
    bound = None if result.bound is None else result.bound + offset
    schedule.update(objective=report.cost, bound=bound)
    return dataclasses.replace(result, schedule=schedule, objective=report.cost, bound=bound,
                               cost_terms=dict(report.cost_terms))
