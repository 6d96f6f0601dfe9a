"""View models of a schedule version for the review page: week board, staffing board, cost, reasons.

Everything is computed from the version's own `instance` and `schedule` (the week as it was solved),
plus two things only the database knows: study colours and bed closures. Bar positions are
percentages of the horizon in real elapsed minutes, so a daylight-saving day is 23 or 25 hours wide.
"""
import zlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Bed, ScheduleVersion, Study
from ..solver import check
from ..solver.parsed import Instance, parse_instance
from .boards_staffing import StaffingBoard, staffing_board
from .scheduling import participant_code
from .unit import require_manager

# Tableau 10: distinct, print-safe; chosen by a stable hash of the study code.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
DEFAULT_STUDY_COLOR = "#4e79a7"  # the column default: a study nobody gave a colour
COST_LABELS = {
    "unscheduled": "Optional visits left unscheduled",
    "target_hour": "Hours away from target start",
    "continuity": "Extra primary nurses (continuity of care)",
    "preferred_off": "Shifts worked on a preferred day off",
    "changed_visit": "Visits changed from the published schedule",
    "changed_shift": "Staff shifts changed from the published schedule",
}
CLOSURE_WORDS = {"maintenance": "maintenance", "cleaning": "cleaning",
                 "infection_control": "infection control", "other": "closed"}


@dataclass
class Bar:
    """One block on a bed row: a stay, its turnover tail or a closure; left/width in % of the horizon."""

    kind: str
    left: float
    width: float
    title: str
    visit: str | None = None
    participant: str = ""
    study: str = ""
    label: str = ""
    color: str = "#6c757d"
    ink: str = "#fff"
    clipped_start: bool = False
    clipped_end: bool = False
    pinned: bool = False


@dataclass
class BedRow:
    id: str
    features: list[str]
    bars: list[Bar] = field(default_factory=list)
    closed: str | None = None  # whole row out of service: the reason


@dataclass
class RoomGroup:
    id: str
    name: str
    beds: list[BedRow]


@dataclass
class Column:
    """A day band of the time axis."""

    label: str
    left: float
    width: float
    weekend: bool = False


@dataclass
class WeekBoard:
    days: list[Column]
    lines: list[float]  # shift boundaries inside days, in %
    rooms: list[RoomGroup]
    outpatient: list[list[Bar]]  # lanes of visits without a bed
    legend: list[tuple[str, str, str]]  # (study, colour, ink)
    hours: int


@dataclass
class Review:
    """Everything the review page shows about one version."""

    version: ScheduleVersion
    board: WeekBoard
    staffing: StaffingBoard
    unscheduled: list[dict]
    conflicts: list[str]
    cost: list[tuple[str, str, int, int]]  # (term, label, weight, cost)
    cost_total: int
    violations: list[str]
    gap: float | None
    pins: list[dict]


def study_colors(codes, db_colors: dict[str, str]) -> dict[str, str]:
    """Return a colour per study: its chosen colour, else a palette colour stable for its code.

    Palette colours start at a hash of the code and skip colours already used on the board, so
    two studies only share a colour when there are more studies than palette entries.
    """
    out = {c: db_colors[c] for c in codes if db_colors.get(c) and db_colors[c].lower() != DEFAULT_STUDY_COLOR}
    used = {color.lower() for color in out.values()}
    for code in sorted(set(codes) - set(out)):
        first = zlib.crc32(code.encode()) % len(PALETTE)
        order = [PALETTE[(first + i) % len(PALETTE)] for i in range(len(PALETTE))]
        out[code] = next((c for c in order if c not in used), order[0])
        used.add(out[code])
    return out


def ink_for(color: str) -> str:
    """Return black or white, whichever reads better on a background colour."""
    try:
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#fff"
    return "#1b1f24" if 0.299 * r + 0.587 * g + 0.114 * b > 160 else "#fff"


def _pct(minute: int, total: int) -> float:
    return round(100.0 * minute / total, 3)


def _span(a: int, b: int, total: int) -> tuple[float, float, bool, bool]:
    lo, hi = max(a, 0), min(b, total)
    return _pct(lo, total), _pct(max(hi - lo, 0), total), a < 0, b > total


def fmt(inst: Instance, minute: int) -> str:
    """Format a minute offset as 'Tue 24 Nov 08:00' in the unit's zone."""
    return inst.local(minute).strftime("%a %d %b %H:%M")


def _minute_of(inst: Instance, value: datetime) -> int:
    return int((value.astimezone(timezone.utc) - inst.origin.astimezone(timezone.utc)).total_seconds() // 60)


def _days(inst: Instance) -> tuple[list[Column], list[float]]:
    total = inst.horizon_end
    first, last = inst.local(0).date(), inst.local(total - 1).date()
    days, day = [], first
    while day <= last:
        a = max(0, _minute_of(inst, datetime.combine(day, time(0), tzinfo=inst.tz)))
        b = min(total, _minute_of(inst, datetime.combine(day + timedelta(days=1), time(0), tzinfo=inst.tz)))
        days.append(Column(day.strftime("%a %d %b"), _pct(a, total), _pct(b - a, total), day.weekday() >= 5))
        day += timedelta(days=1)
    lines = sorted({_pct(s.start, total) for s in inst.shifts
                    if 0 < s.start < total and inst.local(s.start).time() != time(0)})
    return days, lines


def _stay_bars(inst: Instance, vid: str, start: int, colors: dict, pins: dict) -> list[Bar]:
    v, total = inst.visits[vid], inst.horizon_end
    end = start + v.duration
    color = colors[v.study]
    left, width, cs, ce = _span(start, end, total)
    title = f"{vid} · {v.participant} ({v.study}) {v.label} · {fmt(inst, start)} → {fmt(inst, end)}"
    bars = [Bar("stay", left, width, title, vid, participant_code(v.participant, v.study), v.study, v.label,
                color, ink_for(color),
                cs, ce, vid in pins)] if width > 0 else []
    if v.needs_bed and inst.turnover and 0 <= end + inst.turnover and end < total:
        left, width, _cs, _ce = _span(end, end + inst.turnover, total)
        bars.append(Bar("turnover", left, width, f"Turnover after {vid}: {inst.turnover} min", vid, color=color))
    return bars


def _closure_bars(inst: Instance, bed: Bed | None) -> list[Bar]:
    bars = []
    for c in bed.closures if bed is not None else []:
        a = _minute_of(inst, c.start)
        b = _minute_of(inst, c.end) if c.end else inst.horizon_end + 1
        if a < inst.horizon_end and b > 0:
            reason = CLOSURE_WORDS.get(c.reason.value, c.reason.value) + (f": {c.note}" if c.note else "")
            until = fmt(inst, b) if c.end else "further notice"
            left, width, cs, ce = _span(a, b, inst.horizon_end)
            bars.append(Bar("closure", left, width, f"Closed ({reason}) until {until}", label=f"Closed · {reason}",
                            clipped_start=cs, clipped_end=ce))
    return bars


def _absent_reason(bed: Bed, bars: list[Bar]) -> str:
    """Say why a bed of the unit is not in the week's instance (the export leaves closed beds out)."""
    if not bed.active:
        return "Out of service"
    if not bed.room.active:
        return "Room closed"
    if bars:
        return "Closed this week"
    return "Not in this schedule"


def _lanes(bars: list[tuple[int, int, list[Bar]]]) -> list[list[Bar]]:
    """Pack visits without a bed into as few rows as possible (first fit by start)."""
    lanes: list[tuple[int, list[Bar]]] = []
    for start, end, items in sorted(bars, key=lambda b: b[0]):
        for i, (free_at, lane) in enumerate(lanes):
            if free_at <= start:
                lane.extend(items)
                lanes[i] = (end, lane)
                break
        else:
            lanes.append((end, list(items)))
    return [lane for _end, lane in lanes]


def _bed_rows(inst: Instance, beds_db: dict) -> tuple[dict, dict]:
    """Return bed rows by id (the instance's beds, then the unit's other beds, greyed) and room names."""
    rows, rooms = {}, {r["id"]: r.get("name") or r["id"] for r in inst.raw["rooms"]}
    for bed in inst.raw["beds"]:
        rows[bed["id"]] = (bed["room"], BedRow(bed["id"], list(bed.get("features") or []),
                                               _closure_bars(inst, beds_db.get(bed["id"]))))
    for code, bed in sorted(beds_db.items()):
        if code not in rows:
            bars = _closure_bars(inst, bed)
            rows[code] = (bed.room.code, BedRow(code, list(bed.features or []), bars, _absent_reason(bed, bars)))
            rooms.setdefault(bed.room.code, bed.room.name)
    return rows, rooms


def week_board(inst: Instance, schedule: dict, colors: dict, beds_db: dict, pins: dict) -> WeekBoard:
    """Lay out the stays of a schedule on beds (rows, grouped by room) against the days of the horizon."""
    days, lines = _days(inst)
    rows, room_names = _bed_rows(inst, beds_db)
    colors = study_colors(sorted({inst.visits[e["visit"]].study for e in schedule.get("visits") or []}), colors)
    outpatient, studies = [], set()
    for entry in schedule.get("visits") or []:
        vid = entry["visit"]
        start = inst.minutes(entry["start"])
        bars = _stay_bars(inst, vid, start, colors, pins)
        studies.add(inst.visits[vid].study)
        if entry.get("bed") in rows:
            rows[entry["bed"]][1].bars[:0] = bars
        else:
            outpatient.append((start, start + inst.visits[vid].duration, bars))
    rooms = []
    for room_id, name in sorted(room_names.items()):
        beds = sorted((row for rid, row in rows.values() if rid == room_id), key=lambda r: r.id)
        if beds:
            rooms.append(RoomGroup(room_id, name, beds))
    legend = [(s, colors[s], ink_for(colors[s])) for s in sorted(studies)]
    return WeekBoard(days, lines, rooms, _lanes(outpatient), legend, round(inst.horizon_end / 60))


def unscheduled_list(inst: Instance, schedule: dict) -> list[dict]:
    """Return the visits left out, with the engine's reason in words."""
    out = []
    for e in schedule.get("unscheduled") or []:
        v = inst.visits.get(e["visit"])
        if v is not None:
            out.append({"visit": v.id, "participant": participant_code(v.participant, v.study),
                        "study": v.study, "label": v.label, "mandatory": v.mandatory, "priority": v.priority,
                        "reason": e.get("reason") or "", "window": f"{fmt(inst, v.earliest)} – {fmt(inst, v.latest)}"})
    return out


def pin_list(inst: Instance, pins: dict) -> list[dict]:
    """Return the pins of a draft in words, for the page and the unpin buttons."""
    out = []
    for vid, pin in sorted((pins.get("visits") or {}).items()):
        if pin.get("out"):
            out.append({"kind": "visit", "visit": vid, "text": f"{vid} left out"})
            continue
        parts = [f"start {fmt(inst, inst.minutes(pin['start']))}" if pin.get("start") else "",
                 f"bed {pin['bed']}" if pin.get("bed") else ""]
        out.append({"kind": "visit", "visit": vid, "text": f"{vid} kept at " + " and ".join(p for p in parts if p)})
    for kind, words in (("shifts_on", "works"), ("shifts_off", "is off")):
        for staff, sid in pins.get(kind) or []:
            out.append({"kind": kind, "staff": staff, "shift": sid, "text": f"{staff} {words} {sid}"})
    return out


def adjust_choices(version: ScheduleVersion) -> dict:
    """Return the options of the adjust forms: stays (with where they are), beds, staff and shifts."""
    inst = parse_instance(version.instance)
    placed = {e["visit"]: e for e in version.schedule.get("visits") or []}

    def where(vid):
        e = placed.get(vid)
        if e is None:
            return "unscheduled"
        return fmt(inst, inst.minutes(e["start"])) + (f", {e['bed']}" if e.get("bed") else "")
    visits = [(v.id, f"{v.id} · {v.participant} · {v.label} ({where(v.id)})") for v in inst.visits.values()]
    beds = [("", "— keep —")] + [(b["id"], f"{b['id']} ({', '.join(b.get('features') or []) or 'no features'})")
                                 for b in inst.raw["beds"]]
    staff = [(s["id"], f"{s['id']} · {s.get('name', '')} ({'/'.join(s['roles'])})") for s in inst.raw["staff"]]
    shifts = [(s.id, f"{s.id} ({fmt(inst, s.start)}–{inst.local(s.end):%H:%M})") for s in inst.shifts]
    return {"visit": visits, "bed": beds, "staff": staff, "shift": shifts}


def _db_lookups(inst: Instance) -> tuple[dict, dict]:
    codes = {v.study for v in inst.visits.values()}
    colors = dict(db.session.execute(select(Study.code, Study.color).where(Study.code.in_(codes))).all())
    beds = db.session.scalars(select(Bed).options(selectinload(Bed.closures), selectinload(Bed.room))).all()
    return colors, {b.code: b for b in beds}


def week_board_for(user, version: ScheduleVersion) -> WeekBoard:
    """Return the week board of a version alone (the printable page)."""
    require_manager(user)
    return _board_of(parse_instance(version.instance), version)


def _board_of(inst: Instance, version: ScheduleVersion) -> WeekBoard:
    colors, beds = _db_lookups(inst)
    return week_board(inst, version.schedule, colors, beds, (version.pins or {}).get("visits") or {})


def build_review(user, version: ScheduleVersion) -> Review:
    """Assemble the review page of a version: boards, left-out visits, conflicts, cost and pins."""
    require_manager(user)
    inst, schedule, pins = parse_instance(version.instance), version.schedule, version.pins or {}
    report = check(inst, schedule)
    weights = inst.weights
    cost = [(k, COST_LABELS.get(k, k), weights.get(k, 0), v) for k, v in report.cost_terms.items()]
    objective, bound = version.objective, version.bound
    gap = (100.0 * (objective - bound) / max(abs(objective), 1)
           if objective is not None and bound is not None else None)
    return Review(version, _board_of(inst, version), staffing_board(inst, schedule, pins),
                  unscheduled_list(inst, schedule), list(schedule.get("conflicts") or []), cost, report.cost,
                  [v.message for v in report.violations], gap, pin_list(inst, pins))
