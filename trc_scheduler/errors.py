"""The small exception vocabulary of the domain, mapped to responses in one place."""
from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from .extensions import db


class DomainError(Exception):
    """A request that breaks a business rule; `field` names the form field it concerns, if any."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist (or the user may not know it exists)."""

    status = 404


class NotAllowed(DomainError):
    """The user is signed in but their role or study team does not allow this."""

    status = 403


class Conflict(DomainError):
    """The change clashes with the current state (a duplicate code, a stale version, a running job)."""

    status = 409


class InfeasibleSchedule(DomainError):
    """The engine proved that the week's mandatory requirements cannot all hold."""

    status = 422

    def __init__(self, message: str, conflicts: list[str] | None = None):
        super().__init__(message)
        self.conflicts = conflicts or []


def _same_site_referrer() -> str:
    """Return the referring page when it is on this site, else the home page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.scheme in ("http", "https"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _problem(status: int, title: str, detail: str):
    resp = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail})
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


def register_error_handlers(app) -> None:
    """Map domain errors and HTTP errors to pages or JSON problems; roll back on every error."""

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        if _wants_json():
            return _problem(err.status, type(err).__name__, err.message)
        if err.status in (403, 404):
            return render_template(f"errors/{err.status}.html", message=err.message), err.status
        flash(err.message, "danger")
        return redirect(_same_site_referrer()), 303

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        db.session.rollback()
        if _wants_json():
            return _problem(err.code or 500, err.name, err.description or "")
        template = f"errors/{err.code}.html" if err.code in (400, 403, 404, 429) else "errors/generic.html"
        return render_template(template, error=err, message=err.description), err.code

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise err
        app.logger.exception("unhandled error")
        if _wants_json():
            return _problem(500, "Internal Server Error", "Something went wrong; nothing was saved.")
        return render_template("errors/500.html"), 500
