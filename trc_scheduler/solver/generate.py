"""Seeded, realistic ``trc-instance/1`` weeks of a phase-1 unit, for tests and benchmarks.

``generate(seed, beds, days, load)`` builds a unit (rooms of one or two beds
with telemetry, isolation, pediatric and bariatric features), its staff (about
1.7 RNs per bed with charge, telemetry, pediatric and chemo skills, MDs,
pharmacists and phlebotomists on days, leave and preferences) and the studies
of a period starting on a Monday 07:00 local: first-in-human cohorts (two
sentinels, then the cohort 48 h later), multiple-dose stays, pediatric PK day
stays, isolation challenge stays, infusions, a crossover with a washout,
outpatient screenings and stays already in progress. ``load`` scales the bed
time asked for (1.0 is about the unit's capacity); the mandatory part is kept
well below capacity and checked placeable by the greedy baseline, so every
instance is feasible in principle.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .generate_studies import STUDY_MAKERS, in_progress

TZ = "America/New_York"
DEFAULT_START = date(2026, 11, 23)
_Z = ZoneInfo(TZ)


class _Builder:
    def __init__(self, seed: int, beds: int, days: int, load: float, start: date):
        self.rng = random.Random(seed)
        self.beds_n, self.days, self.load = beds, days, load
        self.monday = start + timedelta(days=(7 - start.weekday()) % 7)
        self.t0 = self.at(0, 7)
        self.t_end = self.at(days, 7)
        self.visits: list[dict] = []
        self.participants: list[dict] = []
        self.precedences: list[dict] = []
        self.bed_minutes = 0

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """Return local day `day` (0 = the Monday) at hour:minute."""
        d = self.monday + timedelta(days=day)
        return datetime(d.year, d.month, d.day, hour, minute, tzinfo=_Z)

    # -- the unit ----------------------------------------------------------------
    def unit(self) -> tuple[list, list]:
        rooms, beds, n = [], [], self.beds_n
        iso, ped = max(1, round(n / 9)), 2 * max(1, round(n / 9))
        made = 0
        while made < n:
            r = f"R{len(rooms) + 1:02d}"
            rooms.append({"id": r, "name": f"Room {len(rooms) + 1}"})
            size = 1 if made < iso or n - made == 1 else 2
            for _ in range(size):
                feats = ["telemetry"] if made < iso + ped or self.rng.random() < 0.45 else []
                if made < iso:
                    feats.append("isolation")
                elif made < iso + ped:
                    feats.append("pediatric")
                elif made == n - 1:
                    feats.append("bariatric")
                beds.append({"id": f"B{made + 1:02d}", "room": r, "features": sorted(set(feats))})
                made += 1
        self.beds = beds
        return rooms, beds

    def shifts(self) -> list[dict]:
        k_day, k_night = max(1, math.ceil(self.beds_n / 6)), max(1, math.ceil(self.beds_n / 9))
        out = []
        for d in range(self.days):
            day = (self.monday + timedelta(days=d)).isoformat()
            out.append({"id": f"{day}-D", "start": self.at(d, 7).isoformat(), "end": self.at(d, 19).isoformat(),
                        "min_staff": {"RN": k_day, "MD": 1, "pharmacist": 1}, "min_skill": {"charge": 1}})
            out.append({"id": f"{day}-N", "start": self.at(d, 19).isoformat(), "end": self.at(d + 1, 7).isoformat(),
                        "min_staff": {"RN": k_night}, "min_skill": {"charge": 1}})
        self.shift_ids = [s["id"] for s in out]
        return out

    def staff(self) -> list[dict]:
        rng, n, weeks = self.rng, self.beds_n, self.days / 7
        staff = []
        rn_count = max(4, round(1.7 * n))
        for i in range(rn_count):
            per_week = rng.choice([2, 3, 3, 3])
            skills = {s for s, p in (("charge", 0.3), ("telemetry", 0.7), ("pediatric", 0.3), ("chemo", 0.15))
                      if rng.random() < p}
            if i % 3 == 0:  # enough charge nurses for every shift, even over short horizons
                skills |= {"charge", "telemetry"}
            max_shifts = max(min(2, 2 * self.days), math.ceil(per_week * weeks))
            staff.append(self._member(len(staff), f"Nurse {i + 1}", "RN", sorted(skills), max_shifts, 3, nights=True))
        for role, count in (("MD", max(3, math.ceil(n / 6))), ("pharmacist", max(2, math.ceil(n / 9))),
                            ("phlebotomist", max(2, math.ceil(n / 9)))):
            for i in range(count):
                staff.append(self._member(len(staff), f"{role} {i + 1}", role, [],
                                          max(1, math.ceil(5 * weeks)), 5, nights=False))
        return staff

    def _member(self, index: int, name: str, role: str, skills: list, max_shifts: int, consec: int,
                nights: bool) -> dict:
        rng = self.rng
        unavailable = []
        if not nights:  # day staff: nights are not theirs to work
            unavailable = [{"start": self.at(d, 19).isoformat(), "end": self.at(d + 1, 7).isoformat()}
                           for d in range(self.days)]
        if rng.random() < 0.12 and self.days >= 3:
            first = rng.randrange(self.days)
            unavailable.append({"start": self.at(first, 0).isoformat(),
                                "end": self.at(min(self.days + 1, first + rng.randint(1, 3)), 0).isoformat()})
        prefs = sorted(rng.sample(self.shift_ids, min(len(self.shift_ids), rng.randint(0, 3)))) if nights else []
        return {"id": f"S{index + 1:03d}", "name": name, "roles": [role], "skills": skills,
                "max_shifts": max_shifts, "max_minutes": max_shifts * 720 + 60, "min_rest_minutes": 660,
                "max_consecutive_days": consec, "unavailable": unavailable, "preferred_off": prefs}

    # -- visits --------------------------------------------------------------------
    def add_visit(self, study: str, label: str, sex: str, age: str, duration: int, window: tuple,
                  target: datetime | None, mandatory: bool, priority: int, features=(), nursing=None,
                  tasks=(), needs_bed=True, fixed_bed: str | None = None, participant: str | None = None) -> str | None:
        earliest, latest = window
        last_task = max((t["offset_minutes"] + t["duration_minutes"] for t in tasks), default=0)
        limit = self.t_end - timedelta(minutes=last_task)
        if fixed_bed is None:
            while latest > earliest and latest > limit:
                latest -= timedelta(hours=1)
            if latest > limit or earliest.hour < 7 or latest.hour >= 20:
                return None
        vid = f"V{len(self.visits) + 1:03d}"
        if participant is None:
            participant = f"P{len(self.participants) + 1:03d}"
            self.participants.append({"id": participant, "study": study, "sex": sex, "age_group": age})
        target = min(max(target or earliest, earliest), latest)
        visit = {"id": vid, "participant": participant, "study": study, "label": label,
                 "duration_minutes": duration, "earliest_start": earliest.isoformat(),
                 "latest_start": latest.isoformat(), "target_start": target.isoformat(),
                 "start_step_minutes": 60, "needs_bed": needs_bed, "mandatory": mandatory, "priority": priority,
                 "bed_features": sorted(features),
                 "nursing": nursing or [{"from_minutes": 0, "to_minutes": duration, "load_percent": 25, "skills": []}],
                 "tasks": list(tasks)}
        if fixed_bed is not None:
            visit["fixed"] = {"start": earliest.isoformat(), "bed": fixed_bed}
        self.visits.append(visit)
        if needs_bed:
            self.bed_minutes += duration + 60
        return vid

    def window(self, span_days: int, first_hour=7, last_hour=19, lead: int = 0) -> tuple | None:
        if self.days - lead < 1:
            return None
        d0 = self.rng.randrange(0, max(1, self.days - lead))
        return self.at(d0, first_hour), self.at(min(self.days - 1, d0 + span_days), last_hour)


def generate(seed: int, beds: int = 18, days: int = 7, load: float = 1.0, start_date=None) -> dict:
    """Return a seeded trc-instance/1 of a unit with `beds` beds over `days` days from a Monday 07:00."""
    if isinstance(start_date, str):
        start_date = date.fromisoformat(start_date)
    b = _Builder(seed, int(beds), int(days), float(load), start_date or DEFAULT_START)
    rooms, bed_list = b.unit()
    shifts = b.shifts()
    staff = b.staff()
    capacity = b.beds_n * (b.t_end - b.t0).total_seconds() / 60
    in_progress(b)
    makers, weights = zip(*STUDY_MAKERS)
    target = 0.8 * b.load * capacity
    for _ in range(10_000):
        if b.bed_minutes >= target:
            break
        b.rng.choices(makers, weights)[0](b, mandatory_left=0.3 * capacity - _mandatory_minutes(b))
    instance = {
        "format": "trc-instance/1", "id": f"gen-s{seed}-b{b.beds_n}-d{b.days}-l{b.load:g}",
        "unit": {"name": "Translational Research Center", "timezone": TZ, "turnover_minutes": 60,
                 "admission_hours": ["07:00", "20:00"]},
        "horizon": {"start": b.t0.isoformat(), "end": b.t_end.isoformat()},
        "policies": {"room_sharing": "same_sex_same_age_group", "default_load_percent": 25,
                     "max_admissions_per_shift": max(2, math.ceil(b.beds_n / 3))},
        "weights": {"unscheduled": 1000, "target_hour": 1, "continuity": 5, "preferred_off": 20,
                    "changed_visit": 200, "changed_shift": 30},
        "rooms": rooms, "beds": bed_list, "shifts": shifts, "staff": staff,
        "participants": b.participants,
        "studies": [{"id": sid, "title": title, "phase": phase, "first_in_human": sid == "FIH-SAD"}
                    for sid, title, phase in _STUDIES],
        "visits": b.visits, "precedences": b.precedences,
    }
    _demote_unplaceable(instance)
    return instance


_STUDIES = (("FIH-SAD", "First-in-human single ascending dose", "1"), ("MAD", "Multiple ascending dose", "1b"),
            ("PED-PK", "Pediatric pharmacokinetics", "1/2"), ("CHALLENGE", "Controlled human infection challenge", "2a"),
            ("INFUSION", "Monthly infusion efficacy", "2b"), ("CROSSOVER", "Two-period crossover bioavailability", "1"))


def _mandatory_minutes(b: _Builder) -> float:
    return sum(v["duration_minutes"] for v in b.visits if v["mandatory"] and v["needs_bed"])


def _demote_unplaceable(instance: dict) -> None:
    """Make optional any mandatory visit the first-fit baseline cannot place with the other mandatory ones."""
    from .greedy import greedy

    for _ in range(5):
        mandatory = {v["id"] for v in instance["visits"] if v["mandatory"]}
        trial = dict(instance, visits=[v for v in instance["visits"] if v["id"] in mandatory],
                     precedences=[p for p in instance["precedences"] if p["before"] in mandatory and p["after"] in mandatory])
        schedule = greedy(trial)
        if schedule["status"] == "FEASIBLE":
            return
        placed = _greedy_placed(trial)
        stuck = [v for v in instance["visits"] if v["id"] in mandatory and v["id"] not in placed and "fixed" not in v]
        if not stuck:
            return
        for v in stuck:
            v["mandatory"], v["priority"] = False, min(v["priority"], 9)


def _greedy_placed(instance: dict) -> set[str]:
    from .greedy import _order, _place, _roster_minimums
    from .parsed import parse_instance
    from .state import State

    inst = parse_instance(instance)
    state = State(inst)
    _roster_minimums(state)
    for visit in _order(inst):
        _place(state, visit)
    return set(state.starts)
