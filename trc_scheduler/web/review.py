"""Review one schedule version: week board, staffing board, left-out visits, cost; adjust a draft by hand."""
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Optional

from ..errors import Conflict, DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import ScheduleVersion, VersionStatus
from ..services.adjust import ChangeRejected, apply_change, draft_fingerprint, remove_pin
from ..services.boards import adjust_choices, build_review, week_board_for
from .access import manager_required
from .forms import LocalDateTimeField

bp = Blueprint("review", __name__, url_prefix="/schedules/versions")


class StayForm(FlaskForm):
    """Pin or move a stay: a new bed and/or a new local start."""

    visit = SelectField("Stay", validators=[DataRequired()])
    bed = SelectField("Bed", validators=[Optional()])
    start = LocalDateTimeField("Start (local time)", validators=[Optional()])
    base = HiddenField()


class UnscheduleForm(FlaskForm):
    visit = SelectField("Stay", validators=[DataRequired()])
    base = HiddenField()


class StaffShiftForm(FlaskForm):
    staff = SelectField("Staff member", validators=[DataRequired()])
    shift = SelectField("Shift", validators=[DataRequired()])
    base = HiddenField()


class UnpinForm(FlaskForm):
    kind = HiddenField()
    visit = HiddenField()
    staff = HiddenField()
    shift = HiddenField()


FORMS = {"move_stay": StayForm, "pin_stay": StayForm, "unschedule": UnscheduleForm,
         "shift_on": StaffShiftForm, "shift_off": StaffShiftForm}


def _load(version_id: int) -> ScheduleVersion:
    version = db.session.get(ScheduleVersion, version_id)
    if version is None:
        abort(404)
    return version


def _zone(version: ScheduleVersion) -> ZoneInfo:
    return ZoneInfo(version.instance["unit"]["timezone"])


def _forms(version: ScheduleVersion) -> dict:
    choices, base = adjust_choices(version), draft_fingerprint(version)
    forms = {}
    for action, cls in FORMS.items():
        form = cls(prefix=action)
        for name, options in choices.items():
            if name in form:
                form[name].choices = options
        form.base.data = form.base.data or base
        if request.method == "GET" and "visit" in form and request.args.get("visit"):
            form.visit.data = request.args["visit"]
        forms[action] = form
    return forms


def _link(endpoint: str, **values) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _links(version: ScheduleVersion) -> dict:
    links = {name: _link(f"schedules.{name}", version_id=version.id)
             for name in ("publish", "resolve", "diff", "export_json")}
    links["csv"] = {kind: _link("schedules.export_csv", version_id=version.id, kind=kind)
                    for kind in ("stays", "shifts", "tasks")}
    links["index"] = _link("schedules.index")
    return links


def _render(version: ScheduleVersion, forms=None, status=200, failed=None):
    review = build_review(current_user, version)
    return render_template("review/version.html", r=review, v=version, forms=forms or _forms(version),
                           failed=failed, links=_links(version), editable=version.status == VersionStatus.draft), status


@bp.route("/<int:version_id>")
@manager_required
def version(version_id: int):
    return _render(_load(version_id))


@bp.route("/<int:version_id>/print")
@manager_required
def print_board(version_id: int):
    v = _load(version_id)
    return render_template("review/print.html", v=v, board=week_board_for(current_user, v))


def _change(action: str, form, version: ScheduleVersion) -> dict:
    change = {"action": action, "base": form.base.data}
    for name in ("visit", "bed", "staff", "shift"):
        if name in form:
            change[name] = form[name].data or None
    if "start" in form:
        change["start"] = form.start.utc(_zone(version))
    return change


def _show_refusal(form, err: DomainError) -> None:
    """Roll back and put a refused change's reasons beside its form (on the field when one is named)."""
    db.session.rollback()
    if isinstance(err, ChangeRejected):
        form.form_errors.extend([err.message] + err.violations)
    elif err.field and err.field in form:
        form[err.field].errors = list(form[err.field].errors) + [err.message]
    else:
        form.form_errors.append(err.message)


@bp.route("/<int:version_id>/adjust/<action>", methods=["POST"])
@manager_required
def adjust(version_id: int, action: str):
    v = _load(version_id)
    if action not in FORMS:
        abort(404)
    forms = _forms(v)
    form = forms[action]
    if not form.validate_on_submit():
        return _render(v, forms, 422, failed=action)
    try:
        report = apply_change(current_user, v, _change(action, form, v))
    except (Conflict, NotAllowed, NotFound):
        raise  # the app's handlers: flash and back, 403 or 404
    except DomainError as err:
        _show_refusal(form, err)
        return _render(v, forms, 422, failed=action)
    db.session.commit()
    flash(f"{report.summary} Cost {report.previous_cost} → {report.cost}.", "success")
    return redirect(url_for(".version", version_id=v.id))


@bp.route("/<int:version_id>/unpin", methods=["POST"])
@manager_required
def unpin(version_id: int):
    v = _load(version_id)
    form = UnpinForm(prefix="unpin")
    if not form.validate_on_submit():
        abort(400)
    text = remove_pin(current_user, v, {"visit": form.visit.data, "kind": form.kind.data,
                                        "staff": form.staff.data, "shift": form.shift.data})
    db.session.commit()
    flash(text, "success")
    return redirect(url_for(".version", version_id=v.id) + "#pins")
