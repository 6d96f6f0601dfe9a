"""Pages of a study's visit templates, their nursing segments and timed tasks (routes on the `studies` blueprint)."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ..errors import Conflict, DomainError
from ..extensions import db
from ..models import NursingSegment, TemplateTask
from ..services import studies_templates as svc
from ..services.studies import get_study_for
from .access import staff_required
from .studies import bp, page, refuse
from .studies_forms import SegmentForm, TaskForm, TemplateForm, options

T = "/<int:study_id>/templates/<int:template_id>"


def _template_form(template=None) -> TemplateForm:
    form = TemplateForm(obj=template)
    form.bed_features.choices = options(svc.feature_choices())
    if template is not None and not form.is_submitted():
        form.load(template)
    return form


def _back(template):
    return redirect(url_for(".template_detail", study_id=template.study_id, template_id=template.id))


@bp.route("/<int:study_id>/templates/new", methods=["GET", "POST"])
@staff_required
def new_template(study_id: int):
    study = get_study_for(current_user, study_id, edit=True)
    form = _template_form()
    if form.validate_on_submit():
        try:
            template = svc.add_template(current_user, study.id, **form.values())
        except DomainError as err:
            return refuse(form, err, "studies/template_form.html", study=study, template=None)
        db.session.commit()
        flash(f"Visit template '{template.name}' created; add its nursing segments and tasks.", "success")
        return _back(template)
    return page("studies/template_form.html", form, study=study, template=None)


@bp.route(T)
@staff_required
def template_detail(study_id: int, template_id: int):
    template = svc.get_template_for(current_user, study_id, template_id)
    return render_template("studies/template_detail.html", study=template.study, template=template,
                           can_edit=template.study.can_edit(current_user))


@bp.route(T + "/edit", methods=["GET", "POST"])
@staff_required
def edit_template(study_id: int, template_id: int):
    template = svc.get_template_for(current_user, study_id, template_id, edit=True)
    form = _template_form(template)
    if form.validate_on_submit():
        try:
            svc.update_template(current_user, study_id, template.id, **form.values())
        except DomainError as err:
            return refuse(form, err, "studies/template_form.html", study=template.study, template=template)
        db.session.commit()
        flash(f"Visit template '{template.name}' saved.", "success")
        return _back(template)
    return page("studies/template_form.html", form, study=template.study, template=template)


def _part_page(study_id, template_id, kind, part_id=None):
    """Add (part_id None) or edit a segment or a task of a template: one flow for both kinds."""
    template = svc.get_template_for(current_user, study_id, template_id, edit=True)
    model, form_cls = (NursingSegment, SegmentForm) if kind == "segment" else (TemplateTask, TaskForm)
    part = svc.get_part(model, template, part_id) if part_id else None
    form = form_cls(obj=part)
    context = dict(study=template.study, template=template, kind=kind, part=part)
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            if part is None:
                getattr(svc, f"add_{kind}")(current_user, study_id, template.id, **values)
            else:
                getattr(svc, f"update_{kind}")(current_user, study_id, template.id, part.id, **values)
        except DomainError as err:
            return refuse(form, err, "studies/part_form.html", **context)
        db.session.commit()
        flash(f"{'Nursing segment' if kind == 'segment' else 'Task'} saved.", "success")
        return _back(template)
    return page("studies/part_form.html", form, **context)


@bp.route(T + "/segments/new", methods=["GET", "POST"])
@staff_required
def new_segment(study_id: int, template_id: int):
    return _part_page(study_id, template_id, "segment")


@bp.route(T + "/segments/<int:part_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_segment(study_id: int, template_id: int, part_id: int):
    return _part_page(study_id, template_id, "segment", part_id)


@bp.route(T + "/tasks/new", methods=["GET", "POST"])
@staff_required
def new_task(study_id: int, template_id: int):
    return _part_page(study_id, template_id, "task")


@bp.route(T + "/tasks/<int:part_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_task(study_id: int, template_id: int, part_id: int):
    return _part_page(study_id, template_id, "task", part_id)


@bp.route(T + "/<any(segments, tasks):kind>/<int:part_id>/remove", methods=["POST"])
@staff_required
def remove_part(study_id: int, template_id: int, kind: str, part_id: int):
    template = svc.get_template_for(current_user, study_id, template_id, edit=True)
    try:
        getattr(svc, "remove_segment" if kind == "segments" else "remove_task")(current_user, study_id,
                                                                                  template.id, part_id)
    except Conflict as err:
        db.session.rollback()
        flash(err.message, "danger")
        return _back(template)
    db.session.commit()
    flash("Nursing segment removed." if kind == "segments" else "Task removed.", "info")
    return _back(template)
