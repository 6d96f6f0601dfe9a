"""Use cases of user accounts: managers create, edit, link and deactivate sign-ins."""
import re

from sqlalchemy import func, select

from ..errors import Conflict, DomainError, NotAllowed, NotFound
from ..extensions import db
from ..models import LoginSession, Role, StaffMember, User
from ..models.types import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12


def require_user_admin(user) -> None:
    """Raise NotAllowed unless the user manages accounts (manager or admin)."""
    if not user.is_manager:
        raise NotAllowed("Only unit managers manage user accounts.")


def get_user(actor, user_id: int) -> User:
    """Load a user account for a manager (404 when missing)."""
    require_user_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _check(actor, email: str, role: Role, staff_id: int | None, password: str | None, user: User | None):
    if not EMAIL_RE.match(email):
        raise DomainError("Enter an email address like name@unit.example.", field="email")
    clash = db.session.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
    if clash is not None and clash is not user:
        raise Conflict(f"There is already an account for {email}.", field="email")
    if role == Role.admin and not actor.role == Role.admin:
        raise NotAllowed("Only an admin can create or promote admins.")
    if staff_id is not None:
        staff = db.session.get(StaffMember, staff_id)
        if staff is None:
            raise DomainError("No such staff member.", field="staff_id")
        linked = db.session.scalars(select(User).where(User.staff_id == staff_id)).first()
        if linked is not None and linked is not user:
            raise Conflict(f"{staff.code} is already linked to {linked.email}.", field="staff_id")
    elif role == Role.nurse:
        raise DomainError("A nurse's account must be linked to their staff record.", field="staff_id")
    if password is not None and len(password) < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters.", field="password")


def create_user(actor, email: str, display_name: str, role: Role, password: str,
                staff_id: int | None = None) -> User:
    """Create a sign-in; a nurse is linked to a staff record."""
    require_user_admin(actor)
    email = email.strip().lower()
    _check(actor, email, role, staff_id, password, None)
    user = User(email=email, display_name=display_name.strip(), role=role, staff_id=staff_id, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(actor, user: User, email: str, display_name: str, role: Role, staff_id: int | None,
                password: str | None = None) -> User:
    """Change an account's details, role, staff link and (optionally) password."""
    require_user_admin(actor)
    email = email.strip().lower()
    if user.role == Role.admin and role != Role.admin and actor.role != Role.admin:
        raise NotAllowed("Only an admin can change an admin's role.")
    _check(actor, email, role, staff_id, password or None, user)
    user.email, user.display_name, user.role, user.staff_id = email, display_name.strip(), role, staff_id
    if password:
        user.set_password(password)
        _revoke_sessions(user)
    db.session.flush()
    return user


def set_user_active(actor, user: User, active: bool) -> User:
    """Deactivate (signing the person out everywhere) or reactivate an account."""
    require_user_admin(actor)
    if user.role == Role.admin and actor.role != Role.admin:
        raise NotAllowed("Only an admin can deactivate or reactivate an admin.")
    if user.id == actor.id and not active:
        raise Conflict("You cannot deactivate your own account.")
    user.active = active
    if not active:
        _revoke_sessions(user)
    db.session.flush()
    return user


def _revoke_sessions(user: User) -> None:
    now = utcnow()
    for login_session in db.session.scalars(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))):
        login_session.revoked_at = now
