"""Small helpers shared by the views."""
from flask import render_template

from ..errors import DomainError, NotAllowed, NotFound
from ..extensions import db


def form_error(form, err: DomainError, template_name: str, **context):
    """Roll back, show a domain error beside its field (or above the form) and re-render with 422.

    NotFound and NotAllowed are not form problems: they go on to their own 404/403 pages.
    """
    if isinstance(err, (NotFound, NotAllowed)):
        raise err
    db.session.rollback()
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = list(field.errors) + [err.message]
    else:
        form.form_errors.append(err.message)
    return render_template(template_name, form=form, **context), 422
