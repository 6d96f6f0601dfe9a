"""Sign-in: check credentials with a rate limit on failed attempts."""
from datetime import timedelta

from sqlalchemy import func, or_, select

from ..errors import DomainError
from ..extensions import db
from ..models import LoginAttempt, User
from ..models.types import utcnow


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for this email or address in the window."""

    status = 429


def authenticate(email: str, password: str, ip: str | None, max_attempts: int, window_minutes: int) -> User:
    """Return the active user with these credentials, or raise; every attempt is recorded."""
    email = (email or "").strip().lower()
    since = utcnow() - timedelta(minutes=window_minutes)
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.at >= since, LoginAttempt.success.is_(False),
            or_(LoginAttempt.email == email, LoginAttempt.ip == ip) if ip else LoginAttempt.email == email,
        )
    )
    if failures >= max_attempts:
        raise TooManyAttempts(f"Too many failed sign-ins. Try again in {window_minutes} minutes.")
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(email=email, ip=ip, success=ok))
    if not ok:
        raise DomainError("Email or password is not right.", field="password")
    return user
