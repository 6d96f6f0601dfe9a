"""Schedules: weeks, solve jobs, versions (drafts and published) and calendar feed tokens."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class ScheduleWeek(db.Model):
    """One ISO week of the unit; `lock` is the optimistic version bumped by each publish."""

    __tablename__ = "schedule_week"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8), unique=True)  # "2026-W48"
    lock: Mapped[int] = mapped_column(Integer, default=0)
    published_version_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("schedule_version.id", use_alter=True, name="fk_schedule_week_published_version")
    )
    active_job_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("solve_job.id", use_alter=True, name="fk_schedule_week_active_job")
    )

    published_version = relationship("ScheduleVersion", foreign_keys=[published_version_id], post_update=True)

    def __repr__(self) -> str:
        return f"<ScheduleWeek {self.week} lock={self.lock}>"


class VersionStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    superseded = "superseded"
    discarded = "discarded"


class ScheduleVersion(db.Model):
    """A schedule of a week with the instance it was solved from; immutable once published."""

    __tablename__ = "schedule_version"
    __table_args__ = (UniqueConstraint("week_id", "number", name="week_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("schedule_week.id"), index=True)
    number: Mapped[Optional[int]] = mapped_column(Integer)  # set when published: 1, 2, 3 …
    status: Mapped[VersionStatus] = mapped_column(Enum(VersionStatus, native_enum=False, length=16),
                                                  default=VersionStatus.draft)
    base_lock: Mapped[int] = mapped_column(Integer, default=0)
    based_on_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schedule_version.id"))
    instance: Mapped[dict] = mapped_column(JSONType)
    schedule: Mapped[dict] = mapped_column(JSONType)
    pins: Mapped[dict] = mapped_column(JSONType, default=dict)
    solver_status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[Optional[int]] = mapped_column(Integer)
    bound: Mapped[Optional[int]] = mapped_column(Integer)
    solve_seconds: Mapped[Optional[float]] = mapped_column(Float)
    cost_terms: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    week: Mapped[ScheduleWeek] = relationship(foreign_keys=[week_id])
    based_on = relationship("ScheduleVersion", remote_side=[id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    def __repr__(self) -> str:
        return f"<ScheduleVersion {self.id} {self.status.value} #{self.number}>"


class JobStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class SolveJob(db.Model):
    """A background solve of one week, with live progress and a cancel flag."""

    __tablename__ = "solve_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("schedule_week.id"), index=True)
    status: Mapped[JobStatus] = mapped_column(Enum(JobStatus, native_enum=False, length=16),
                                              default=JobStatus.queued)
    time_limit_s: Mapped[float] = mapped_column(Float, default=60.0)
    pins: Mapped[dict] = mapped_column(JSONType, default=dict)
    based_on_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schedule_version.id"))
    progress: Mapped[dict] = mapped_column(JSONType, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[Optional[str]] = mapped_column(Text)
    result_version_id: Mapped[Optional[int]] = mapped_column(ForeignKey("schedule_version.id"))
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    week: Mapped[ScheduleWeek] = relationship(foreign_keys=[week_id])
    result_version = relationship("ScheduleVersion", foreign_keys=[result_version_id])

    def __repr__(self) -> str:
        return f"<SolveJob {self.id} {self.status.value}>"


class CalendarToken(db.Model):
    """A revocable secret for a staff member's iCalendar subscription (only its hash is stored)."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CalendarToken staff={self.staff_id} revoked={self.revoked_at is not None}>"
