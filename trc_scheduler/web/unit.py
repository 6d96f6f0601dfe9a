"""The unit managers' pages: settings, rooms and beds (with closures), staff (with leave) and shifts."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from ..errors import DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import (BED_FEATURES, ROLES, SKILLS, Bed, BedClosure, Room, Shift, ShiftPattern, StaffMember,
                      StaffUnavailability)
from ..models.types import utcnow
from ..services import unit as svc
from .access import manager_required
from .filters import unit_timezone
from .helpers import form_error
from .unit_forms import (BedForm, ClosureForm, GenerateForm, LeaveForm, PatternForm, RoomForm, SettingsForm,
                         StaffForm, StaffingForm, split_known)

bp = Blueprint("unit", __name__, url_prefix="/unit")
VERB = "<any(deactivate, reactivate):verb>"


def _submit(form, template, save, message, target, **context):
    """Validate, call one service, commit once, flash and redirect; re-render with 422 when refused."""
    if form.validate_on_submit():
        try:
            result = save()
        except (NotAllowed, NotFound):
            raise
        except DomainError as err:
            return form_error(form, err, template, **context)
        db.session.commit()
        flash(message(result) if callable(message) else message, "success")
        return redirect(target(result) if callable(target) else target)
    return render_template(template, form=form, **context), (422 if form.is_submitted() else 200)


def _set_active(service, obj, verb: str, label: str, target: str):
    """Deactivate or reactivate a record through its service, then go back to its list."""
    service(current_user, obj, verb == "reactivate")
    db.session.commit()
    flash(f"{label} {verb}d.", "success")
    return redirect(target)


# --- settings ---------------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@manager_required
def settings():
    current = svc.get_settings()
    form = SettingsForm(obj=current)
    if current is None and not form.is_submitted():
        form.timezone.data = current_app.config["UNIT_TIMEZONE"]
        form.name.data = current_app.config["UNIT_NAME"]
    return _submit(form, "unit/settings.html",
                   lambda: svc.save_settings(current_user, {f: form[f].data for f in svc.SETTINGS_FIELDS}),
                   "Unit settings saved.", url_for(".settings"), created=current is None)


# --- rooms and beds ---------------------------------------------------------------------------------

@bp.route("/beds")
@manager_required
def beds():
    rooms = db.session.scalars(select(Room).order_by(Room.active.desc(), Room.code)
                               .options(selectinload(Room.beds).selectinload(Bed.closures))).all()
    now = utcnow()
    return render_template("unit/beds.html", rooms=rooms, now=now,
                           closure_of=lambda bed: svc.current_closure(bed, now))


@bp.route("/rooms/new", methods=["GET", "POST"], defaults={"room_id": None})
@bp.route("/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@manager_required
def room_form(room_id):
    room = db.get_or_404(Room, room_id) if room_id else None
    form = RoomForm(obj=room)
    save = ((lambda: svc.update_room(current_user, room, form.code.data, form.name.data)) if room
            else (lambda: svc.create_room(current_user, form.code.data, form.name.data)))
    return _submit(form, "unit/form.html", save, lambda r: f"Room {r.code} saved.", url_for(".beds"),
                   title=f"Edit room {room.code}" if room else "New room", back=url_for(".beds"))


@bp.route(f"/rooms/<int:room_id>/{VERB}", methods=["POST"])
@manager_required
def room_active(room_id, verb):
    room = db.get_or_404(Room, room_id)
    return _set_active(svc.set_room_active, room, verb, f"Room {room.code}", url_for(".beds"))


def _room_choices(current: Room | None) -> list[SelectChoice]:
    rooms = db.session.scalars(select(Room).order_by(Room.code)).all()
    return [SelectChoice(r.id, f"{r.code} · {r.name}") for r in rooms if r.active or r is current]


@bp.route("/beds/new", methods=["GET", "POST"], defaults={"bed_id": None})
@bp.route("/beds/<int:bed_id>/edit", methods=["GET", "POST"])
@manager_required
def bed_form(bed_id):
    bed = db.get_or_404(Bed, bed_id) if bed_id else None
    known, extra = split_known(bed.features if bed else [], BED_FEATURES)
    form = BedForm(data={"code": bed.code, "room": bed.room_id, "features": known, "extra_features": extra}
                   if bed else {"room": request.args.get("room", type=int)})
    form.room.choices = _room_choices(bed.room if bed else None)

    def save():
        room, features = db.session.get(Room, form.room.data), form.features.data + form.extra_features.data
        if bed:
            return svc.update_bed(current_user, bed, room, form.code.data, features)
        return svc.create_bed(current_user, room, form.code.data, features)
    return _submit(form, "unit/form.html", save, lambda b: f"Bed {b.code} saved.", url_for(".beds"),
                   title=f"Edit bed {bed.code}" if bed else "New bed", back=url_for(".beds"))


@bp.route(f"/beds/<int:bed_id>/{VERB}", methods=["POST"])
@manager_required
def bed_active(bed_id, verb):
    bed = db.get_or_404(Bed, bed_id)
    return _set_active(svc.set_bed_active, bed, verb, f"Bed {bed.code}", url_for(".beds"))


@bp.route("/beds/<int:bed_id>/closures", methods=["GET", "POST"])
@manager_required
def closures(bed_id):
    bed, tz = db.get_or_404(Bed, bed_id), unit_timezone()
    form = ClosureForm()
    save = lambda: svc.add_closure(current_user, bed, form.reason.data, form.start.utc(tz),  # noqa: E731
                                   form.end.utc(tz), form.note.data)
    return _submit(form, "unit/closures.html", save, f"Bed {bed.code} closure added.",
                   url_for(".closures", bed_id=bed.id), bed=bed, now=utcnow())


@bp.route("/closures/<int:closure_id>/<any(remove, end):action>", methods=["POST"])
@manager_required
def closure_action(closure_id, action):
    closure = db.get_or_404(BedClosure, closure_id)
    bed_id, code = closure.bed_id, closure.bed.code
    if action == "remove":
        svc.remove_closure(current_user, closure)
    else:
        svc.end_closure(current_user, closure)
    db.session.commit()
    flash(f"Bed {code}: closure {'removed' if action == 'remove' else 'ended now'}.", "success")
    return redirect(url_for(".closures", bed_id=bed_id))


# --- staff and leave --------------------------------------------------------------------------------

@bp.route("/staff")
@manager_required
def staff():
    members = db.session.scalars(select(StaffMember).order_by(StaffMember.active.desc(), StaffMember.code)
                                 .options(selectinload(StaffMember.unavailability))).all()
    return render_template("unit/staff.html", members=members, now=utcnow())


def _staff_data(member: StaffMember) -> dict:
    roles, extra_roles = split_known(member.roles, ROLES)
    skills, extra_skills = split_known(member.skills, SKILLS)
    data = {f: getattr(member, f) for f in ("code", "name", "preferred_days_off", *svc.STAFF_LIMITS)}
    return data | {"roles": roles, "extra_roles": extra_roles, "skills": skills, "extra_skills": extra_skills}


@bp.route("/staff/new", methods=["GET", "POST"], defaults={"staff_id": None})
@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@manager_required
def staff_form(staff_id):
    member = db.get_or_404(StaffMember, staff_id) if staff_id else None
    form = StaffForm(data=_staff_data(member) if member else None)

    def save():
        args = dict(code=form.code.data, name=form.name.data, roles=form.roles.data + form.extra_roles.data,
                    skills=form.skills.data + form.extra_skills.data,
                    preferred_days_off=form.preferred_days_off.data,
                    **{f: form[f].data for f in svc.STAFF_LIMITS})
        return svc.update_staff(current_user, member, **args) if member else svc.create_staff(current_user, **args)
    return _submit(form, "unit/form.html", save, lambda m: f"Staff member {m.code} saved.", url_for(".staff"),
                   title=f"Edit staff member {member.code}" if member else "New staff member",
                   back=url_for(".staff"))


@bp.route(f"/staff/<int:staff_id>/{VERB}", methods=["POST"])
@manager_required
def staff_active(staff_id, verb):
    member = db.get_or_404(StaffMember, staff_id)
    return _set_active(svc.set_staff_active, member, verb, f"Staff member {member.code}", url_for(".staff"))


@bp.route("/staff/<int:staff_id>/leave", methods=["GET", "POST"])
@manager_required
def leave(staff_id):
    member, tz = db.get_or_404(StaffMember, staff_id), unit_timezone()
    form = LeaveForm()
    save = lambda: svc.add_unavailability(current_user, member, form.kind.data, form.start.utc(tz),  # noqa: E731
                                          form.end.utc(tz), form.note.data)
    return _submit(form, "unit/leave.html", save, f"Unavailability of {member.code} added.",
                   url_for(".leave", staff_id=member.id), member=member)


@bp.route("/leave/<int:entry_id>/remove", methods=["POST"])
@manager_required
def leave_remove(entry_id):
    entry = db.get_or_404(StaffUnavailability, entry_id)
    staff_id, code = entry.staff_id, entry.staff.code
    svc.remove_unavailability(current_user, entry)
    db.session.commit()
    flash(f"Unavailability of {code} removed.", "success")
    return redirect(url_for(".leave", staff_id=staff_id))


# --- shift patterns and dated shifts ----------------------------------------------------------------

def _week_context(week: str | None) -> dict:
    """Return what the shifts page shows for an ISO week (default: this week in the unit's zone)."""
    tz = unit_timezone()
    try:
        monday = svc.parse_iso_week(week) if week else None
    except DomainError as err:
        flash(err.message, "warning")
        monday = None
    if monday is None:
        today = utcnow().astimezone(tz).date()
        monday = today - timedelta(days=today.weekday())
    patterns = db.session.scalars(select(ShiftPattern).order_by(ShiftPattern.active.desc(),
                                                                ShiftPattern.start_time)).all()
    return {"week": svc.iso_week(monday), "monday": monday, "shifts": svc.shifts_of_week(monday, tz),
            "prev_week": svc.iso_week(monday - timedelta(days=7)), "patterns": patterns,
            "next_week": svc.iso_week(monday + timedelta(days=7)), "staffing": svc.format_staffing,
            "nominal": svc.nominal_minutes}


@bp.route("/shifts")
@manager_required
def shifts():
    context = _week_context(request.args.get("week"))
    form = GenerateForm(data={"first_day": context["monday"], "days": 7})
    return render_template("unit/shifts.html", form=form, **context)


@bp.route("/shifts/generate", methods=["POST"])
@manager_required
def generate():
    form = GenerateForm()
    return _submit(form, "unit/shifts.html",
                   lambda: svc.generate_shifts(current_user, form.first_day.data, form.days.data),
                   lambda made: f"{len(made)} shifts generated (existing ones kept).",
                   lambda made: url_for(".shifts", week=svc.iso_week(form.first_day.data)),
                   **_week_context(request.args.get("week")))


@bp.route("/shifts/patterns/new", methods=["GET", "POST"], defaults={"pattern_id": None})
@bp.route("/shifts/patterns/<int:pattern_id>/edit", methods=["GET", "POST"])
@manager_required
def pattern_form(pattern_id):
    pattern = db.get_or_404(ShiftPattern, pattern_id) if pattern_id else None
    form = PatternForm(data={f: getattr(pattern, f) for f in ("code", "name", "start_time", "end_time")} | {
        "min_staff": svc.format_staffing(pattern.min_staff), "min_skill": svc.format_staffing(pattern.min_skill)}
        if pattern else None)

    def save():
        args = [form[f].data for f in ("code", "name", "start_time", "end_time", "min_staff", "min_skill")]
        return svc.update_pattern(current_user, pattern, *args) if pattern else svc.create_pattern(current_user, *args)
    return _submit(form, "unit/form.html", save,
                   lambda p: f"Shift pattern {p.code} saved; it applies to shifts generated from now on.",
                   url_for(".shifts"), title=f"Edit shift pattern {pattern.code}" if pattern else "New shift pattern",
                   back=url_for(".shifts"))


@bp.route(f"/shifts/patterns/<int:pattern_id>/{VERB}", methods=["POST"])
@manager_required
def pattern_active(pattern_id, verb):
    pattern = db.get_or_404(ShiftPattern, pattern_id)
    return _set_active(svc.set_pattern_active, pattern, verb, f"Shift pattern {pattern.code}", url_for(".shifts"))


@bp.route("/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@manager_required
def shift_form(shift_id):
    shift = db.get_or_404(Shift, shift_id)
    form = StaffingForm(data={"min_staff": svc.format_staffing(shift.min_staff),
                              "min_skill": svc.format_staffing(shift.min_skill)})
    week = svc.iso_week(shift.start.astimezone(unit_timezone()).date())
    return _submit(form, "unit/form.html",
                   lambda: svc.update_shift_staffing(current_user, shift, form.min_staff.data, form.min_skill.data),
                   f"Shift {shift.code} staffing saved.", url_for(".shifts", week=week),
                   title=f"Staffing of shift {shift.code}", back=url_for(".shifts", week=week), shift=shift)
