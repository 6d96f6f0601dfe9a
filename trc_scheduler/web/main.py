"""The home page: what each role does next."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Bed, StaffMember, VisitRequest, VisitStatus
from ..services.studies import visible_studies
from .access import staff_required

bp = Blueprint("main", __name__)


@bp.route("/")
@staff_required
def index():
    studies = visible_studies(current_user)
    counts = {
        "beds": db.session.scalar(select(func.count(Bed.id)).where(Bed.active)),
        "staff": db.session.scalar(select(func.count(StaffMember.id)).where(StaffMember.active)),
        "requested": db.session.scalar(select(func.count(VisitRequest.id)).where(
            VisitRequest.status == VisitStatus.requested,
            VisitRequest.study_id.in_([s.id for s in studies]) if not current_user.is_manager else True)),
    }
    return render_template("main/index.html", studies=studies, counts=counts)


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
