"""A staff member's published shifts as an iCalendar feed (RFC 5545), and secret subscription tokens.

The feed holds shift times and the unit's name only: never participants, studies or tasks, because
calendar apps sync it to phones and cloud services outside the unit.
"""
import hashlib
import secrets
from datetime import date, datetime, timedelta

import icalendar
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import CalendarToken, StaffMember
from ..models.types import utcnow
from .roster import iso_week, published_weeks

FEED_PAST_DAYS = 60
PRODID = "-//TRC Scheduler//Roster feed//EN"


def hash_token(token: str) -> str:
    """Return the sha256 hex digest under which a feed token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_shifts(staff_code: str, now: datetime) -> list:
    """Return [(week, shift)] the staff member works in published weeks from 60 days ago on."""
    since = iso_week((now - timedelta(days=FEED_PAST_DAYS)).date())
    seen = {}
    for pw in published_weeks(since=since):
        for shift in pw.shifts:
            if staff_code in pw.working.get(shift.id, []) and (shift.id not in seen or pw.owns(shift)):
                seen[shift.id] = (pw, shift)
    return sorted(seen.values(), key=lambda item: item[1].start)


def build_feed(staff_code: str, items: list, calendar_name: str = "TRC shifts") -> bytes:
    """Return the iCalendar bytes of the shifts: one VEVENT per shift, local times with a VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for pw, shift in items:
        event = icalendar.Event()
        event.add("uid", f"{shift.id}-{staff_code}@trc-scheduler")
        # Stamps come from the publication, so two downloads of an unchanged schedule are identical.
        stamp = pw.version.published_at or pw.version.created_at
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        # RFC 5545 3.8.7.4: a revised event carries a higher SEQUENCE, so calendar apps replace
        # their copy; the week's publication number (1, 2, 3 ...) only grows.
        event.add("sequence", max(0, (pw.version.number or 1) - 1))
        event.add("summary", f"{shift.name} shift – {pw.unit_name}")
        event.add("dtstart", shift.start.astimezone(pw.tz))
        event.add("dtend", shift.end.astimezone(pw.tz))
        event.add("location", pw.unit_name)
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    if items:
        first = items[0][1].start.date() - timedelta(days=366)
        last = items[-1][1].end.date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    else:
        cal.add_missing_timezones(first_date=date.today().replace(month=1, day=1))
    return cal.to_ical()


def feed_for_staff(staff: StaffMember, now: datetime | None = None) -> bytes:
    """Return the calendar feed of a staff member's published shifts."""
    return build_feed(staff.code, feed_shifts(staff.code, now or utcnow()))


def my_feed(user, now: datetime | None = None) -> bytes:
    """Return the signed-in user's own feed (an empty calendar when they have no staff record)."""
    if user.staff is None:
        return build_feed("", [])
    return feed_for_staff(user.staff, now)


def active_tokens(user) -> list[CalendarToken]:
    """Return the user's live (not revoked) feed tokens."""
    if user.staff is None:
        return []
    return list(db.session.scalars(select(CalendarToken).where(
        CalendarToken.staff_id == user.staff.id, CalendarToken.revoked_at.is_(None)).order_by(CalendarToken.id)))


def revoke_calendar_tokens(user) -> int:
    """Revoke every live feed token of the user's staff record; return how many."""
    tokens = active_tokens(user)
    for token in tokens:
        token.revoked_at = utcnow()
    db.session.flush()
    return len(tokens)


def create_calendar_token(user) -> str:
    """Replace the user's feed token by a new one and return the secret (only its hash is kept)."""
    if user.staff is None:
        raise NotFound("Your account is not linked to a staff member, so you have no shifts.")
    revoke_calendar_tokens(user)
    secret = secrets.token_urlsafe(32)
    db.session.add(CalendarToken(staff_id=user.staff.id, token_hash=hash_token(secret)))
    db.session.flush()
    return secret


def staff_for_token(secret: str) -> StaffMember:
    """Return the active staff member of a live token (NotFound for unknown or revoked tokens)."""
    token = db.session.scalars(select(CalendarToken).where(
        CalendarToken.token_hash == hash_token(secret), CalendarToken.revoked_at.is_(None))).first()
    staff = db.session.get(StaffMember, token.staff_id) if token else None
    if staff is None or not staff.active:
        raise NotFound("No such calendar feed.")
    return staff
