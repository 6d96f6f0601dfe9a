"""Use cases of the unit: settings, rooms, beds, closures, staff, leave and the shift roster rows."""
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, DomainError, NotAllowed
from ..extensions import db
from ..models import (Bed, BedClosure, ClosureReason, Room, RoomSharing, ScheduleVersion, Shift, ShiftPattern,
                      StaffMember, StaffUnavailability, UnavailabilityKind, UnitSettings)
from ..models.types import utcnow


def get_settings() -> UnitSettings | None:
    """Return the unit's settings row, if the unit has been set up."""
    return db.session.scalars(select(UnitSettings).limit(1)).first()


def require_manager(user) -> None:
    """Raise NotAllowed unless the user plans the unit (manager or admin)."""
    if not user.is_manager:
        raise NotAllowed("Only unit managers can change the unit.")


def parse_zone(name: str) -> ZoneInfo:
    """Return the IANA zone, or a DomainError naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"'{name}' is not an IANA time zone (e.g. America/New_York).", field="timezone")


def _hm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def local_instant(day: date, hm: str, tz: ZoneInfo) -> datetime:
    """Return the aware UTC instant of a local wall-clock time on a day (DST-aware)."""
    from datetime import timezone
    return datetime.combine(day, _hm(hm), tzinfo=tz).astimezone(timezone.utc)


def generate_shifts(user, first_day: date, days: int) -> list[Shift]:
    """Create the dated shift rows of the active patterns for `days` days (existing ones kept)."""
    require_manager(user)
    settings = get_settings()
    if settings is None:
        raise Conflict("Set up the unit (time zone) before generating shifts.")
    if not 1 <= days <= 62:
        raise DomainError("Generate between 1 and 62 days of shifts at a time.", field="days")
    tz = ZoneInfo(settings.timezone)
    patterns = db.session.scalars(select(ShiftPattern).where(ShiftPattern.active).order_by(ShiftPattern.start_time)).all()
    if not patterns:
        raise Conflict("Define a shift pattern first.")
    created = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for pattern in patterns:
            code = f"{day.isoformat()}-{pattern.code}"
            if db.session.scalar(select(Shift.id).where(Shift.code == code)):
                continue
            start = local_instant(day, pattern.start_time, tz)
            end_day = day + timedelta(days=1) if pattern.end_time <= pattern.start_time else day
            end = local_instant(end_day, pattern.end_time, tz)
            shift = Shift(code=code, pattern=pattern, start=start, end=end,
                          min_staff=dict(pattern.min_staff), min_skill=dict(pattern.min_skill))
            db.session.add(shift)
            created.append(shift)
    db.session.flush()
    return created


# --- settings ---------------------------------------------------------------------------------------

HM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
WEIGHT_FIELDS = ("weight_unscheduled", "weight_target_hour", "weight_continuity", "weight_preferred_off",
                 "weight_changed_visit", "weight_changed_shift")
SETTINGS_FIELDS = ("name", "timezone", "turnover_minutes", "admission_from", "admission_to", "room_sharing",
                   "default_load_percent", "max_admissions_per_shift") + WEIGHT_FIELDS
_SETTINGS_RANGES = {"turnover_minutes": (0, 1440), "default_load_percent": (1, 100),
                    "max_admissions_per_shift": (1, 100), **{w: (0, 1_000_000) for w in WEIGHT_FIELDS}}


def _check_hm(value: str, field: str) -> str:
    value = (value or "").strip()
    if not HM_RE.match(value):
        raise DomainError(f"'{value}' is not a time of day as HH:MM (e.g. 07:00).", field=field)
    return value


def _check_range(value, low: int, high: int, field: str, what: str) -> int:
    if not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"{what} must be a whole number from {low} to {high}.", field=field)
    return value


def save_settings(user, values: dict) -> UnitSettings:
    """Create the unit's single settings row, or update it, after checking every value."""
    require_manager(user)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not unit settings: {sorted(unknown)}")
    settings = get_settings()
    merged = {f: getattr(settings, f) for f in SETTINGS_FIELDS} if settings else {}
    merged.update(values)
    missing = [f for f in ("name", "timezone") if not (merged.get(f) or "").strip()]
    if missing:
        raise DomainError("Give the unit a name and a time zone.", field=missing[0])
    parse_zone(merged["timezone"].strip())
    start = _check_hm(merged.get("admission_from") or "07:00", "admission_from")
    end = _check_hm(merged.get("admission_to") or "20:00", "admission_to")
    if not start < end:
        raise DomainError(f"Admission hours must end after they start ({start} is not before {end}).",
                          field="admission_to")
    for field, (low, high) in _SETTINGS_RANGES.items():
        if merged.get(field) is not None:
            _check_range(merged[field], low, high, field, field.replace("_", " ").capitalize())
    if merged.get("room_sharing") is not None:
        try:
            merged["room_sharing"] = RoomSharing(merged["room_sharing"])
        except ValueError:
            raise DomainError(f"'{merged['room_sharing']}' is not a room-sharing policy.", field="room_sharing")
    if settings is None:
        settings = UnitSettings()
        db.session.add(settings)
    merged.update(name=merged["name"].strip(), timezone=merged["timezone"].strip(),
                  admission_from=start, admission_to=end)
    for field, value in merged.items():
        if value is not None:
            setattr(settings, field, value)
    db.session.flush()
    return settings


# --- rooms, beds and closures -----------------------------------------------------------------------

def _unique_code(model, code: str, noun: str, exclude_id: int | None = None) -> str:
    """Return the stripped code, or raise when it is empty or another row already has it."""
    code = (code or "").strip()
    if not code:
        raise DomainError(f"Give the {noun} a code.", field="code")
    query = select(model).where(func.lower(model.code) == code.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    other = db.session.scalars(query).first()
    if other is not None:
        raise DomainError(f"There is already a {noun} {other.code}.", field="code")
    return code


def _words(values, field: str, what: str) -> list[str]:
    """Return the list stripped and without repeats (first spelling kept), each at most 40 characters."""
    out, seen = [], set()
    for value in values or ():
        value = str(value).strip()
        if len(value) > 40:
            raise DomainError(f"{what} '{value[:40]}…' is longer than 40 characters.", field=field)
        if value and value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out


def _flush_unique(noun: str, code: str) -> None:
    """Flush; a unique-code clash that another request committed meanwhile becomes a field error."""
    try:
        db.session.flush()
    except IntegrityError:
        raise DomainError(f"There is already a {noun} {code}.", field="code")


def create_room(user, code: str, name: str) -> Room:
    """Add a room to the unit."""
    require_manager(user)
    room = Room(code=_unique_code(Room, code, "room"), name=(name or "").strip() or code.strip())
    db.session.add(room)
    _flush_unique("room", room.code)
    return room


def update_room(user, room: Room, code: str, name: str) -> Room:
    """Rename a room or change its code."""
    require_manager(user)
    room.code, room.name = _unique_code(Room, code, "room", room.id), (name or "").strip() or room.name
    _flush_unique("room", room.code)
    return room


def set_room_active(user, room: Room, active: bool) -> Room:
    """Deactivate a room together with its beds, or reactivate the room (its beds stay as they are)."""
    require_manager(user)
    room.active = active
    if not active:
        for bed in room.beds:
            bed.active = False
    db.session.flush()
    return room


def _usable_room(room: Room | None, current: Room | None = None) -> Room:
    if room is None:
        raise DomainError("Choose the bed's room.", field="room")
    if not room.active and room is not current:
        raise DomainError(f"Room {room.code} is deactivated; reactivate it first.", field="room")
    return room


def create_bed(user, room: Room, code: str, features) -> Bed:
    """Add a bed with its features to an active room."""
    require_manager(user)
    bed = Bed(code=_unique_code(Bed, code, "bed"), room=_usable_room(room),
              features=_words(features, "extra_features", "Feature"))
    db.session.add(bed)
    _flush_unique("bed", bed.code)
    return bed


def update_bed(user, bed: Bed, room: Room, code: str, features) -> Bed:
    """Change a bed's code, room or features."""
    require_manager(user)
    code = _unique_code(Bed, code, "bed", bed.id)
    bed.room, bed.code = _usable_room(room, bed.room), code
    bed.features = _words(features, "extra_features", "Feature")
    _flush_unique("bed", bed.code)
    return bed


def set_bed_active(user, bed: Bed, active: bool) -> Bed:
    """Decommission a bed or bring it back (only into an active room)."""
    require_manager(user)
    if active and not bed.room.active:
        raise Conflict(f"Room {bed.room.code} is deactivated; reactivate the room first.")
    bed.active = active
    db.session.flush()
    return bed


def known_bed_features() -> list[str]:
    """Return every feature present on at least one active bed, sorted."""
    found = set()
    for features in db.session.scalars(select(Bed.features).where(Bed.active)):
        found.update(features or ())
    return sorted(found)


def current_closure(bed: Bed, now: datetime | None = None) -> BedClosure | None:
    """Return the closure the bed is in at `now`, if any."""
    now = now or utcnow()
    return next((c for c in bed.closures if c.start <= now and (c.end is None or c.end > now)), None)


def add_closure(user, bed: Bed, reason, start: datetime, end: datetime | None = None,
                note: str | None = None) -> BedClosure:
    """Close a bed from `start` until `end` (None: until further notice)."""
    require_manager(user)
    if start is None:
        raise DomainError("Give the start of the closure.", field="start")
    if end is not None and end <= start:
        raise DomainError("The closure must end after it starts.", field="end")
    closure = BedClosure(bed=bed, reason=ClosureReason(reason), start=start, end=end,
                         note=(note or "").strip() or None)
    db.session.add(closure)
    db.session.flush()
    return closure


def remove_closure(user, closure: BedClosure, now: datetime | None = None) -> None:
    """Delete a closure that has not started yet (a started one is ended instead)."""
    require_manager(user)
    if closure.start <= (now or utcnow()):
        raise Conflict("This closure has already started; end it instead of removing it.")
    db.session.delete(closure)
    db.session.flush()


def end_closure(user, closure: BedClosure, now: datetime | None = None) -> BedClosure:
    """Reopen a closed bed now by ending its current closure."""
    require_manager(user)
    now = now or utcnow()
    if closure.start > now or (closure.end is not None and closure.end <= now):
        raise Conflict("Only a closure in progress can be ended.")
    closure.end = now
    db.session.flush()
    return closure


# --- staff and their leave --------------------------------------------------------------------------

STAFF_LIMITS = {"max_shifts_per_week": (0, 21), "max_minutes_per_week": (0, 7 * 1440),
                "min_rest_minutes": (0, 2 * 1440), "max_consecutive_days": (1, 14)}
STAFF_DEFAULTS = {"max_shifts_per_week": 4, "max_minutes_per_week": 48 * 60, "min_rest_minutes": 11 * 60,
                  "max_consecutive_days": 3}


def _staff_values(name: str, roles, skills, preferred_days_off, limits: dict) -> dict:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the staff member's name.", field="name")
    if set(limits) - set(STAFF_LIMITS):
        raise TypeError(f"not staff limits: {sorted(set(limits) - set(STAFF_LIMITS))}")
    values = {"name": name, "roles": _words(roles, "roles", "Role"), "skills": _words(skills, "skills", "Skill")}
    if not values["roles"]:
        raise DomainError("Give at least one role (e.g. RN).", field="roles")
    days = sorted(set(preferred_days_off or ()))
    if any(d not in range(1, 8) for d in days):
        raise DomainError("Days off are weekdays 1 (Monday) to 7 (Sunday).", field="preferred_days_off")
    values["preferred_days_off"] = days
    for field, (low, high) in STAFF_LIMITS.items():
        values[field] = _check_range(limits.get(field), low, high, field, field.replace("_", " ").capitalize())
    return values


def create_staff(user, code: str, name: str, roles, skills, preferred_days_off=(), **limits) -> StaffMember:
    """Add a staff member with roles, skills, contract limits and preferred days off."""
    require_manager(user)
    limits = STAFF_DEFAULTS | limits
    staff = StaffMember(code=_unique_code(StaffMember, code, "staff member"),
                        **_staff_values(name, roles, skills, preferred_days_off, limits))
    db.session.add(staff)
    _flush_unique("staff member", staff.code)
    return staff


def update_staff(user, staff: StaffMember, code: str, name: str, roles, skills, preferred_days_off=(),
                 **limits) -> StaffMember:
    """Change a staff member's details and limits."""
    require_manager(user)
    limits = {f: getattr(staff, f) for f in STAFF_LIMITS} | limits
    code = _unique_code(StaffMember, code, "staff member", staff.id)
    if code != staff.code and db.session.scalar(select(ScheduleVersion.id).limit(1)):
        # Schedules, rosters and calendar feeds name staff by code.
        raise DomainError("Staff codes cannot change once schedules exist; add a new staff member instead.",
                          field="code")
    values = _staff_values(name, roles, skills, preferred_days_off, limits)
    staff.code = code
    for field, value in values.items():
        setattr(staff, field, value)
    _flush_unique("staff member", staff.code)
    return staff


def set_staff_active(user, staff: StaffMember, active: bool) -> StaffMember:
    """Deactivate a staff member (kept for history) or bring them back."""
    require_manager(user)
    staff.active = active
    db.session.flush()
    return staff


def add_unavailability(user, staff: StaffMember, kind, start: datetime, end: datetime,
                       note: str | None = None) -> StaffUnavailability:
    """Record leave or other time the staff member cannot work, [start, end)."""
    require_manager(user)
    if start is None or end is None:
        raise DomainError("Give the start and the end.", field="start" if start is None else "end")
    if end <= start:
        raise DomainError("The end must be after the start.", field="end")
    entry = StaffUnavailability(staff=staff, kind=UnavailabilityKind(kind), start=start, end=end,
                                note=(note or "").strip() or None)
    db.session.add(entry)
    db.session.flush()
    return entry


def remove_unavailability(user, entry: StaffUnavailability) -> None:
    """Delete a leave or unavailability entry."""
    require_manager(user)
    db.session.delete(entry)
    db.session.flush()


# --- shift patterns and dated shifts ----------------------------------------------------------------

STAFFING_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
STAFFING_MAX = 50


def parse_staffing(spec, field: str = "min_staff") -> dict[str, int]:
    """Return {"RN": 3, "MD": 1} from "RN=3, MD=1" (or a dict), naming the part that is wrong."""
    if isinstance(spec, dict):
        spec = ", ".join(f"{k}={v}" for k, v in spec.items())
    result: dict[str, int] = {}
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        name, eq, number = (s.strip() for s in part.partition("="))
        if not eq or not STAFFING_NAME_RE.match(name):
            raise DomainError(f"'{part}' is not NAME=NUMBER (e.g. RN=3).", field=field)
        if not number.isdigit() or not 1 <= int(number) <= STAFFING_MAX:
            raise DomainError(f"'{part}': the number must be a whole number from 1 to {STAFFING_MAX}.", field=field)
        if name in result:
            raise DomainError(f"'{name}' is given twice.", field=field)
        result[name] = int(number)
    return result


def format_staffing(values: dict | None) -> str:
    """Return "RN=3, MD=1" for {"RN": 3, "MD": 1}."""
    return ", ".join(f"{k}={v}" for k, v in (values or {}).items())


def _pattern_values(name, start_time, end_time, min_staff, min_skill) -> dict:
    values = {"name": (name or "").strip(), "start_time": _check_hm(start_time, "start_time"),
              "end_time": _check_hm(end_time, "end_time"),
              "min_staff": parse_staffing(min_staff, "min_staff"), "min_skill": parse_staffing(min_skill, "min_skill")}
    if not values["name"]:
        raise DomainError("Give the shift a name.", field="name")
    if values["start_time"] == values["end_time"]:
        raise DomainError("A shift cannot end when it starts.", field="end_time")
    return values


def create_pattern(user, code: str, name: str, start_time: str, end_time: str, min_staff, min_skill) -> ShiftPattern:
    """Add a recurring shift (an end before the start means it ends the next day)."""
    require_manager(user)
    code = _unique_code(ShiftPattern, code, "shift pattern")
    pattern = ShiftPattern(code=code, **_pattern_values(name, start_time, end_time, min_staff, min_skill))
    db.session.add(pattern)
    _flush_unique("shift pattern", pattern.code)
    return pattern


def update_pattern(user, pattern: ShiftPattern, code: str, name: str, start_time: str, end_time: str,
                   min_staff, min_skill) -> ShiftPattern:
    """Change a shift pattern; shifts already generated keep their times and staffing."""
    require_manager(user)
    code = _unique_code(ShiftPattern, code, "shift pattern", pattern.id)
    if code != pattern.code and db.session.scalar(select(Shift.id).where(Shift.pattern_id == pattern.id).limit(1)):
        raise DomainError(f"Shifts were generated from {pattern.code}; its code cannot change "
                          "(deactivate it and add a new pattern instead).", field="code")
    values = _pattern_values(name, start_time, end_time, min_staff, min_skill)
    pattern.code = code
    for field, value in values.items():
        setattr(pattern, field, value)
    _flush_unique("shift pattern", pattern.code)
    return pattern


def set_pattern_active(user, pattern: ShiftPattern, active: bool) -> ShiftPattern:
    """Stop (or resume) generating shifts from a pattern; generated shifts stay."""
    require_manager(user)
    pattern.active = active
    db.session.flush()
    return pattern


def nominal_minutes(pattern: ShiftPattern) -> int:
    """Return the pattern's wall-clock length in minutes (a dated shift differs across a clock change)."""
    start, end = _hm(pattern.start_time), _hm(pattern.end_time)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes if minutes > 0 else minutes + 1440


def update_shift_staffing(user, shift: Shift, min_staff, min_skill) -> Shift:
    """Change the minimum staffing of one dated shift."""
    require_manager(user)
    shift.min_staff = parse_staffing(min_staff, "min_staff")
    shift.min_skill = parse_staffing(min_skill, "min_skill")
    db.session.flush()
    return shift


WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)


def parse_iso_week(text: str) -> date:
    """Return the Monday of an ISO week written 2026-W48, or a DomainError on the `week` field."""
    match = WEEK_RE.match((text or "").strip())
    try:
        if match:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        pass
    raise DomainError(f"'{text}' is not an ISO week; write it like 2026-W48.", field="week")


def iso_week(day: date) -> str:
    """Return the ISO week of a day, written 2026-W48."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def shifts_of_week(monday: date, tz: ZoneInfo) -> list[Shift]:
    """Return the dated shifts that start in the local week beginning on `monday`."""
    start = local_instant(monday, "00:00", tz)
    end = local_instant(monday + timedelta(days=7), "00:00", tz)
    query = select(Shift).where(Shift.start >= start, Shift.start < end).order_by(Shift.start, Shift.code)
    return list(db.session.scalars(query))
