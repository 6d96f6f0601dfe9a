"""The audit trail page: who changed what, when, before → after (managers and admins only)."""
import json
from datetime import datetime

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from ..models import AuditAction
from ..services.audit import AuditFilter, audited_tables, changed_fields, local_days, search_audit
from .access import manager_required
from .filters import local, unit_timezone

bp = Blueprint("audit", __name__, url_prefix="/audit")
FILTERS = ("table", "action", "actor", "row_id", "date_from", "date_to")


class AuditFilterForm(FlaskForm):
    """The filters, read from the query string (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    table = SelectField("Table", validators=[Optional()])
    action = SelectField("Action", choices=[SelectChoice("", "Any action"), *(a.value for a in AuditAction)],
                         validators=[Optional()])
    actor = StringField("Who", validators=[Optional(), Length(max=254)], render_kw={"placeholder": "email contains"})
    row_id = StringField("Row id", validators=[Optional(), Length(max=64)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("Until", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            field.errors.append("The last day cannot be before the first.")


def show(value) -> str:
    """Render one audited value compactly; instants in the unit's local time."""
    if value is None:
        return "∅"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            instant = datetime.fromisoformat(value)
            return local(instant) if instant.tzinfo else value
        except ValueError:
            pass
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:119] + "…"


@bp.route("/")
@manager_required
def index():
    form = AuditFilterForm(formdata=request.args)
    form.table.choices = [SelectChoice("", "Any table"), *audited_tables()]
    if not form.validate():
        return render_template("audit/index.html", form=form, result=None, show=show, page_url=None), 422
    since, until = local_days(form.date_from.data, form.date_to.data, unit_timezone())
    flt = AuditFilter(table=form.table.data or None, action=form.action.data or None, actor=form.actor.data,
                      row_id=form.row_id.data, since=since, until=until)
    result = search_audit(current_user, flt, page=request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    return render_template("audit/index.html", form=form, result=result, show=show, changes=changed_fields,
                           page_url=lambda page: url_for(".index", page=page, **args))
