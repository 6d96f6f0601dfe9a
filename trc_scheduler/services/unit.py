"""Use cases of the unit: settings, rooms, beds, closures, staff, leave and the shift roster rows."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ..errors import Conflict, DomainError, NotAllowed
from ..extensions import db
from ..models import Shift, ShiftPattern, UnitSettings


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
