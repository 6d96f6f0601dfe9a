"""Pages of the studies area: studies, their team and participants (templates and visits in sibling modules)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..errors import DomainError
from ..extensions import db
from ..models import VisitStatus
from ..services import studies as svc
from ..services.studies_visits import study_visits
from .access import roles_required, staff_required
from .helpers import form_error
from .studies_forms import MemberForm, ParticipantForm, StudyForm

bp = Blueprint("studies", __name__, url_prefix="/studies")


def page(page_name: str, form=None, **context):
    """Render a page; a submitted form that did not validate gets status 422 (nothing saved)."""
    status = 422 if form is not None and form.is_submitted() and form.errors else 200
    return render_template(page_name, form=form, **context), status


def refuse(form, err: DomainError, page_name: str, **context):
    """Show a domain error beside its field with 422 (see helpers.form_error)."""
    return form_error(form, err, page_name, **context)


def fmt_minutes(minutes: int | None) -> str:
    """Write a number of minutes as '2 d 4 h 30 min'."""
    if minutes is None:
        return ""
    days, rest = divmod(int(minutes), 1440)
    parts = [(days, "d"), (rest // 60, "h"), (rest % 60, "min")]
    return " ".join(f"{n} {unit}" for n, unit in parts if n) or "0 min"


@bp.context_processor
def _helpers():
    return {"fmt_minutes": fmt_minutes, "can_manage_team": svc.can_manage_team}


def _study_form(study=None) -> StudyForm:
    form = StudyForm(obj=study)
    if current_user.is_manager:
        people = svc.active_investigators()
        if study is not None and study.pi is not None and study.pi not in people:
            people.append(study.pi)
        form.pi_id.choices = [SelectChoice(0, "— choose an investigator —")] + [
            SelectChoice(u.id, f"{u.display_name} ({u.email})") for u in people]
    else:
        del form.pi_id  # an investigator creating a study becomes its PI; only managers change PIs
    return form


def _values(form, *exclude) -> dict:
    return {k: v for k, v in form.data.items() if k not in ("csrf_token", *exclude)}


@bp.route("/")
@staff_required
def index():
    return render_template("studies/index.html", studies=svc.visible_studies(current_user),
                           can_create=svc.can_create_study(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin", "manager", "investigator")
def new():
    form = _study_form()
    if form.validate_on_submit():
        try:
            study = svc.create_study(current_user, **_values(form))
        except DomainError as err:
            return refuse(form, err, "studies/study_form.html", study=None)
        db.session.commit()
        flash(f"Study {study.code} created.", "success")
        return redirect(url_for(".detail", study_id=study.id))
    return page("studies/study_form.html", form, study=None)


@bp.route("/<int:study_id>")
@staff_required
def detail(study_id: int):
    study = svc.get_study_for(current_user, study_id)
    visits = study_visits(current_user, study.id)
    counts = {s: sum(1 for v in visits if v.status == s) for s in VisitStatus}
    return render_template("studies/detail.html", study=study, counts=counts,
                           can_edit=study.can_edit(current_user), visits=visits[:10])


@bp.route("/<int:study_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(study_id: int):
    study = svc.get_study_for(current_user, study_id, edit=True)
    form = _study_form(study)
    if form.validate_on_submit():
        try:
            svc.update_study(current_user, study.id, **_values(form))
        except DomainError as err:
            return refuse(form, err, "studies/study_form.html", study=study)
        db.session.commit()
        flash(f"Study {study.code} saved.", "success")
        return redirect(url_for(".detail", study_id=study.id))
    return page("studies/study_form.html", form, study=study)


@bp.route("/<int:study_id>/close", methods=["POST"])
@staff_required
def close(study_id: int):
    study = svc.close_study(current_user, study_id)
    db.session.commit()
    flash(f"Study {study.code} closed; its records are kept.", "info")
    return redirect(url_for(".detail", study_id=study.id))


@bp.route("/<int:study_id>/team", methods=["GET", "POST"])
@staff_required
def team(study_id: int):
    study = svc.get_team_study_for(current_user, study_id)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            member = svc.add_member(current_user, study.id, form.email.data, form.role.data)
        except DomainError as err:
            return refuse(form, err, "studies/team.html", study=study)
        db.session.commit()
        flash(f"{member.user.display_name} added to the team.", "success")
        return redirect(url_for(".team", study_id=study.id))
    return page("studies/team.html", form, study=study)


@bp.route("/<int:study_id>/team/<int:member_id>/remove", methods=["POST"])
@staff_required
def remove_member(study_id: int, member_id: int):
    removed = svc.remove_member(current_user, study_id, member_id)
    db.session.commit()
    flash(f"{removed.display_name} removed from the team.", "info")
    return redirect(url_for(".team", study_id=study_id))


@bp.route("/<int:study_id>/participants/new", methods=["GET", "POST"])
@staff_required
def new_participant(study_id: int):
    study = svc.get_study_for(current_user, study_id, edit=True)
    form = ParticipantForm()
    if form.validate_on_submit():
        try:
            participant = svc.add_participant(current_user, study.id, **_values(form))
        except DomainError as err:
            return refuse(form, err, "studies/participant_form.html", study=study, participant=None)
        db.session.commit()
        flash(f"Participant {participant.code} added.", "success")
        return redirect(url_for(".detail", study_id=study.id, _anchor="participants"))
    return page("studies/participant_form.html", form, study=study, participant=None)


@bp.route("/<int:study_id>/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_participant(study_id: int, participant_id: int):
    participant = svc.get_participant_for(current_user, study_id, participant_id, edit=True)
    study, form = participant.study, ParticipantForm(obj=participant)
    if form.validate_on_submit():
        try:
            svc.update_participant(current_user, study.id, participant.id, **_values(form))
        except DomainError as err:
            return refuse(form, err, "studies/participant_form.html", study=study, participant=participant)
        db.session.commit()
        flash(f"Participant {participant.code} saved.", "success")
        return redirect(url_for(".detail", study_id=study.id, _anchor="participants"))
    return page("studies/participant_form.html", form, study=study, participant=participant)


# The template and visit pages attach their routes to `bp`.
from . import studies_templates, studies_visits  # noqa: E402,F401
