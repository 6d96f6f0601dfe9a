"""Route guards: every view states who may call it."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Allow only signed-in users whose role is one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role.value not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def manager_required(view):
    """Allow managers and admins only."""
    return roles_required("admin", "manager")(view)


def staff_required(view):
    """Allow every signed-in role (readers included)."""
    return roles_required("admin", "manager", "investigator", "nurse")(view)
