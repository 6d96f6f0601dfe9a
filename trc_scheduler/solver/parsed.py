"""Plain, independent parsing of a ``trc-instance/1`` dict for the checker.

This module deliberately does not use ``problem.py``: the checker, the
explanations and the greedy baseline must be able to judge a schedule without
trusting the code that built the CP-SAT model. Every instant becomes a whole
number of real elapsed minutes since ``horizon.start`` (so DST weeks work);
local days and hours come from ``zoneinfo``.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def parse_dt(text: str) -> datetime:
    """Parse an ISO 8601 datetime that must carry its UTC offset."""
    if not isinstance(text, str):
        raise ValueError(f"not a datetime string: {text!r}")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime without UTC offset: {text!r}")
    return value


def _hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Segment:
    start: int  # minutes after the visit's start, clipped to the stay
    end: int
    load: int
    skills: frozenset


@dataclass(frozen=True)
class Task:
    id: str
    offset: int
    duration: int
    role: str
    count: int
    label: str


@dataclass
class Visit:
    id: str
    participant: str
    study: str
    label: str
    duration: int
    earliest: int
    latest: int
    target: int | None
    step: int
    needs_bed: bool
    mandatory: bool
    priority: int
    features: frozenset
    segments: list[Segment]
    tasks: dict[str, Task]
    fixed_start: int | None
    fixed_bed: str | None


@dataclass
class Shift:
    id: str
    index: int
    start: int
    end: int
    min_staff: dict
    min_skill: dict


@dataclass
class Staff:
    id: str
    roles: frozenset
    skills: frozenset
    max_shifts: int
    max_minutes: int
    min_rest: int
    max_consecutive_days: int | None
    unavailable: list[tuple[int, int]]
    preferred_off: frozenset
    fixed_shifts: frozenset


@dataclass
class Instance:
    """A read-only view of one trc-instance/1 dict, times in minutes."""

    raw: dict
    id: str
    tz: ZoneInfo
    origin: datetime
    horizon_end: int
    turnover: int
    admission: tuple[int, int]
    room_sharing: str
    default_load: int
    max_admissions: int
    weights: dict
    beds: dict[str, tuple[str, frozenset]]
    shifts: list[Shift]
    shift_by_id: dict[str, Shift]
    staff: dict[str, Staff]
    participants: dict[str, tuple[str, str]]
    visits: dict[str, Visit]
    precedences: list[dict]
    previous_visits: dict[str, tuple[int, str | None]]
    previous_shifts: set[tuple[str, str]] | None
    _shift_starts: list[int] = field(default_factory=list)
    _days: dict = field(default_factory=dict)  # minute -> local date (``day``), filled as asked
    _precedences_of: dict | None = None  # visit -> its precedences (``precedences_of``)

    # -- time --------------------------------------------------------------
    def minutes(self, text: str) -> int:
        """Return the minutes from horizon.start to an ISO datetime."""
        delta = parse_dt(text) - self.origin
        return int(delta.total_seconds() // 60)

    def local(self, minute: int) -> datetime:
        """Return the local datetime of a minute offset."""
        return (self.origin + timedelta(minutes=minute)).astimezone(self.tz)

    def precedences_of(self, vid: str) -> list[dict]:
        """Return the precedences a visit takes part in (before or after), in instance order."""
        if self._precedences_of is None:
            self._precedences_of = {}
            for p in self.precedences:
                for side in {p["before"], p["after"]}:
                    self._precedences_of.setdefault(side, []).append(p)
        return self._precedences_of.get(vid, [])

    def day(self, minute: int) -> date:
        """Return the local calendar day of a minute offset (cached: rules ask it of the same shifts often)."""
        found = self._days.get(minute)
        if found is None:
            found = self._days[minute] = self.local(minute).date()
        return found

    def iso(self, minute: int) -> str:
        """Return the ISO 8601 local datetime (with offset) of a minute offset."""
        return self.local(minute).isoformat()

    def fmt(self, minute: int) -> str:
        """Format a minute offset as '24 Nov 07:00' local time."""
        value = self.local(minute)
        return f"{value.day} {value:%b %H:%M}"

    def fmt_range(self, start: int, end: int) -> str:
        """Format an interval as '24 Nov 07:00–26 Nov 07:00'."""
        return f"{self.fmt(start)}–{self.fmt(end)}"

    def fmt_days(self, start: int, end: int) -> str:
        """Format an interval by local days: '24–26 Nov' or '24 Nov'."""
        a, b = self.local(start), self.local(max(start, end - 1))
        if a.date() == b.date():
            return f"{a.day} {a:%b}"
        if a.month == b.month:
            return f"{a.day}–{b.day} {b:%b}"
        return f"{a.day} {a:%b}–{b.day} {b:%b}"

    def in_admission_hours(self, minute: int) -> bool:
        """Tell whether a start falls inside the local admission hours [from, to)."""
        value = self.local(minute)
        of_day = value.hour * 60 + value.minute
        return self.admission[0] <= of_day < self.admission[1]

    # -- shifts ------------------------------------------------------------
    def shifts_overlapping(self, start: int, end: int) -> list[Shift]:
        """Return the instance shifts overlapping [start, end) by at least a minute."""
        i = max(0, bisect.bisect_right(self._shift_starts, start) - 1)
        found = []
        for shift in self.shifts[i:]:
            if shift.start >= end:
                break
            if shift.end > start and shift.start < end:
                found.append(shift)
        return found

    def shift_covering(self, start: int, end: int) -> Shift | None:
        """Return the instance shift holding all of [start, end), if any."""
        i = bisect.bisect_right(self._shift_starts, start) - 1
        if i >= 0 and self.shifts[i].end >= end:
            return self.shifts[i]
        return None

    def shift_at(self, minute: int) -> Shift | None:
        """Return the shift whose interval [start, end) holds a minute."""
        i = bisect.bisect_right(self._shift_starts, minute) - 1
        if i >= 0 and minute < self.shifts[i].end:
            return self.shifts[i]
        return None

    # -- visits ------------------------------------------------------------
    def candidate_starts(self, visit: Visit) -> list[int]:
        """Return the allowed starts of a visit (window, grid, admission hours, fixed)."""
        if visit.fixed_start is not None:
            return [visit.fixed_start] if self.start_ok(visit, visit.fixed_start) else []
        return [s for s in range(visit.earliest, visit.latest + 1, visit.step)
                if self.in_admission_hours(s)]

    def start_ok(self, visit: Visit, start: int) -> bool:
        """Tell whether a start is in the window and on the grid (H1, hours aside)."""
        return visit.earliest <= start <= visit.latest and (start - visit.earliest) % visit.step == 0

    def parts(self, visit: Visit) -> list[Segment]:
        """Return the nursing parts of a stay, with the uncovered time at default load."""
        parts = sorted(visit.segments, key=lambda seg: seg.start)
        gaps, cursor = [], 0
        for seg in parts:
            if seg.start > cursor:
                gaps.append(Segment(cursor, seg.start, self.default_load, frozenset()))
            cursor = max(cursor, seg.end)
        if cursor < visit.duration:
            gaps.append(Segment(cursor, visit.duration, self.default_load, frozenset()))
        return parts + gaps

    def nursing_needs(self, visit: Visit, start: int) -> dict[str, tuple[int, frozenset]]:
        """Return {shift id: (load, skills)} for the shifts a stay starting at start overlaps."""
        needs: dict[str, tuple[int, frozenset]] = {}
        parts = self.parts(visit)
        for shift in self.shifts_overlapping(start, start + visit.duration):
            load, skills = 0, frozenset()
            for part in parts:
                a, b = start + part.start, start + part.end
                if a < shift.end and b > shift.start:
                    load = max(load, part.load)
                    skills = skills | part.skills
            needs[shift.id] = (load, skills)
        return needs

    def anchor(self, visit: Visit, start: int, anchor: str) -> int:
        """Return the instant of a precedence anchor of a visit placed at start."""
        if anchor == "start":
            return start
        if anchor == "end":
            return start + visit.duration
        return start + visit.tasks[anchor].offset

    def study_label(self, visit: Visit) -> str:
        return visit.study or visit.label or visit.id


def _visit(inst: Instance, raw: dict) -> Visit:
    duration = int(raw["duration_minutes"])
    segments = []
    for seg in raw.get("nursing") or []:
        a, b = max(0, int(seg["from_minutes"])), min(duration, int(seg["to_minutes"]))
        if b > a:
            segments.append(Segment(a, b, int(seg["load_percent"]), frozenset(seg.get("skills") or ())))
    tasks = {}
    for t in raw.get("tasks") or []:
        tasks[t["id"]] = Task(t["id"], int(t["offset_minutes"]), int(t["duration_minutes"]),
                              t["role"], int(t["count"]), t.get("label") or t["id"])
    fixed = raw.get("fixed") or {}
    target = raw.get("target_start")
    return Visit(
        id=raw["id"], participant=raw["participant"], study=raw.get("study") or "",
        label=raw.get("label") or "", duration=duration,
        earliest=inst.minutes(raw["earliest_start"]), latest=inst.minutes(raw["latest_start"]),
        target=inst.minutes(target) if target else None, step=int(raw["start_step_minutes"]),
        needs_bed=bool(raw.get("needs_bed", True)), mandatory=bool(raw["mandatory"]),
        priority=int(raw["priority"]), features=frozenset(raw.get("bed_features") or ()),
        segments=segments, tasks=tasks,
        fixed_start=inst.minutes(fixed["start"]) if fixed.get("start") else None,
        fixed_bed=fixed.get("bed"),
    )


def _staff(inst: Instance, raw: dict) -> Staff:
    return Staff(
        id=raw["id"], roles=frozenset(raw["roles"]), skills=frozenset(raw.get("skills") or ()),
        max_shifts=int(raw["max_shifts"]), max_minutes=int(raw["max_minutes"]),
        min_rest=int(raw["min_rest_minutes"]), max_consecutive_days=raw.get("max_consecutive_days"),
        unavailable=[(inst.minutes(u["start"]), inst.minutes(u["end"])) for u in raw.get("unavailable") or []],
        preferred_off=frozenset(raw.get("preferred_off") or ()),
        fixed_shifts=frozenset(raw.get("fixed_shifts") or ()),
    )


def parse_instance(raw) -> Instance:
    """Build an Instance view from a trc-instance/1 dict (or an object with ``.raw``)."""
    raw = getattr(raw, "raw", raw)
    unit, pol = raw["unit"], raw["policies"]
    origin = parse_dt(raw["horizon"]["start"])
    inst = Instance(
        raw=raw, id=raw.get("id", ""), tz=ZoneInfo(unit["timezone"]), origin=origin, horizon_end=0,
        turnover=int(unit["turnover_minutes"]),
        admission=(_hhmm(unit["admission_hours"][0]), _hhmm(unit["admission_hours"][1])),
        room_sharing=pol["room_sharing"], default_load=int(pol["default_load_percent"]),
        max_admissions=int(pol["max_admissions_per_shift"]), weights=dict(raw["weights"]),
        beds={b["id"]: (b["room"], frozenset(b.get("features") or ())) for b in raw["beds"]},
        shifts=[], shift_by_id={}, staff={}, participants={}, visits={},
        precedences=list(raw.get("precedences") or []), previous_visits={}, previous_shifts=None,
    )
    inst.horizon_end = inst.minutes(raw["horizon"]["end"])
    shifts = sorted(raw["shifts"], key=lambda s: parse_dt(s["start"]))
    for i, s in enumerate(shifts):
        shift = Shift(s["id"], i, inst.minutes(s["start"]), inst.minutes(s["end"]),
                      dict(s.get("min_staff") or {}), dict(s.get("min_skill") or {}))
        inst.shifts.append(shift)
        inst.shift_by_id[shift.id] = shift
    inst._shift_starts = [s.start for s in inst.shifts]
    inst.staff = {s["id"]: _staff(inst, s) for s in raw["staff"]}
    inst.participants = {p["id"]: (p["sex"], p["age_group"]) for p in raw["participants"]}
    inst.visits = {v["id"]: _visit(inst, v) for v in raw["visits"]}
    previous = raw.get("previous") or {}
    for pv in previous.get("visits") or []:
        inst.previous_visits[pv["visit"]] = (inst.minutes(pv["start"]), pv.get("bed"))
    if "shifts" in previous and previous["shifts"] is not None:
        inst.previous_shifts = {(ps["staff"], ps["shift"]) for ps in previous["shifts"]}
    return inst


def overlaps(a: int, b: int, c: int, d: int) -> bool:
    """Tell whether [a, b) and [c, d) share at least one minute."""
    return a < d and c < b
