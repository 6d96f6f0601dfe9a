"""The unit itself: settings, rooms, beds (and their closures), shift pattern and dated shifts."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime

BED_FEATURES = ("telemetry", "isolation", "pediatric", "bariatric")
ROLES = ("RN", "MD", "NP", "pharmacist", "phlebotomist")
SKILLS = ("charge", "telemetry", "pediatric", "chemo", "isolation")


class RoomSharing(str, enum.Enum):
    """Who may share a room at the same moment."""

    same_sex_same_age_group = "same_sex_same_age_group"
    any = "any"


class UnitSettings(db.Model):
    """The unit's single settings row: time zone, turnover, admission hours, policies and cost weights."""

    __tablename__ = "unit_settings"
    __table_args__ = (
        CheckConstraint("default_load_percent BETWEEN 1 AND 100", name="load_range"),
        CheckConstraint("turnover_minutes >= 0", name="turnover_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    turnover_minutes: Mapped[int] = mapped_column(Integer, default=60)
    admission_from: Mapped[str] = mapped_column(String(5), default="07:00")
    admission_to: Mapped[str] = mapped_column(String(5), default="20:00")
    room_sharing: Mapped[RoomSharing] = mapped_column(
        Enum(RoomSharing, native_enum=False, length=32), default=RoomSharing.same_sex_same_age_group
    )
    default_load_percent: Mapped[int] = mapped_column(Integer, default=25)
    max_admissions_per_shift: Mapped[int] = mapped_column(Integer, default=6)
    weight_unscheduled: Mapped[int] = mapped_column(Integer, default=1000)
    weight_target_hour: Mapped[int] = mapped_column(Integer, default=1)
    weight_continuity: Mapped[int] = mapped_column(Integer, default=5)
    weight_preferred_off: Mapped[int] = mapped_column(Integer, default=20)
    weight_changed_visit: Mapped[int] = mapped_column(Integer, default=200)
    weight_changed_shift: Mapped[int] = mapped_column(Integer, default=30)

    def weights(self) -> dict:
        """Return the cost weights in trc-instance/1 form."""
        return {
            "unscheduled": self.weight_unscheduled,
            "target_hour": self.weight_target_hour,
            "continuity": self.weight_continuity,
            "preferred_off": self.weight_preferred_off,
            "changed_visit": self.weight_changed_visit,
            "changed_shift": self.weight_changed_shift,
        }

    def __repr__(self) -> str:
        return f"<UnitSettings {self.name} {self.timezone}>"


class Room(db.Model):
    """A room holding one or more beds."""

    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    beds: Mapped[list["Bed"]] = relationship(back_populates="room", order_by="Bed.code")

    def __repr__(self) -> str:
        return f"<Room {self.code}>"


class Bed(db.Model):
    """A bed with its features; `active` False means decommissioned (closures are dated)."""

    __tablename__ = "bed"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    features: Mapped[list] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    room: Mapped[Room] = relationship(back_populates="beds")
    closures: Mapped[list["BedClosure"]] = relationship(
        back_populates="bed", order_by="BedClosure.start", cascade="all, delete-orphan"
    )

    def closed_during(self, start: datetime, end: datetime) -> bool:
        """Return True when the bed is decommissioned or closed at any moment of [start, end)."""
        if not self.active:
            return True
        return any(c.start < end and (c.end is None or c.end > start) for c in self.closures)

    def __repr__(self) -> str:
        return f"<Bed {self.code}>"


class ClosureReason(str, enum.Enum):
    """Why a bed is out of use."""

    maintenance = "maintenance"
    cleaning = "cleaning"
    infection_control = "infection_control"
    other = "other"


class BedClosure(db.Model):
    """A dated period in which a bed cannot be used (end None = until further notice)."""

    __tablename__ = "bed_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    bed_id: Mapped[int] = mapped_column(ForeignKey("bed.id"), index=True)
    reason: Mapped[ClosureReason] = mapped_column(Enum(ClosureReason, native_enum=False, length=32))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    note: Mapped[Optional[str]] = mapped_column(Text)

    bed: Mapped[Bed] = relationship(back_populates="closures")

    def __repr__(self) -> str:
        return f"<BedClosure bed={self.bed_id} {self.reason.value}>"


class ShiftPattern(db.Model):
    """A recurring shift (day 07:00–19:00, night 19:00–07:00 local) with its minimum staffing."""

    __tablename__ = "shift_pattern"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))
    min_staff: Mapped[dict] = mapped_column(JSONType, default=dict)
    min_skill: Mapped[dict] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<ShiftPattern {self.code} {self.start_time}-{self.end_time}>"


class Shift(db.Model):
    """A dated, staffed period; its instants are real UTC (a DST night is 11 or 13 h)."""

    __tablename__ = "shift"
    __table_args__ = (UniqueConstraint("code", name="code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    pattern_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shift_pattern.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    min_staff: Mapped[dict] = mapped_column(JSONType, default=dict)
    min_skill: Mapped[dict] = mapped_column(JSONType, default=dict)

    pattern: Mapped[Optional[ShiftPattern]] = relationship()

    @property
    def minutes(self) -> int:
        """Return the real length of the shift in minutes."""
        return int((self.end - self.start).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Shift {self.code}>"
