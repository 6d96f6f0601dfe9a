"""The roster of a shift and a person's coming shifts, read from published schedule versions only.

A published `ScheduleVersion` holds the week's `trc-instance/1` instance and `trc-schedule/1`
schedule; everything here is computed from those two documents (plus bed closures from the
database), as aware instants, and shown in the instance's own time zone. Investigators see
participant details only for the studies they are on (`visible_studies`); other stays are
"occupied".
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Bed, ScheduleVersion, ScheduleWeek, Shift, Study, VersionStatus
from .diff import describe_diff, diff_for_shift, diff_schedules
from .scheduling import participant_code
from .unit import iso_week
from .studies import visible_studies

SHIFT_NAMES = {"D": "Day", "E": "Evening", "N": "Night"}
SOON = timedelta(hours=1)


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class ShiftSpan:
    """One shift of a published instance, as aware instants."""

    id: str
    start: datetime
    end: datetime
    tz: ZoneInfo = field(compare=False)

    @property
    def minutes(self) -> int:
        """Return the real length in minutes (a DST night is 660 or 780)."""
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def name(self) -> str:
        """Return "Day", "Night" … from the code's suffix, else from the local start hour."""
        suffix = self.id.rsplit("-", 1)[-1]
        if suffix in SHIFT_NAMES:
            return SHIFT_NAMES[suffix]
        hour = self.start.astimezone(self.tz).hour
        return "Day" if 5 <= hour < 12 else "Evening" if 12 <= hour < 17 else "Night"

    def local(self, fmt: str = "%H:%M", at: datetime | None = None) -> str:
        """Format the start (or another instant) in the unit's zone."""
        return (at or self.start).astimezone(self.tz).strftime(fmt)


class PublishedWeek:
    """Indexes over one published version's instance and schedule."""

    def __init__(self, version: ScheduleVersion, week: str):
        self.version, self.week = version, week
        self.instance, self.schedule = version.instance, version.schedule
        unit = self.instance["unit"]
        self.tz = ZoneInfo(unit["timezone"])
        self.unit_name = unit["name"]
        self.horizon = (_t(self.instance["horizon"]["start"]), _t(self.instance["horizon"]["end"]))
        self.default_load = self.instance.get("policies", {}).get("default_load_percent", 25)
        self.shifts = sorted((ShiftSpan(s["id"], _t(s["start"]), _t(s["end"]), self.tz)
                              for s in self.instance["shifts"]), key=lambda s: s.start)
        self.staff = {s["id"]: s for s in self.instance["staff"]}
        self.participants = {p["id"]: p for p in self.instance["participants"]}
        self.visits = {v["id"]: v for v in self.instance["visits"]}
        self.placed = {v["visit"]: (_t(v["start"]), v.get("bed")) for v in self.schedule.get("visits", [])
                       if v["visit"] in self.visits}
        self.primary = {(p["visit"], p["shift"]): p["staff"] for p in self.schedule.get("primary_nurses", [])}
        self.task_staff = {(t["visit"], t["task"]): t["staff"] for t in self.schedule.get("tasks", [])}
        self.working: dict[str, list[str]] = {}
        for s in self.schedule.get("shifts", []):
            self.working.setdefault(s["shift"], []).append(s["staff"])

    def owns(self, shift: ShiftSpan) -> bool:
        """Return True when the shift starts inside this week's horizon (not carried over)."""
        return self.horizon[0] <= shift.start < self.horizon[1]

    def end_of(self, visit_id: str) -> datetime:
        start, _ = self.placed[visit_id]
        return start + timedelta(minutes=self.visits[visit_id]["duration_minutes"])

    def name_of(self, staff_id: str | None) -> str:
        return self.staff.get(staff_id, {}).get("name", staff_id) if staff_id else "—"

    def study_of(self, visit_id: str) -> str:
        visit = self.visits[visit_id]
        return visit.get("study") or self.participants.get(visit["participant"], {}).get("study", "")

    @property
    def number(self) -> int | None:
        return self.version.number


def published_weeks(weeks=None, since: str | None = None) -> list[PublishedWeek]:
    """Return the published versions of the given ISO weeks (all when None), oldest week first."""
    query = (select(ScheduleVersion, ScheduleWeek.week)
             .join(ScheduleWeek, ScheduleWeek.published_version_id == ScheduleVersion.id)
             .where(ScheduleVersion.status == VersionStatus.published).order_by(ScheduleWeek.week))
    if weeks is not None:
        query = query.where(ScheduleWeek.week.in_(sorted(set(weeks))))
    if since is not None:
        query = query.where(ScheduleWeek.week >= since)
    return [PublishedWeek(v, w) for v, w in db.session.execute(query)]


def _weeks_around(day: date, before: int = 1, after: int = 1) -> list[str]:
    return [iso_week(day + timedelta(weeks=k)) for k in range(-before, after + 1)]


def _shift_index(weeks: list[PublishedWeek]) -> dict[str, tuple[PublishedWeek, ShiftSpan]]:
    """Map shift id -> (week, shift), preferring the week whose horizon holds the shift."""
    index = {}
    for pw in weeks:
        for shift in pw.shifts:
            if shift.id not in index or pw.owns(shift):
                index[shift.id] = (pw, shift)
    return index


def _date_of_code(code: str) -> date | None:
    try:
        return date.fromisoformat(code[:10])
    except ValueError:
        return None


def _neighbours(day: date | None) -> dict:
    """Index the shifts of the published weeks around a day (none without a day: codes start with a date)."""
    return _shift_index(published_weeks(_weeks_around(day))) if day else {}


def find_shift(code: str):
    """Return (week, shift) of a published shift by code, or None."""
    return _neighbours(_date_of_code(code)).get(code)


def shift_at(now: datetime, tz: ZoneInfo):
    """Return (week, shift) of the published shift in progress at `now`, or None."""
    for pw, shift in _neighbours(now.astimezone(tz).date()).values():
        if shift.start <= now < shift.end:
            return pw, shift
    return None


def unpublished_shift(code: str):
    """Return the unit's `Shift` row of that code when no published schedule covers it yet, else None."""
    return db.session.scalars(select(Shift).where(Shift.code == code)).first()


def adjacent_shifts(shift: ShiftSpan) -> tuple:
    """Return the (previous, next) published shifts around a shift (None at the edges)."""
    spans = sorted((s for _, s in _neighbours(shift.start.astimezone(shift.tz).date()).values()),
                   key=lambda s: s.start)
    before = [s for s in spans if s.start < shift.start]
    after = [s for s in spans if s.start > shift.start]
    return (before[-1] if before else None), (after[0] if after else None)


def next_published_shift(now: datetime, tz: ZoneInfo):
    """Return the first published shift starting after `now` within three weeks, or None."""
    spans = [s for _, s in _shift_index(published_weeks(_weeks_around(now.astimezone(tz).date(), 1, 3))).values()
             if s.start > now]
    return min(spans, key=lambda s: s.start) if spans else None


def visible_study_codes(user) -> set | None:
    """Return the codes of studies whose participants the user may see, or None for all."""
    if user.is_manager or user.is_nurse:
        return None
    return {s.code for s in visible_studies(user)}


def study_colors() -> dict:
    """Map study code -> its colour, for badges."""
    return dict(db.session.execute(select(Study.code, Study.color)).all())


def load_ratio(load: int | None) -> str:
    """Return a load percent as a nurse ratio: 100 → 1:1, 50 → 1:2, 33 → 1:3, 25 → 1:4."""
    if not load:
        return "—"
    return f"1:{max(1, round(100 / load))}"


def visit_load(visit: dict, start: datetime, lo: datetime, hi: datetime, default: int) -> int | None:
    """Return the visit's load in [lo, hi): the highest load of its overlapping parts (H7), or None."""
    a = max(start, lo)
    b = min(start + timedelta(minutes=visit["duration_minutes"]), hi)
    if a >= b:
        return None
    loads, covered = [], []
    for seg in visit.get("nursing", []):
        x = max(start + timedelta(minutes=seg["from_minutes"]), a)
        y = min(start + timedelta(minutes=seg["to_minutes"]), b)
        if x < y:
            loads.append(seg["load_percent"])
            covered.append((x, y))
    cursor = a
    for x, y in sorted(covered):
        if x > cursor:
            break
        cursor = max(cursor, y)
    if cursor < b:  # some part of the stay in this shift lies outside every segment
        loads.append(default)
    return max(loads)


def _day_text(pw: PublishedWeek, visit: dict, start: datetime, shift: ShiftSpan, now: datetime) -> str:
    """Return "day 2 of 4, dosed 08:00": 24-hour days since admission, and the dose time."""
    ref = max(start, shift.start)
    day = int((ref - start).total_seconds() // 86400) + 1
    total = max(1, ceil(visit["duration_minutes"] / 1440))
    text = f"day {day} of {total}"
    dose = next((t for t in visit.get("tasks", []) if t["id"] == "dose"), None)
    if dose:
        at = start + timedelta(minutes=dose["offset_minutes"])
        same_day = at.astimezone(pw.tz).date() == shift.start.astimezone(pw.tz).date()
        clock = shift.local("%H:%M" if same_day else "%a %d %b %H:%M", at)
        text += f", dosed {clock}" if at <= now else f", dose due {clock}"
    return text


def _stay(pw, vid, shift, now, visible) -> dict:
    visit, (start, bed) = pw.visits[vid], pw.placed[vid]
    participant = pw.participants.get(visit["participant"], {})
    load = visit_load(visit, start, shift.start, shift.end, pw.default_load)
    primary = pw.primary.get((vid, shift.id))
    stay = {"visit": vid, "bed": bed, "visible": visible(vid), "start": start, "end": pw.end_of(vid),
            "start_local": shift.local("%a %d %b %H:%M", start),
            "end_local": shift.local("%a %d %b %H:%M", pw.end_of(vid)),
            "primary_id": primary, "primary": pw.name_of(primary), "load": load, "ratio": load_ratio(load)}
    if stay["visible"]:
        features = visit.get("bed_features", [])
        stay.update(participant=participant_code(visit["participant"], pw.study_of(vid)), study=pw.study_of(vid),
                    label=visit.get("label", vid),
                    sex=participant.get("sex", ""), age_group=participant.get("age_group", ""),
                    features=features, isolation="isolation" in features,
                    day=_day_text(pw, visit, start, shift, now))
    return stay


def _visibility(pw: PublishedWeek, codes: set | None):
    return lambda vid: codes is None or pw.study_of(vid) in codes


def _closures(bed_codes, shift: ShiftSpan) -> dict:
    """Map bed code -> reason for beds closed (or decommissioned) during the shift, from the database."""
    beds = db.session.scalars(select(Bed).where(Bed.code.in_(list(bed_codes)))
                              .options(selectinload(Bed.closures))).all()
    out = {}
    for bed in beds:
        if not bed.active:
            out[bed.code] = "decommissioned"
        for c in bed.closures:
            if c.start < shift.end and (c.end is None or c.end > shift.start):
                out[bed.code] = c.reason.value.replace("_", " ")
    return out


def _tasks(pw, shift, now, visible) -> tuple[list, int]:
    rows, hidden = [], 0
    for vid, (start, bed) in pw.placed.items():
        for task in pw.visits[vid].get("tasks", []):
            at = start + timedelta(minutes=task["offset_minutes"])
            if not shift.start <= at < shift.end:
                continue
            if not visible(vid):
                hidden += 1
                continue
            staff = pw.task_staff.get((vid, task["id"]), [])
            rows.append({"at": at, "iso": at.astimezone(pw.tz).isoformat(), "time": shift.local("%H:%M", at),
                         "date": shift.local("%a %d %b", at),
                         "bed": bed or "outpatient",
                         "participant": participant_code(pw.visits[vid]["participant"], pw.study_of(vid)),
                         "study": pw.study_of(vid), "label": task.get("label", task["id"]),
                         "visit": vid, "task": task["id"], "staff_ids": staff,
                         "staff": [pw.name_of(s) for s in staff], "soon": now <= at < now + SOON})
    rows.sort(key=lambda r: (r["at"], r["bed"], r["label"]))
    return rows, hidden


def _people(pw: PublishedWeek, shift: ShiftSpan, stays: list) -> dict:
    """Return the nurses' loads, the charge nurse and everyone on shift grouped by role."""
    working = sorted(pw.working.get(shift.id, []))
    nurses = []
    for sid in working:
        member = pw.staff.get(sid, {})
        if "RN" not in member.get("roles", []):
            continue
        mine = [s for s in stays if s["primary_id"] == sid]
        nurses.append({"id": sid, "name": pw.name_of(sid), "load": sum(s["load"] or 0 for s in mine),
                       "patients": mine, "skills": member.get("skills", [])})
    charge = next((n for n in nurses if "charge" in n["skills"]), None)
    groups: dict[str, list] = {}
    for sid in working:
        role = (pw.staff.get(sid, {}).get("roles") or ["staff"])[0]
        groups.setdefault(role, []).append(pw.name_of(sid))
    order = ["RN", "MD", "NP", "pharmacist", "phlebotomist"]
    by_role = sorted(groups.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    return {"nurses": nurses, "charge": charge["name"] if charge else None, "by_role": by_role}


def shift_roster(user, pw: PublishedWeek, shift: ShiftSpan, now: datetime) -> dict:
    """Build everything the roster page of one shift shows, redacted for the user."""
    visible = _visibility(pw, visible_study_codes(user))
    in_shift = sorted((vid for vid, (start, _) in pw.placed.items()
                       if start < shift.end and pw.end_of(vid) > shift.start),
                      key=lambda vid: (pw.placed[vid][0], vid))
    stays = [_stay(pw, vid, shift, now, visible) for vid in in_shift]
    closed = _closures([b["id"] for b in pw.instance["beds"]], shift)
    rooms = []
    for room in pw.instance["rooms"]:
        beds = [{"id": b["id"], "features": b.get("features", []), "closed": closed.get(b["id"]),
                 "stays": [s for s in stays if s["bed"] == b["id"]]}
                for b in pw.instance["beds"] if b["room"] == room["id"]]
        rooms.append({"id": room["id"], "name": room.get("name", room["id"]), "beds": beds})
    tasks, hidden = _tasks(pw, shift, now, visible)
    outpatients = [s for s in stays if not s["bed"]]
    return {
        "week": pw, "shift": shift, "now": now, "rooms": rooms, "stays": stays,
        "outpatients": outpatients, "print": print_layout(len(rooms) + bool(outpatients), len(stays), len(tasks)),
        "admissions": [s for s in stays if shift.start <= s["start"] < shift.end],
        "discharges": [s for s in stays if shift.start < s["end"] <= shift.end],
        "tasks": tasks, "hidden_tasks": hidden, "colors": study_colors(), **_people(pw, shift, stays),
    }


#: the printed roster packs tighter above these many tasks or stays (level 1, then 2) to stay on one page
PRINT_LEVELS = ((21, 18), (36, 24))


def print_layout(cards: int, stays: int, tasks: int) -> dict:
    """Return how the printed roster packs a shift onto one page: bed-map columns and a density level.

    The bed map takes two rows of cards (six columns at least, nine at most);
    a busy shift gets smaller type and more task columns (``roster.css``).
    """
    level = sum(1 for most_tasks, most_stays in PRINT_LEVELS if tasks > most_tasks or stays > most_stays)
    return {"cols": min(9, max(6, ceil(cards / 2))), "level": level}


def republished_notice(user, pw: PublishedWeek, shift: ShiftSpan, seen_version_id: int | None) -> dict | None:
    """Return {number, changes} when the user last saw an older version of this week, else None."""
    if not seen_version_id or seen_version_id == pw.version.id:
        return None
    old = db.session.get(ScheduleVersion, seen_version_id)
    if old is None or old.week_id != pw.version.week_id or old.published_at is None:  # never published
        return None
    diff = diff_for_shift(diff_schedules(old.instance, old.schedule, pw.instance, pw.schedule),
                          pw.instance, shift.id, old.instance)
    codes = visible_study_codes(user)
    studies = {p["id"]: p.get("study") for p in old.instance.get("participants", []) + pw.instance["participants"]}
    changes = describe_diff(diff, old.instance, pw.instance,
                            visible=lambda pid: codes is None or studies.get(pid) in codes)
    return {"number": pw.version.number, "version_id": pw.version.id,
            "changes": changes or ["nothing changed for this shift"]}


def my_shifts(user, now: datetime, days: int = 14) -> list[dict] | None:
    """Return the linked staff member's published shifts ending after `now` and starting within `days`.

    Each item: the shift, the week, the patients they are primary nurse of, and their tasks.
    None when the user has no staff record.
    """
    if user.staff is None:
        return None
    code, until = user.staff.code, now + timedelta(days=days)
    first = now.date() - timedelta(days=7)
    weeks = {iso_week(first + timedelta(days=d)) for d in range(0, days + 15, 7)}
    codes = visible_study_codes(user)
    out = []
    for pw, shift in sorted(_shift_index(published_weeks(weeks)).values(), key=lambda x: x[1].start):
        if shift.end <= now or shift.start >= until or code not in pw.working.get(shift.id, []):
            continue
        visible = _visibility(pw, codes)
        patients = [_stay(pw, vid, shift, now, visible) for (vid, sid), who in pw.primary.items()
                    if sid == shift.id and who == code and vid in pw.placed]
        tasks, _ = _tasks(pw, shift, now, visible)
        out.append({"week": pw, "shift": shift, "patients": sorted(patients, key=lambda s: s["start"]),
                    "tasks": [t for t in tasks if code in t["staff_ids"]]})
    return out
