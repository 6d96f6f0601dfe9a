"""An incremental picture of a schedule under construction or under study.

Used by the greedy baseline (place a visit, staff it, undo if it fails) and
by the explanations (what blocks this visit at this start?). It works on the
checker's own parse (``parsed.py``), never on ``problem.py`` or CP-SAT.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from .parsed import Instance, Shift, Visit, overlaps


class State:
    """Beds, rooms, admissions, rosters, nurse loads and task rotas of one schedule."""

    def __init__(self, inst: Instance, skill_fit: bool = False):
        self.inst = inst
        self.skill_fit = skill_fit  # nurse_options: save skilled nurses, pack loads (the engine's first fits)
        self.starts: dict[str, int] = {}
        self.beds: dict[str, str | None] = {}
        self.bed_stays = defaultdict(list)       # bed -> [(start, end, visit)]
        self.room_stays = defaultdict(list)      # room -> [(start, end, visit, (sex, age))]
        self.admissions = defaultdict(int)       # shift id -> bed visits starting in it
        self.worked: set[tuple[str, str]] = set()
        self.rota = defaultdict(list)            # staff -> [Shift]
        self.load = defaultdict(int)             # (staff, shift id) -> load %
        self.primary: dict[tuple[str, str], str] = {}
        self.task_staff: dict[tuple[str, str], list[str]] = {}
        self.busy = defaultdict(list)            # staff -> [(start, end)]
        self._undo: list = []

    # -- undo journal --------------------------------------------------------
    def mark(self) -> int:
        return len(self._undo)

    def rollback(self, mark: int) -> None:
        """Undo every change made since mark."""
        while len(self._undo) > mark:
            self._undo.pop()()

    def _append(self, seq: list, item) -> None:
        seq.append(item)
        self._undo.append(lambda: seq.remove(item))

    # -- building ------------------------------------------------------------
    @classmethod
    def from_plan(cls, inst: Instance, plan) -> "State":
        """Build the state of a schedule read by ``check.read_plan``."""
        state = cls(inst)
        for staff, sid in plan.worked:
            if staff in inst.staff and sid in inst.shift_by_id:
                state.add_shift(staff, inst.shift_by_id[sid])
        for vid, start in plan.starts.items():
            state.place(inst.visits[vid], start, plan.beds.get(vid))
            for sid, (load, _skills) in inst.nursing_needs(inst.visits[vid], start).items():
                for nurse in plan.primary.get((vid, sid), []):
                    state.load[(nurse, sid)] += load
        for (vid, tid), staff in plan.tasks.items():
            task = inst.visits[vid].tasks[tid]
            a = plan.starts[vid] + task.offset
            for person in staff:
                state.busy[person].append((a, a + task.duration))
        return state

    def place(self, visit: Visit, start: int, bed: str | None) -> None:
        """Record a visit's start and bed (no staffing)."""
        inst, end = self.inst, start + visit.duration
        self.starts[visit.id], self.beds[visit.id] = start, bed
        self._undo.append(lambda: (self.starts.pop(visit.id), self.beds.pop(visit.id)))
        if bed is not None:
            self._append(self.bed_stays[bed], (start, end, visit.id))
            who = inst.participants.get(visit.participant)
            self._append(self.room_stays[inst.beds[bed][0]], (start, end, visit.id, who))
        if visit.needs_bed:
            shift = inst.shift_at(start)
            if shift is not None:
                self._bump(self.admissions, shift.id, 1)

    def _bump(self, table, key, amount: int) -> None:
        table[key] += amount
        self._undo.append(lambda: table.__setitem__(key, table[key] - amount))

    def add_shift(self, staff: str, shift: Shift) -> None:
        """Roster a staff member on a shift."""
        if (staff, shift.id) in self.worked:
            return
        self.worked.add((staff, shift.id))
        self._undo.append(lambda: self.worked.discard((staff, shift.id)))
        self._append(self.rota[staff], shift)

    def assign_nurse(self, vid: str, shift: Shift, staff: str, load: int) -> None:
        """Make staff the primary nurse of a visit in a shift (rostering them if needed)."""
        self.add_shift(staff, shift)
        self.primary[(vid, shift.id)] = staff
        self._undo.append(lambda: self.primary.pop((vid, shift.id)))
        self._bump(self.load, (staff, shift.id), load)

    def assign_task(self, vid: str, tid: str, shift: Shift, staff: list[str], a: int, b: int) -> None:
        """Give a task to staff (rostering them on the covering shift if needed)."""
        for person in staff:
            self.add_shift(person, shift)
            self._append(self.busy[person], (a, b))
        self.task_staff[(vid, tid)] = staff
        self._undo.append(lambda: self.task_staff.pop((vid, tid)))

    # -- questions -----------------------------------------------------------
    def bed_blockers(self, bed: str, start: int, end: int) -> list[str]:
        """Return the visits whose stay (plus turnover) clashes with [start, end) in a bed."""
        t = self.inst.turnover
        return [vid for s, e, vid in self.bed_stays.get(bed, ()) if start < e + t and s < end + t]

    def room_blockers(self, bed: str, start: int, end: int, who) -> list[str]:
        """Return room-mates overlapping [start, end) whose sex or age group differs."""
        if self.inst.room_sharing != "same_sex_same_age_group":
            return []
        room = self.inst.beds[bed][0]
        return [vid for s, e, vid, other in self.room_stays.get(room, ())
                if overlaps(start, end, s, e) and other != who]

    def admission_full(self, visit: Visit, start: int) -> bool:
        """Tell whether the admission cap of the shift holding start is reached."""
        if not visit.needs_bed:
            return False
        shift = self.inst.shift_at(start)
        return shift is not None and self.admissions[shift.id] >= self.inst.max_admissions

    def why_not_work(self, staff: str, shift: Shift) -> str | None:
        """Return why a staff member cannot take a shift, or None if they can (or already do)."""
        if (staff, shift.id) in self.worked:
            return None
        m, rota = self.inst.staff[staff], self.rota.get(staff, [])
        if any(overlaps(shift.start, shift.end, a, b) for a, b in m.unavailable):
            return "unavailable"
        if len(rota) >= m.max_shifts:
            return "max shifts"
        if sum(s.end - s.start for s in rota) + shift.end - shift.start > m.max_minutes:
            return "max minutes"
        for other in rota:
            if shift.start < other.end + m.min_rest and other.start < shift.end + m.min_rest:
                return "rest"
        if m.max_consecutive_days and self._run_with(staff, shift) > m.max_consecutive_days:
            return "consecutive days"
        return None

    def _run_with(self, staff: str, shift: Shift) -> int:
        day = self.inst.day(shift.start)
        days = {self.inst.day(s.start) for s in self.rota.get(staff, [])} | {day}
        run, d = 1, day - timedelta(days=1)
        while d in days:
            run, d = run + 1, d - timedelta(days=1)
        d = day + timedelta(days=1)
        while d in days:
            run, d = run + 1, d + timedelta(days=1)
        return run

    def nurse_options(self, shift: Shift, load: int, skills: frozenset, prefer=()) -> list[str]:
        """Return RNs who could be primary nurse in a shift: preferred, then working, then addable."""
        inst, working, addable = self.inst, [], []
        for sid, m in inst.staff.items():
            if "RN" not in m.roles or not skills <= m.skills:
                continue
            if (sid, shift.id) in self.worked:
                if self.load[(sid, shift.id)] + load <= 100:
                    working.append(sid)
            elif load <= 100 and self.why_not_work(sid, shift) is None:
                addable.append(sid)
        rank = {s: i for i, s in enumerate(prefer)}
        if self.skill_fit:  # the fewest skills beyond the need first (kept for visits needing them), then
            # the fullest nurse that can take the load (best fit: whole nurses left for heavy loads)
            spare = {s: len(inst.staff[s].skills - skills) for s in working + addable}
            working.sort(key=lambda s: (rank.get(s, len(rank)), spare[s], -self.load[(s, shift.id)], s))
            addable.sort(key=lambda s: (rank.get(s, len(rank)), shift.id in inst.staff[s].preferred_off, spare[s],
                                        len(self.rota.get(s, [])), s))
            return working + addable
        working.sort(key=lambda s: rank.get(s, len(rank)))  # continuity among those already on shift
        addable.sort(key=lambda s: (rank.get(s, len(rank)), shift.id in inst.staff[s].preferred_off,
                                    len(self.rota.get(s, []))))
        return working + addable

    def task_options(self, role: str, shift: Shift, a: int, b: int) -> list[str]:
        """Return staff with a role who could do [a, b): working and free first, then addable."""
        inst, working, addable = self.inst, [], []
        for sid, m in inst.staff.items():
            if role not in m.roles:
                continue
            if (sid, shift.id) in self.worked:  # busy only inside shifts worked, and shifts never overlap
                if not any(overlaps(a, b, x, y) for x, y in self.busy.get(sid, ())):
                    working.append(sid)
            elif self.why_not_work(sid, shift) is None:
                addable.append(sid)
        addable.sort(key=lambda s: (shift.id in inst.staff[s].preferred_off, len(self.rota.get(s, []))))
        return working + addable


def precedence_ok(state: State, visit: Visit, start: int) -> bool:
    """Tell whether a start keeps every precedence with placed visits (and no 'before' is out)."""
    inst = state.inst
    for p in inst.precedences_of(visit.id):
        mine_after = p["after"] == visit.id
        other = p["before"] if mine_after else p["after"]
        if other not in state.starts:
            if mine_after:
                return False
            continue
        tb = inst.anchor(inst.visits[p["before"]], state.starts[other] if mine_after else start,
                         p.get("before_anchor", "start"))
        ta = inst.anchor(inst.visits[p["after"]], start if mine_after else state.starts[other],
                         p.get("after_anchor", "start"))
        hi = p.get("max_gap_minutes")
        if ta - tb < p["min_gap_minutes"] or (hi is not None and ta - tb > hi):
            return False
    return True


def fitting_beds(inst: Instance, visit: Visit) -> list[str | None]:
    """Return the beds a visit may use (features and fixed bed), or [None] if it needs none."""
    if not visit.needs_bed:
        return [None]
    return [b for b, (_room, feats) in inst.beds.items()
            if visit.features <= feats and (visit.fixed_bed is None or b == visit.fixed_bed)]
