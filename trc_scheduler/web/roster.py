"""The ward's pages: the roster of a shift, my schedule, and my shifts as a calendar feed."""
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import ScheduleWeek
from ..models.types import utcnow
from ..services import calendar, roster
from .access import staff_required
from .filters import unit_timezone

bp = Blueprint("roster", __name__, url_prefix="/roster")


def _now() -> datetime:
    """Return the current instant, or the `?now=` override (local when it has no offset)."""
    raw = request.args.get("now")
    if not raw:
        return utcnow()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, "now must be an ISO 8601 date-time.")
    return value if value.tzinfo else value.replace(tzinfo=unit_timezone())


def _render_shift(found, now: datetime):
    pw, shift = found
    data = roster.shift_roster(current_user, pw, shift, now)
    notice = roster.republished_notice(current_user, pw, shift, request.args.get("seen", type=int))
    prev_shift, next_shift = roster.adjacent_shifts(shift)
    return render_template("roster/shift.html", r=data, notice=notice, prev_shift=prev_shift,
                           next_shift=next_shift, poll_seconds=current_app.config.get("ROSTER_POLL_SECONDS", 60))


@bp.route("/")
@staff_required
def today():
    now = _now()
    found = roster.shift_at(now, unit_timezone())
    if found is None:
        upcoming = roster.next_published_shift(now, unit_timezone())
        return render_template("roster/none.html", upcoming=upcoming, now=now)
    return _render_shift(found, now)


@bp.route("/<shift_code>")
@staff_required
def shift(shift_code: str):
    found = roster.find_shift(shift_code)
    if found is None:
        planned = roster.unpublished_shift(shift_code)
        if planned is None:
            abort(404, f"No shift {shift_code}.")
        return render_template("roster/unpublished.html", shift=planned)
    return _render_shift(found, _now())


@bp.route("/version")
@staff_required
def version():
    """Tell the page's poll which version of a week is published (and, with since & shift, what changed)."""
    label = request.args.get("week", "")
    week = db.session.scalars(select(ScheduleWeek).where(ScheduleWeek.week == label)).first()
    pv = week.published_version if week else None
    if pv is None:
        return {"week": label, "version_id": None, "number": None, "published_at": None, "changes": []}
    body = {"week": week.week, "version_id": pv.id, "number": pv.number,
            "published_at": pv.published_at.isoformat() if pv.published_at else None, "changes": []}
    found = roster.find_shift(request.args.get("shift", ""))
    since = request.args.get("since", type=int)
    if found and found[0].version.id == pv.id and since:
        notice = roster.republished_notice(current_user, found[0], found[1], since)
        body["changes"] = notice["changes"] if notice else []
    return body


@bp.route("/me")
@staff_required
def mine():
    shifts = roster.my_shifts(current_user, _now())
    return render_template("roster/mine.html", shifts=shifts)


@bp.route("/me.ics")
@login_required
def my_ics():
    return _ics(calendar.my_feed(current_user), "my-shifts.ics")


@bp.route("/calendar", methods=["GET", "POST"])
@staff_required
def calendar_page():
    """Show the subscription state; POST makes a new secret link and shows it once (never stored)."""
    feed_url = None
    if request.method == "POST":
        secret = calendar.create_calendar_token(current_user)
        db.session.commit()
        feed_url = url_for("roster.feed", token=secret, _external=True)
    tokens = calendar.active_tokens(current_user)
    return render_template("roster/calendar.html", feed_url=feed_url, tokens=tokens)


@bp.route("/calendar/revoke", methods=["POST"])
@staff_required
def revoke():
    count = calendar.revoke_calendar_tokens(current_user)
    db.session.commit()
    flash("Your calendar link was revoked." if count else "You had no calendar link.", "success")
    return redirect(url_for("roster.calendar_page"))


@bp.route("/feed/<token>.ics")
def feed(token: str):
    return _ics(calendar.feed_for_staff(calendar.staff_for_token(token)), "trc-shifts.ics")


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
