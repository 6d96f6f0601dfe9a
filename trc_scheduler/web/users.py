"""Managers' page of user accounts: create, edit, link a nurse to their staff record, deactivate."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..errors import DomainError
from ..extensions import db
from ..models import Role, StaffMember, User
from ..services import users as svc
from .access import manager_required
from .helpers import form_error

bp = Blueprint("users", __name__, url_prefix="/users")


class UserForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    display_name = StringField("Name shown", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value) for r in Role])
    staff_id = SelectField("Staff record (nurses)", coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    password = PasswordField("Password", validators=[Optional(), Length(max=200)],
                             description="At least 12 characters. Leave empty to keep the current one.")


def _form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None and not form.is_submitted():
        form.role.data = user.role.value
    staff = db.session.scalars(select(StaffMember).where(StaffMember.active).order_by(StaffMember.code))
    form.staff_id.choices = [SelectChoice(None, "— none —")] + [SelectChoice(s.id, f"{s.code} · {s.name}")
                                                                for s in staff]
    return form


@bp.route("/")
@manager_required
def index():
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("users/index.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@manager_required
def form(user_id: int | None = None):
    user = svc.get_user(current_user, user_id) if user_id else None
    form = _form(user)
    if form.validate_on_submit():
        values = dict(email=form.email.data, display_name=form.display_name.data, role=Role(form.role.data),
                      staff_id=form.staff_id.data)
        try:
            if user is None:
                if not form.password.data:
                    raise DomainError("Set a first password.", field="password")
                user = svc.create_user(current_user, password=form.password.data, **values)
            else:
                svc.update_user(current_user, user, password=form.password.data or None, **values)
        except DomainError as err:
            return form_error(form, err, "users/form.html", user=user)
        db.session.commit()
        flash(f"Account {user.email} saved.", "success")
        return redirect(url_for(".index"))
    return render_template("users/form.html", form=form, user=user), (422 if form.is_submitted() else 200)


@bp.route("/<int:user_id>/<any(deactivate, reactivate):verb>", methods=["POST"])
@manager_required
def set_active(user_id: int, verb: str):
    user = svc.get_user(current_user, user_id)
    svc.set_user_active(current_user, user, verb == "reactivate")
    db.session.commit()
    flash(f"Account {user.email} {verb}d.", "success")
    return redirect(url_for(".index"))
