"""Warm starts: turn a known schedule (the published one, or the first-fit baseline) into hints."""
from __future__ import annotations

from ._load import parse_datetime
from .model import ScheduleModel


def hint_schedule(m: ScheduleModel, schedule: dict) -> int:
    """Hint the model's variables with a ``trc-schedule/1`` dict; return the visits hinted."""
    p = m.problem
    index = {s.id: i for i, s in enumerate(p.shifts)}
    placed = {}
    for row in schedule.get("visits", []):
        vid = row.get("visit")
        if vid not in m.sched:
            continue
        start = p.minutes(parse_datetime(row["start"]))
        ks = [k for k, c in enumerate(m.plans[vid].candidates) if c.start == start]
        if ks:
            placed[vid] = (ks[0], row.get("bed"))
    for vid, sched in m.sched.items():
        k, bed = placed.get(vid, (None, None))
        m.cp.add_hint(sched, k is not None)
        if len(m.x[vid]) > 1:
            for j, x in enumerate(m.x[vid]):
                m.cp.add_hint(x, j == k)
        beds = m.bed.get(vid, {})
        if len(beds) > 1:
            for b, var in beds.items():
                m.cp.add_hint(var, b == bed)
    working = {(row["staff"], index.get(row["shift"])) for row in schedule.get("shifts", [])}
    for key, var in m.work.items():
        m.cp.add_hint(var, key in working)
    nurses = {(r["visit"], index.get(r["shift"]), r["staff"]) for r in schedule.get("primary_nurses", [])}
    chosen_needs = {vid: set(m.plans[vid].candidates[k].needs) for vid, (k, _bed) in placed.items()}
    for (vid, i, pid, need), var in m.nurse.items():  # only the needs of the start it has
        m.cp.add_hint(var, (vid, i, pid) in nurses and need in chosen_needs.get(vid, ()))
    for (vid, pid), var in m.primary.items():
        m.cp.add_hint(var, any((vid, i, pid) in nurses for i in range(len(p.shifts))) and vid in placed)
    return len(placed)


def previous_schedule(m: ScheduleModel) -> dict | None:
    """Return the published schedule of the problem as a partial schedule dict, if any."""
    prev = m.problem.previous
    if not prev.visits and not prev.shifts:
        return None
    return {
        "visits": [{"visit": v.visit, "start": v.start.isoformat(), "bed": v.bed} for v in prev.visits.values()],
        "shifts": [{"staff": pid, "shift": sid} for pid, sid in sorted(prev.shifts or ())],
    }


def baseline(m: ScheduleModel) -> dict | None:
    """Return the first-fit baseline's schedule when it is valid (it checks itself), else None."""
    try:
        from .greedy import greedy
        schedule = greedy(m.problem.raw, explain=False)  # explained only if it is returned
    except Exception:  # noqa: BLE001 - a warm start is optional
        return None
    if schedule.get("status") != "FEASIBLE" or schedule.get("objective") is None:
        return None
    return schedule


def add_hints(m: ScheduleModel, fallback: dict | None) -> str | None:
    """Hint the model with the published schedule, else with the baseline schedule ``fallback``."""
    schedule = previous_schedule(m)
    source = "previous"
    if schedule is None:
        schedule, source = fallback, "greedy"
    if not schedule or not schedule.get("visits"):
        return None
    hint_schedule(m, schedule)
    return source
