"""The checker's rules, one function per hard rule H1..H9 of the spec.

Each function reads the instance view and the schedule's plan and reports
what it finds through ``report.add(rule, message)``; messages name the visit,
bed, staff member or shift and give local times.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from .parsed import Instance, overlaps


def _stays(inst: Instance, plan) -> list[tuple[str, int, int, str | None]]:
    return [(vid, s, s + inst.visits[vid].duration, plan.beds.get(vid)) for vid, s in plan.starts.items()]


def check_h1_window(inst: Instance, plan, report) -> None:
    """Every scheduled visit starts in its window, on its grid, in admission hours unless fixed; fixed kept; mandatory placed."""
    for vid, start in plan.starts.items():
        v = inst.visits[vid]
        if not v.earliest <= start <= v.latest:
            report.add("H1", f"window: {vid} starts {inst.fmt(start)}, outside its window "
                             f"{inst.fmt(v.earliest)}–{inst.fmt(v.latest)}")
        elif (start - v.earliest) % v.step:
            report.add("H1", f"grid: {vid} starts {inst.fmt(start)}, not on its {v.step}-min grid "
                             f"from {inst.fmt(v.earliest)}")
        if v.fixed_start is None and not inst.in_admission_hours(start):
            a, b = inst.admission
            report.add("H1", f"admission hours: {vid} starts {inst.fmt(start)}, outside "
                             f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}")
        if v.fixed_start is not None and start != v.fixed_start:
            report.add("H1", f"fixed start: {vid} starts {inst.fmt(start)} but is fixed at {inst.fmt(v.fixed_start)}")
        if v.fixed_bed is not None and plan.beds.get(vid) != v.fixed_bed:
            report.add("H1", f"fixed bed: {vid} is in {plan.beds.get(vid)} but is fixed in {v.fixed_bed}")
    for vid, v in inst.visits.items():
        if v.mandatory and vid not in plan.starts:
            report.add("H1", f"mandatory: {vid} ({v.label or v.study}) is mandatory but unscheduled")


def check_h2_bed(inst: Instance, plan, report) -> None:
    """Each scheduled bed visit has one bed with all its features; visits without needs_bed have none."""
    for vid in plan.starts:
        v, bed = inst.visits[vid], plan.beds.get(vid)
        if not v.needs_bed:
            if bed is not None:
                report.add("H2", f"bed: {vid} does not need a bed but is in {bed}")
        elif bed is None:
            report.add("H2", f"bed: {vid} needs a bed and has none")
        elif not v.features <= inst.beds[bed][1]:
            missing = "+".join(sorted(v.features - inst.beds[bed][1]))
            report.add("H2", f"bed features: {vid} needs {missing}, which {bed} lacks")


def check_h3_bed_conflict(inst: Instance, plan, report) -> None:
    """Two stays in one bed do not overlap, and the bed stays empty for the turnover after a stay."""
    by_bed = defaultdict(list)
    for vid, s, e, bed in _stays(inst, plan):
        if bed is not None and inst.visits[vid].needs_bed:
            by_bed[bed].append((s, e, vid))
    for bed, stays in by_bed.items():
        stays.sort()
        for i, (s1, e1, v1) in enumerate(stays):
            for s2, _e2, v2 in stays[i + 1:]:
                if s2 >= e1 + inst.turnover:
                    break
                report.add("H3", f"bed conflict: {v1} ({bed}, {inst.fmt_range(s1, e1)}) overlaps {v2} "
                                 f"(from {inst.fmt(s2)}) plus {inst.turnover} min turnover")


def check_h4_room_sharing(inst: Instance, plan, report) -> None:
    """Overlapping stays in one room have the same sex and age group (under the sharing policy)."""
    if inst.room_sharing != "same_sex_same_age_group":
        return
    by_room = defaultdict(list)
    for vid, s, e, bed in _stays(inst, plan):
        if bed is not None:
            by_room[inst.beds[bed][0]].append((s, e, vid, bed))
    for room, stays in by_room.items():
        stays.sort()
        for i, (s1, e1, v1, b1) in enumerate(stays):
            p1 = inst.participants.get(inst.visits[v1].participant)
            for s2, e2, v2, b2 in stays[i + 1:]:
                if s2 >= e1:
                    break
                p2 = inst.participants.get(inst.visits[v2].participant)
                if p1 != p2:
                    report.add("H4", f"room sharing: {v1} ({b1}, {'/'.join(p1 or ())}) and {v2} ({b2}, "
                                     f"{'/'.join(p2 or ())}) share room {room} {inst.fmt_range(s2, min(e1, e2))}")


def check_h5_precedence(inst: Instance, plan, report) -> None:
    """Each precedence holds between scheduled visits; an unscheduled 'before' forces 'after' out."""
    for p in inst.precedences:
        b, a = p["before"], p["after"]
        ba, aa = p.get("before_anchor", "start"), p.get("after_anchor", "start")
        if a not in plan.starts:
            continue
        if b not in plan.starts:
            report.add("H5", f"precedence: {a} is scheduled but {b}, which must come before it, is not")
            continue
        tb = inst.anchor(inst.visits[b], plan.starts[b], ba)
        ta = inst.anchor(inst.visits[a], plan.starts[a], aa)
        gap, lo, hi = ta - tb, p["min_gap_minutes"], p.get("max_gap_minutes")
        if gap < lo or (hi is not None and gap > hi):
            bounds = f"≥ {lo}" + (f" and ≤ {hi}" if hi is not None else "")
            report.add("H5", f"precedence: {a} {aa} ({inst.fmt(ta)}) is {gap} min after {b} {ba} "
                             f"({inst.fmt(tb)}); needs {bounds} min")


def check_h6_staffing(inst: Instance, plan, report) -> None:
    """Staff work non-overlapping, rested, available shifts within their limits; shifts are staffed."""
    by_staff = defaultdict(list)
    for staff, sid in plan.worked:
        if staff in inst.staff and sid in inst.shift_by_id:
            by_staff[staff].append(inst.shift_by_id[sid])
    for staff_id, member in inst.staff.items():
        shifts = sorted(by_staff.get(staff_id, []), key=lambda s: s.start)
        _check_staff_member(inst, member, shifts, report)
        for sid in sorted(member.fixed_shifts - {s.id for s in shifts}):
            report.add("H6", f"fixed shift: {staff_id} must work {sid} but does not")
    _check_minimums(inst, by_staff, report)


def _check_staff_member(inst: Instance, member, shifts, report) -> None:
    sid = member.id
    for prev, nxt in zip(shifts, shifts[1:]):
        gap = nxt.start - prev.end
        if gap < member.min_rest:
            what = "overlap" if gap < 0 else f"{gap} min rest < {member.min_rest}"
            report.add("H6", f"rest: {sid} works {prev.id} (ends {inst.fmt(prev.end)}) and {nxt.id} "
                             f"(starts {inst.fmt(nxt.start)}): {what}")
    for shift in shifts:
        for a, b in member.unavailable:
            if overlaps(shift.start, shift.end, a, b):
                report.add("H6", f"unavailable: {sid} works {shift.id} but is unavailable {inst.fmt_range(a, b)}")
    if len(shifts) > member.max_shifts:
        report.add("H6", f"max shifts: {sid} works {len(shifts)} shifts > {member.max_shifts}")
    minutes = sum(s.end - s.start for s in shifts)
    if minutes > member.max_minutes:
        report.add("H6", f"max minutes: {sid} works {minutes} min > {member.max_minutes}")
    if member.max_consecutive_days:
        days = sorted({inst.day(s.start) for s in shifts})
        run = best = 1 if days else 0
        for d1, d2 in zip(days, days[1:]):
            run = run + 1 if d2 - d1 == timedelta(days=1) else 1
            best = max(best, run)
        if best > member.max_consecutive_days:
            report.add("H6", f"consecutive days: {sid} works {best} days in a row > {member.max_consecutive_days}")


def _check_minimums(inst: Instance, by_staff, report) -> None:
    working = defaultdict(list)
    for staff_id, shifts in by_staff.items():
        for shift in shifts:
            working[shift.id].append(inst.staff[staff_id])
    for shift in inst.shifts:
        crew = working.get(shift.id, [])
        for role, need in shift.min_staff.items():
            have = sum(1 for m in crew if role in m.roles)
            if have < need:
                report.add("H6", f"min staff: {shift.id} ({inst.fmt_range(shift.start, shift.end)}) "
                                 f"has {have} {role}, needs {need}")
        for skill, need in shift.min_skill.items():
            have = sum(1 for m in crew if skill in m.skills)
            if have < need:
                report.add("H6", f"min skill: {shift.id} ({inst.fmt_range(shift.start, shift.end)}) "
                                 f"has {have} staff with {skill}, needs {need}")


def check_h7_primary_nurse(inst: Instance, plan, report) -> None:
    """Each scheduled visit has exactly one skilled RN per shift it overlaps; a nurse's loads sum to ≤ 100."""
    loads = defaultdict(list)
    assigned = {key: staff for key, staff in plan.primary.items()}
    for vid, start in plan.starts.items():
        needs = inst.nursing_needs(inst.visits[vid], start)
        for sid, (load, skills) in needs.items():
            nurses = assigned.pop((vid, sid), [])
            if len(nurses) != 1:
                report.add("H7", f"primary nurse: {vid} has {len(nurses)} primary nurses in {sid}, needs exactly 1")
            for nurse in nurses:
                member = inst.staff[nurse]
                if "RN" not in member.roles:
                    report.add("H7", f"primary nurse: {nurse} ({vid}, {sid}) is not an RN")
                if (nurse, sid) not in plan.worked:
                    report.add("H7", f"primary nurse: {nurse} is {vid}'s nurse in {sid} but does not work it")
                if not skills <= member.skills:
                    missing = "+".join(sorted(skills - member.skills))
                    report.add("H7", f"primary nurse: {nurse} lacks {missing} needed by {vid} in {sid}")
                loads[(nurse, sid)].append((vid, load))
    for (vid, sid), nurses in assigned.items():
        if nurses:
            report.add("H7", f"primary nurse: {vid} has a primary nurse in {sid}, which it does not overlap")
    for (nurse, sid), items in loads.items():
        total = sum(load for _vid, load in items)
        if total > 100:
            detail = ", ".join(f"{vid} {load}%" for vid, load in items)
            report.add("H7", f"nurse load: {nurse} carries {total}% in {sid} ({detail})")


def check_h8_tasks(inst: Instance, plan, report) -> None:
    """Each task has count distinct staff with its role, each on a shift covering it; no one does two at once."""
    busy = defaultdict(list)
    for vid, start in plan.starts.items():
        for task in inst.visits[vid].tasks.values():
            a, b = start + task.offset, start + task.offset + task.duration
            if a < 0:
                continue
            what = f"{vid} {task.id} ({inst.fmt_range(a, b)})"
            staff = plan.tasks.get((vid, task.id), [])
            if len(set(staff)) != task.count or len(staff) != task.count:
                report.add("H8", f"task staff: {what} has {len(set(staff))} distinct staff, needs {task.count} {task.role}")
            shift = inst.shift_covering(a, b)
            for person in set(staff):
                if task.role not in inst.staff[person].roles:
                    report.add("H8", f"task role: {person} does {what} but is not {task.role}")
                if shift is None or (person, shift.id) not in plan.worked:
                    report.add("H8", f"task shift: {person} does {what} without working a shift that covers it")
                busy[person].append((a, b, what))
    for person, items in busy.items():
        items.sort()
        for i, (a1, b1, w1) in enumerate(items):
            for a2, _b2, w2 in items[i + 1:]:
                if a2 >= b1:
                    break
                report.add("H8", f"task overlap: {person} does {w1} and {w2} at once")


def check_h9_admissions(inst: Instance, plan, report) -> None:
    """At most max_admissions_per_shift bed visits start in any one shift's interval."""
    counts = defaultdict(list)
    for vid, start in plan.starts.items():
        if inst.visits[vid].needs_bed:
            shift = inst.shift_at(start)
            if shift is not None:
                counts[shift.id].append(vid)
    for sid, vids in counts.items():
        if len(vids) > inst.max_admissions:
            shift = inst.shift_by_id[sid]
            report.add("H9", f"admissions: {len(vids)} bed visits start in {sid} "
                             f"({inst.fmt_range(shift.start, shift.end)}), max {inst.max_admissions}: {', '.join(sorted(vids))}")


RULE_CHECKS = (
    check_h1_window, check_h2_bed, check_h3_bed_conflict, check_h4_room_sharing, check_h5_precedence,
    check_h6_staffing, check_h7_primary_nurse, check_h8_tasks, check_h9_admissions,
)
