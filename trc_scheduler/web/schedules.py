"""Pages of the schedules area: generate a week, follow the solve, review the diff, publish, export."""
import json
from datetime import datetime, timedelta

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FloatField, StringField
from wtforms.validators import InputRequired, NumberRange, Regexp
from wtforms.widgets import WeekInput

from ..errors import DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import JobStatus
from ..services import schedules as svc
from ..services import schedules_jobs as jobs
from ..services.diff import is_empty
from ..services.schedules_export import export_csv, export_document
from ..tasks import enqueue_solve
from .access import manager_required
from .filters import local, unit_timezone
from .helpers import form_error

bp = Blueprint("schedules", __name__, url_prefix="/schedules")
FINISHED = (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


class GenerateForm(FlaskForm):
    week = StringField("Week", validators=[InputRequired(), Regexp(r"^\d{4}-W\d{2}$", message="Write a week like 2026-W48.")],
                       widget=WeekInput(), description="ISO week, e.g. 2026-W48.")
    time_limit_s = FloatField("Time limit (seconds)", validators=[
        InputRequired(), NumberRange(min=svc.MIN_TIME_LIMIT_S, max=svc.MAX_TIME_LIMIT_S)],
        description="The solver keeps improving the schedule until this limit, then keeps the best.")


def version_url(version_id: int) -> str:
    """Return the review page of a version when that area is installed, else the summary page."""
    if "review.version" in current_app.view_functions:
        return url_for("review.version", version_id=version_id)
    return url_for("schedules.version", version_id=version_id)


@bp.context_processor
def _helpers():
    return {"version_url": version_url, "FINISHED": FINISHED}


def _weeks() -> list[str]:
    return svc.weeks_to_show(datetime.now(unit_timezone()).date())


def _index(form, status=200):
    weeks = svc.week_overview(_weeks())
    return render_template("schedules/index.html", form=form, weeks=weeks, jobs=svc.recent_jobs()), status


def _generate_form() -> GenerateForm:
    form = GenerateForm()
    if not form.is_submitted():
        next_week = datetime.now(unit_timezone()).date() + timedelta(weeks=1)
        form.week.data = request.args.get("week") or svc.iso_week(next_week)
        form.time_limit_s.data = current_app.config["SOLVER_TIME_LIMIT_S"]
    return form


def _queue(job):
    db.session.commit()
    try:
        enqueue_solve(job.id, current_app.config)
    except Exception:  # the queue is down: free the week instead of leaving it claimed
        current_app.logger.exception("could not queue solve job %s", job.id)
        db.session.rollback()
        jobs.fail_job(job.id, "The solve queue could not be reached; nothing was started. Try again.")
        db.session.commit()
        flash("The solve queue could not be reached; nothing was started.", "danger")
    return redirect(url_for(".job", job_id=job.id))


@bp.route("/")
@manager_required
def index():
    svc.fail_stale_jobs()
    db.session.commit()
    return _index(_generate_form())


@bp.route("/generate", methods=["POST"])
@manager_required
def generate():
    form = _generate_form()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        job = svc.start_solve(current_user, form.week.data, form.time_limit_s.data)
    except DomainError as err:
        if isinstance(err, (NotFound, NotAllowed)):
            raise
        page, status = form_error(form, err, "schedules/index.html", weeks=svc.week_overview(_weeks()),
                                  jobs=svc.recent_jobs())
        return page, (err.status if err.status == 409 else status)
    return _queue(job)


@bp.route("/jobs/<int:job_id>")
@manager_required
def job(job_id: int):
    svc.fail_stale_jobs()
    db.session.commit()
    job = svc.get_job(current_user, job_id)
    return render_template("schedules/job.html", job=job)


@bp.route("/jobs/<int:job_id>/progress")
@manager_required
def job_progress(job_id: int):
    svc.fail_stale_jobs()
    db.session.commit()
    job = svc.get_job(current_user, job_id)
    return jsonify(_progress_json(job))


def _progress_json(job) -> dict:
    progress = dict(job.progress or {})
    return {"id": job.id, "week": job.week.week, "status": job.status.value, "finished": job.status in FINISHED,
            "cancel_requested": job.cancel_requested, "error": job.error, "progress": progress,
            "time_limit_s": job.time_limit_s, "started": local(job.started_at, "%H:%M:%S"),
            "result_url": version_url(job.result_version_id) if job.result_version_id else None}


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@manager_required
def cancel(job_id: int):
    job = svc.request_cancel(current_user, svc.get_job(current_user, job_id))
    db.session.commit()
    flash("Stopping the solve; the best schedule found so far will be kept." if job.status == JobStatus.running
          else "The solve was cancelled before it started.", "info")
    return redirect(url_for(".job", job_id=job.id))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@manager_required
def retry(job_id: int):
    job = svc.retry_job(current_user, svc.get_job(current_user, job_id))
    return _queue(job)


@bp.route("/versions/<int:version_id>/resolve", methods=["POST"])
@manager_required
def resolve(version_id: int):
    version = svc.get_version(current_user, version_id)
    limit = request.form.get("time_limit_s", type=float) or current_app.config["SOLVER_TIME_LIMIT_S"]
    job = svc.start_solve(current_user, version.week.week, limit, pins=version.pins, based_on=version)
    return _queue(job)


@bp.route("/versions/<int:version_id>/summary")
@manager_required
def version(version_id: int):
    version = svc.get_version(current_user, version_id)
    return render_template("schedules/version.html", version=version, report=svc.check_version(version))


@bp.route("/versions/<int:version_id>/diff")
@manager_required
def diff(version_id: int):
    version = svc.get_version(current_user, version_id)
    published, changes = svc.version_diff(version)
    return render_template("schedules/diff.html", version=version, published=published, diff=changes,
                           unchanged=is_empty(changes), report=svc.check_version(version))


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@manager_required
def publish(version_id: int):
    version = svc.get_version(current_user, version_id)
    try:
        svc.publish_version(current_user, version)
    except DomainError as err:
        if isinstance(err, (NotFound, NotAllowed)):
            raise
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for(".diff", version_id=version_id)), 303
    db.session.commit()
    flash(f"Version {version.number} of {version.week.week} is published.", "success")
    return redirect(version_url(version.id))


@bp.route("/versions/<int:version_id>/discard", methods=["POST"])
@manager_required
def discard(version_id: int):
    version = svc.discard_version(current_user, svc.get_version(current_user, version_id))
    db.session.commit()
    flash(f"The draft of {version.week.week} was discarded.", "info")
    return redirect(url_for(".index"))


@bp.route("/versions/<int:version_id>/export.json")
@manager_required
def export_json(version_id: int):
    version = svc.get_version(current_user, version_id)
    part = request.args.get("part")
    try:
        body = json.dumps(export_document(version, part), indent=2)
    except DomainError as err:
        abort(400, err.message)
    name = f"{version.week.week}-{_version_tag(version)}{'-' + part if part else ''}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/versions/<int:version_id>/export.csv", endpoint="export_csv")
@manager_required
def export_csv_view(version_id: int):
    version = svc.get_version(current_user, version_id)
    kind = request.args.get("kind", "stays")
    name = f"{version.week.week}-{_version_tag(version)}-{kind}.csv"
    try:
        body = export_csv(version, kind)
    except DomainError as err:
        abort(400, err.message)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _version_tag(version) -> str:
    return f"v{version.number}" if version.number else f"draft{version.id}"
