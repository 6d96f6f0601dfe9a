"""The staffing board of a schedule version: staff (rows, by role) x shifts, loads, leave, totals.

Pure: computed from the version's instance and schedule (and its pins) only.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from ..solver.parsed import Instance
from .scheduling import participant_code

ROLE_ORDER = ("RN", "NP", "MD", "pharmacist", "phlebotomist")


@dataclass
class StaffCell:
    working: bool = False
    load: int = 0
    patients: list[str] = field(default_factory=list)
    tasks: int = 0
    leave: bool = False
    preferred_off: bool = False
    pinned: str | None = None  # "on" / "off"


@dataclass
class StaffRow:
    id: str
    name: str
    skills: list[str]
    cells: list[StaffCell]
    shifts: int
    max_shifts: int


@dataclass
class Total:
    label: str
    have: list[int]
    need: list[int]

    @property
    def cells(self):
        return [(h, n, h < n) for h, n in zip(self.have, self.need)]


@dataclass
class StaffingBoard:
    shifts: list[dict]
    groups: list[tuple[str, list[StaffRow]]]
    totals: list[Total]


def _shift_columns(inst: Instance) -> list[dict]:
    cols = []
    for s in inst.shifts:
        a, b = inst.local(s.start), inst.local(s.end)
        kind = "Day" if 6 <= a.hour < 18 else "Night"
        cols.append({"id": s.id, "day": a.strftime("%a %d"), "kind": kind, "hours": f"{a:%H:%M}–{b:%H:%M}",
                     "min_staff": s.min_staff, "min_skill": s.min_skill})
    return cols


def _loads(inst: Instance, schedule: dict) -> dict:
    starts = {e["visit"]: inst.minutes(e["start"]) for e in schedule.get("visits") or []}
    loads = defaultdict(lambda: [0, []])
    for e in schedule.get("primary_nurses") or []:
        vid = e["visit"]
        if vid not in starts:
            continue
        need = inst.nursing_needs(inst.visits[vid], starts[vid]).get(e["shift"])
        cell = loads[(e["staff"], e["shift"])]
        cell[0] += need[0] if need else 0
        cell[1].append(participant_code(inst.visits[vid].participant, inst.visits[vid].study))
    return loads


def _task_counts(inst: Instance, schedule: dict) -> dict:
    starts = {e["visit"]: inst.minutes(e["start"]) for e in schedule.get("visits") or []}
    counts = defaultdict(int)
    for e in schedule.get("tasks") or []:
        task = inst.visits[e["visit"]].tasks.get(e["task"]) if e["visit"] in starts else None
        shift = inst.shift_at(starts[e["visit"]] + task.offset) if task is not None else None
        for person in e.get("staff") or [] if shift is not None else []:
            counts[(person, shift.id)] += 1
    return counts


def _role_key(role: str) -> tuple:
    return (ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER), role)


def staffing_board(inst: Instance, schedule: dict, pins: dict) -> StaffingBoard:
    """Lay out who works which shift, nurse loads, leave and preferences, and totals against minimums."""
    worked = {(e["staff"], e["shift"]) for e in schedule.get("shifts") or []}
    loads, tasks = _loads(inst, schedule), _task_counts(inst, schedule)
    pinned_on = {tuple(p) for p in pins.get("shifts_on") or []}
    pinned_off = {tuple(p) for p in pins.get("shifts_off") or []}
    groups = defaultdict(list)
    for raw in inst.raw["staff"]:
        member, cells = inst.staff[raw["id"]], []
        for s in inst.shifts:
            key = (member.id, s.id)
            load, patients = loads.get(key, (0, []))
            cells.append(StaffCell(
                working=key in worked, load=load, patients=sorted(set(patients)), tasks=tasks.get(key, 0),
                leave=any(a < s.end and s.start < b for a, b in member.unavailable),
                preferred_off=s.id in member.preferred_off,
                pinned="on" if key in pinned_on else "off" if key in pinned_off else None))
        row = StaffRow(member.id, raw.get("name") or member.id, sorted(member.skills),
                       cells, sum(c.working for c in cells), member.max_shifts)
        groups[min(raw["roles"], key=_role_key) if raw["roles"] else "other"].append(row)
    ordered = [(role, groups[role]) for role in sorted(groups, key=_role_key)]
    return StaffingBoard(_shift_columns(inst), ordered, _totals(inst, worked))


def _totals(inst: Instance, worked: set) -> list[Total]:
    roles = sorted({r for s in inst.shifts for r in s.min_staff}
                   | {r for m in inst.staff.values() for r in m.roles}, key=_role_key)
    skills = sorted({k for s in inst.shifts for k in s.min_skill})
    crew = {s.id: [inst.staff[p] for p, sid in worked if sid == s.id and p in inst.staff] for s in inst.shifts}
    totals = [Total(role, [sum(role in m.roles for m in crew[s.id]) for s in inst.shifts],
                    [s.min_staff.get(role, 0) for s in inst.shifts]) for role in roles]
    totals += [Total(f"{skill} (skill)", [sum(skill in m.skills for m in crew[s.id]) for s in inst.shifts],
                     [s.min_skill.get(skill, 0) for s in inst.shifts]) for skill in skills]
    return totals
