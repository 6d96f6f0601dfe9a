"""Staff members, their contract limits, leave and preferences."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime


class StaffMember(db.Model):
    """A member of staff with roles, skills and weekly contract limits."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[list] = mapped_column(JSONType, default=list)
    skills: Mapped[list] = mapped_column(JSONType, default=list)
    max_shifts_per_week: Mapped[int] = mapped_column(Integer, default=4)
    max_minutes_per_week: Mapped[int] = mapped_column(Integer, default=48 * 60)
    min_rest_minutes: Mapped[int] = mapped_column(Integer, default=11 * 60)
    max_consecutive_days: Mapped[int] = mapped_column(Integer, default=3)
    # ISO weekdays (1 = Monday .. 7 = Sunday) the person prefers not to work.
    preferred_days_off: Mapped[list] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unavailability: Mapped[list["StaffUnavailability"]] = relationship(
        back_populates="staff", order_by="StaffUnavailability.start", cascade="all, delete-orphan"
    )

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])

    def __repr__(self) -> str:
        return f"<StaffMember {self.code}>"


class UnavailabilityKind(str, enum.Enum):
    """Why a staff member cannot work."""

    leave = "leave"
    sick = "sick"
    training = "training"
    other = "other"


class StaffUnavailability(db.Model):
    """Leave or other time a staff member cannot work, as a UTC interval."""

    __tablename__ = "staff_unavailability"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    kind: Mapped[UnavailabilityKind] = mapped_column(Enum(UnavailabilityKind, native_enum=False, length=20))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[Optional[str]] = mapped_column(Text)

    staff: Mapped[StaffMember] = relationship(back_populates="unavailability")

    def __repr__(self) -> str:
        return f"<StaffUnavailability {self.staff_id} {self.kind.value}>"
