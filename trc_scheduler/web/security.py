"""Server-side sessions, idle timeout, actor for the audit trail and security headers."""
import secrets
from datetime import timedelta

from flask import flash, request, session
from flask_login import current_user

from ..audit import set_actor
from ..extensions import db, login_manager
from ..models import LoginSession
from ..models.types import utcnow

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
       "object-src 'none'")
TOUCH_EVERY = timedelta(seconds=30)


def start_session(user) -> LoginSession:
    """Open a server-side session for the user and put only its random id in the cookie."""
    session.clear()
    login_session = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id, ip=request.remote_addr)
    db.session.add(login_session)
    session["sid"] = login_session.id
    session.permanent = False
    return login_session


def end_session() -> None:
    """Revoke the current server-side session, so any copy of the cookie stops working."""
    sid = session.get("sid")
    if sid:
        login_session = db.session.get(LoginSession, sid)
        if login_session and login_session.revoked_at is None:
            login_session.revoked_at = utcnow()
    session.clear()


def _load_user(user_id: str):
    sid = session.get("sid")
    if not sid:
        return None
    login_session = db.session.get(LoginSession, sid)
    if login_session is None or login_session.revoked_at is not None or str(login_session.user_id) != user_id:
        return None
    from flask import current_app
    now = utcnow()
    idle = timedelta(minutes=current_app.config["IDLE_TIMEOUT_MINUTES"])
    if now - login_session.last_seen_at > idle:
        login_session.revoked_at = now
        db.session.commit()
        flash("You were signed out after a period without activity. Please sign in again.", "warning")
        return None
    if now - login_session.last_seen_at > TOUCH_EVERY:
        login_session.last_seen_at = now
        db.session.commit()
    user = login_session.user
    return user if user.active else None


def init_security(app) -> None:
    """Wire Flask-Login to server-side sessions and add the security headers."""
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.before_request
    def _actor():
        if current_user.is_authenticated:
            set_actor(db.session, current_user.id, current_user.email)
        else:
            set_actor(db.session, None, "anonymous")

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not request.path.startswith("/static/"):
            # Pages may carry participant codes: never keep them in a browser or proxy cache.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
