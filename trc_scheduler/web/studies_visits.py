"""Pages of a study's visit requests and the precedences between them (routes on the `studies` blueprint)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..errors import Conflict, DomainError
from ..extensions import db
from ..models import ParticipantStatus, VisitStatus
from ..services import studies_visits as svc
from ..services.studies import get_study_for
from .access import staff_required
from .filters import local, unit_timezone
from .studies import bp, page, refuse
from .studies_forms import PrecedenceForm, VisitForm

V = "/<int:study_id>/visits/<int:visit_id>"


def _visit_form(study, visit=None) -> VisitForm:
    form = VisitForm(obj=visit)
    form.participant_id.choices = [SelectChoice(p.id, f"{p.code} ({p.sex.value}, {p.age_group.value})")
                                   for p in study.participants
                                   if p.status not in (ParticipantStatus.withdrawn, ParticipantStatus.completed)]
    form.template_id.choices = [SelectChoice(t.id, f"{t.name} · {t.window_days_before} d before / "
                                             f"{t.window_days_after} d after")
                                for t in study.templates if t.active]
    if visit is not None:
        # Participant and template are fixed once requested: cancel and request again to change them.
        del form.participant_id, form.template_id
        if not form.is_submitted():
            tz = unit_timezone()
            for name in ("target_start", "earliest_start", "latest_start"):
                form[name].set_utc(getattr(visit, name), tz)
    return form


@bp.route("/<int:study_id>/visits")
@staff_required
def visits(study_id: int):
    study = get_study_for(current_user, study_id)
    status = request.args.get("status")
    status = status if status in VisitStatus.__members__ else None
    return render_template("studies/visits.html", study=study, status=status,
                           visits=svc.study_visits(current_user, study.id, VisitStatus(status) if status else None),
                           precedences=svc.study_precedences(study.id), statuses=list(VisitStatus),
                           can_edit=study.can_edit(current_user))


@bp.route("/<int:study_id>/visits/new", methods=["GET", "POST"])
@staff_required
def new_visit(study_id: int):
    study = get_study_for(current_user, study_id, edit=True)
    form = _visit_form(study)
    if form.validate_on_submit():
        tz = unit_timezone()
        try:
            visit = svc.create_visit(current_user, study.id, form.participant_id.data, form.template_id.data,
                                     tz, **form.values(tz))
        except DomainError as err:
            return refuse(form, err, "studies/visit_form.html", study=study, visit=None)
        db.session.commit()
        flash(f"Visit request #{visit.id} submitted; a unit manager approves it.", "success")
        return redirect(url_for(".visit_detail", study_id=study.id, visit_id=visit.id))
    return page("studies/visit_form.html", form, study=study, visit=None)


@bp.route(V)
@staff_required
def visit_detail(study_id: int, visit_id: int):
    visit = svc.get_visit_for(current_user, study_id, visit_id)
    links = [p for p in svc.study_precedences(visit.study_id) if visit.id in (p.before_id, p.after_id)]
    return render_template("studies/visit_detail.html", study=visit.study, visit=visit, precedences=links,
                           can_edit=visit.study.can_edit(current_user))


@bp.route(V + "/edit", methods=["GET", "POST"])
@staff_required
def edit_visit(study_id: int, visit_id: int):
    visit = svc.get_visit_for(current_user, study_id, visit_id, edit=True)
    if visit.status not in svc.OPEN_STATUSES:
        flash(f"A {visit.status.value} visit request cannot be changed.", "warning")
        return redirect(url_for(".visit_detail", study_id=study_id, visit_id=visit.id))
    form = _visit_form(visit.study, visit)
    if form.validate_on_submit():
        tz = unit_timezone()
        was = visit.status
        try:
            svc.update_visit(current_user, study_id, visit.id, tz, **form.values(tz))
        except DomainError as err:
            return refuse(form, err, "studies/visit_form.html", study=visit.study, visit=visit)
        db.session.commit()
        again = was == VisitStatus.approved and visit.status == VisitStatus.requested
        flash(f"Visit request #{visit.id} saved" + ("; it needs approval again." if again else "."), "success")
        return redirect(url_for(".visit_detail", study_id=study_id, visit_id=visit.id))
    return page("studies/visit_form.html", form, study=visit.study, visit=visit)


@bp.route(V + "/<any(approve, cancel):action>", methods=["POST"])
@staff_required
def visit_action(study_id: int, visit_id: int, action: str):
    try:
        visit = getattr(svc, f"{action}_visit")(current_user, study_id, visit_id)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for(".visit_detail", study_id=study_id, visit_id=visit_id))
    db.session.commit()
    flash(f"Visit request #{visit.id} {visit.status.value}.", "success" if action == "approve" else "info")
    back = request.form.get("next", "")
    if not (back.startswith("/studies/") and "//" not in back):
        back = url_for(".visit_detail", study_id=study_id, visit_id=visit_id)
    return redirect(back)


@bp.route("/<int:study_id>/precedences/new", methods=["GET", "POST"])
@staff_required
def new_precedence(study_id: int):
    study = get_study_for(current_user, study_id, edit=True)
    open_visits = [v for v in svc.study_visits(current_user, study.id) if v.status != VisitStatus.cancelled]
    form = PrecedenceForm()
    choices = [SelectChoice(v.id, f"#{v.id} {v.participant.code} · {v.display_label} · {local(v.target_start)}")
               for v in open_visits]
    form.before_id.choices = form.after_id.choices = choices
    context = dict(study=study, visits=open_visits, anchors=sorted({a for v in open_visits for a in svc.anchors_of(v)}))
    if form.validate_on_submit():
        try:
            svc.add_precedence(current_user, study.id, **form.values())
        except DomainError as err:
            return refuse(form, err, "studies/precedence_form.html", **context)
        db.session.commit()
        flash("Precedence added.", "success")
        return redirect(url_for(".visits", study_id=study.id, _anchor="precedences"))
    return page("studies/precedence_form.html", form, **context)


@bp.route("/<int:study_id>/precedences/<int:precedence_id>/remove", methods=["POST"])
@staff_required
def remove_precedence(study_id: int, precedence_id: int):
    svc.remove_precedence(current_user, study_id, precedence_id)
    db.session.commit()
    flash("Precedence removed.", "info")
    return redirect(url_for(".visits", study_id=study_id, _anchor="precedences"))
