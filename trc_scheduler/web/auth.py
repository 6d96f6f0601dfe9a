"""Sign in and sign out."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..errors import DomainError
from ..extensions import db
from ..services.auth import TooManyAttempts, authenticate
from .security import end_session, start_session

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Return a same-site path to go on to, or the home page (never another host)."""
    if target and not any(ch in target for ch in "\\\t\r\n") and target.isprintable():
        parts = urlsplit(target)
        if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr,
                                cfg["LOGIN_MAX_ATTEMPTS"], cfg["LOGIN_ATTEMPT_WINDOW_MINUTES"])
        except TooManyAttempts as err:
            db.session.commit()
            return render_template("auth/login.html", form=form, error=err.message), 429
        except DomainError as err:
            db.session.commit()  # keep the failed attempt for the rate limit
            form.password.errors.append(err.message)
            return render_template("auth/login.html", form=form), 200
        start_session(user)
        login_user(user)
        db.session.commit()
        flash(f"Signed in as {user.display_name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session()
    logout_user()
    db.session.commit()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))
