"""People who sign in, their server-side sessions and login attempts."""
import enum
from datetime import datetime
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

_hasher = PasswordHasher()


def configure_password_hashing(time_cost: int | None = None, memory_cost: int | None = None) -> None:
    """Set the argon2id cost (tests use a cheap one; production keeps the library defaults)."""
    global _hasher
    if time_cost or memory_cost:
        _hasher = PasswordHasher(time_cost=time_cost or 3, memory_cost=memory_cost or 65536, parallelism=1)
    else:
        _hasher = PasswordHasher()


class Role(str, enum.Enum):
    """What a user may do: admins and managers plan, investigators run studies, nurses read."""

    admin = "admin"
    manager = "manager"
    investigator = "investigator"
    nurse = "nurse"


class User(UserMixin, db.Model):
    """A person who signs in; a nurse user is linked to their staff record."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    staff_id: Mapped[Optional[int]] = mapped_column(ForeignKey("staff_member.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("StaffMember", foreign_keys=[staff_id])

    def set_password(self, password: str) -> None:
        """Hash and store a new password (argon2id)."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Return True when the password matches the stored hash."""
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_manager(self) -> bool:
        """Managers and admins plan the unit."""
        return self.role in (Role.manager, Role.admin)

    @property
    def is_investigator(self) -> bool:
        return self.role == Role.investigator

    @property
    def is_nurse(self) -> bool:
        return self.role == Role.nurse

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class LoginSession(db.Model):
    """A server-side session: the cookie holds only its random id, so logout revokes copies."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ip: Mapped[Optional[str]] = mapped_column(String(64))

    user = relationship(User)

    def __repr__(self) -> str:
        return f"<LoginSession user={self.user_id} revoked={self.revoked_at is not None}>"


class LoginAttempt(db.Model):
    """One sign-in attempt, kept to rate-limit guessing by email and address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.email} ok={self.success}>"
