"""Studies, their teams, participants, visit templates and visit requests."""
import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import (Boolean, CheckConstraint, Enum, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow

LOAD_BY_RATIO = {1: 100, 2: 50, 3: 33, 4: 25}


class Phase(str, enum.Enum):
    """Trial phase, from first-in-human to phase 2b."""

    phase1 = "1"
    phase1a = "1a"
    phase1b = "1b"
    phase2a = "2a"
    phase2b = "2b"


class StudyStatus(str, enum.Enum):
    planning = "planning"
    enrolling = "enrolling"
    active = "active"
    closed = "closed"


class Study(db.Model):
    """A protocol run on the unit, with its principal investigator and study team."""

    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    protocol_number: Mapped[str] = mapped_column(String(64), unique=True)
    irb_number: Mapped[Optional[str]] = mapped_column(String(64))
    sponsor: Mapped[Optional[str]] = mapped_column(String(120))
    phase: Mapped[Phase] = mapped_column(Enum(Phase, native_enum=False, length=8))
    first_in_human: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[StudyStatus] = mapped_column(Enum(StudyStatus, native_enum=False, length=16),
                                                default=StudyStatus.planning)
    pi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    color: Mapped[str] = mapped_column(String(7), default="#4e79a7")

    pi = relationship("User", foreign_keys=[pi_id])
    members: Mapped[list["StudyMember"]] = relationship(back_populates="study", cascade="all, delete-orphan")
    participants: Mapped[list["Participant"]] = relationship(back_populates="study", order_by="Participant.code")
    templates: Mapped[list["VisitTemplate"]] = relationship(back_populates="study", order_by="VisitTemplate.name")

    def team_user_ids(self) -> set[int]:
        """Return the ids of the PI and every team member."""
        ids = {m.user_id for m in self.members}
        if self.pi_id:
            ids.add(self.pi_id)
        return ids

    def can_view(self, user) -> bool:
        """Managers and nurses see every study; investigators only their own."""
        if user.is_manager or user.is_nurse:
            return True
        return user.is_investigator and user.id in self.team_user_ids()

    def can_edit(self, user) -> bool:
        """Managers edit every study; investigators only those they are on."""
        return user.is_manager or (user.is_investigator and user.id in self.team_user_ids())

    def __repr__(self) -> str:
        return f"<Study {self.code}>"


class StudyMember(db.Model):
    """An investigator user on a study team."""

    __tablename__ = "study_member"
    __table_args__ = (UniqueConstraint("study_id", "user_id", name="study_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(String(40), default="sub-investigator")

    study: Mapped[Study] = relationship(back_populates="members")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<StudyMember study={self.study_id} user={self.user_id}>"


class Sex(str, enum.Enum):
    F = "F"
    M = "M"


class AgeGroup(str, enum.Enum):
    pediatric = "pediatric"
    adult = "adult"


class ParticipantStatus(str, enum.Enum):
    screening = "screening"
    enrolled = "enrolled"
    completed = "completed"
    withdrawn = "withdrawn"


class Participant(db.Model):
    """A pseudonymous participant: a code unique within the study; never a name or MRN."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("study_id", "code", name="study_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    sex: Mapped[Sex] = mapped_column(Enum(Sex, native_enum=False, length=1))
    age_group: Mapped[AgeGroup] = mapped_column(Enum(AgeGroup, native_enum=False, length=16))
    status: Mapped[ParticipantStatus] = mapped_column(
        Enum(ParticipantStatus, native_enum=False, length=16), default=ParticipantStatus.enrolled
    )

    study: Mapped[Study] = relationship(back_populates="participants")

    def __repr__(self) -> str:
        return f"<Participant {self.code}>"


class VisitTemplate(db.Model):
    """A kind of visit of a study: length, bed needs, nursing segments and timed tasks."""

    __tablename__ = "visit_template"
    __table_args__ = (
        UniqueConstraint("study_id", "name", name="study_name"),
        CheckConstraint("duration_minutes > 0", name="duration_pos"),
        CheckConstraint("start_step_minutes > 0", name="step_pos"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    needs_bed: Mapped[bool] = mapped_column(Boolean, default=True)
    bed_features: Mapped[list] = mapped_column(JSONType, default=list)
    window_days_before: Mapped[int] = mapped_column(Integer, default=1)
    window_days_after: Mapped[int] = mapped_column(Integer, default=1)
    start_step_minutes: Mapped[int] = mapped_column(Integer, default=60)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    study: Mapped[Study] = relationship(back_populates="templates")
    segments: Mapped[list["NursingSegment"]] = relationship(
        back_populates="template", order_by="NursingSegment.from_minutes", cascade="all, delete-orphan"
    )
    tasks: Mapped[list["TemplateTask"]] = relationship(
        back_populates="template", order_by="TemplateTask.offset_minutes", cascade="all, delete-orphan"
    )

    @property
    def nights(self) -> int:
        """Return the number of nights the stay spans (rounded)."""
        return round(self.duration_minutes / 1440)

    def __repr__(self) -> str:
        return f"<VisitTemplate {self.name}>"


class NursingSegment(db.Model):
    """Part of a visit needing a primary nurse at a ratio (1:1 … 1:4) with skills."""

    __tablename__ = "nursing_segment"
    __table_args__ = (
        CheckConstraint("to_minutes > from_minutes", name="span_pos"),
        CheckConstraint("ratio BETWEEN 1 AND 4", name="ratio_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("visit_template.id"), index=True)
    from_minutes: Mapped[int] = mapped_column(Integer)
    to_minutes: Mapped[int] = mapped_column(Integer)
    ratio: Mapped[int] = mapped_column(Integer, default=4)
    skills: Mapped[list] = mapped_column(JSONType, default=list)

    template: Mapped[VisitTemplate] = relationship(back_populates="segments")

    @property
    def load_percent(self) -> int:
        """Return the share of one nurse this segment needs (1:2 → 50)."""
        return LOAD_BY_RATIO[self.ratio]

    def __repr__(self) -> str:
        return f"<NursingSegment {self.from_minutes}-{self.to_minutes} 1:{self.ratio}>"


class TemplateTask(db.Model):
    """A timed job inside a visit: dosing, PK sample, ECG …"""

    __tablename__ = "template_task"
    __table_args__ = (
        UniqueConstraint("template_id", "code", name="template_code"),
        CheckConstraint("duration_minutes > 0", name="duration_pos"),
        CheckConstraint("count >= 1", name="count_pos"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("visit_template.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(80))
    offset_minutes: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer, default=1)

    template: Mapped[VisitTemplate] = relationship(back_populates="tasks")

    def __repr__(self) -> str:
        return f"<TemplateTask {self.code}>"


class VisitStatus(str, enum.Enum):
    """requested → approved → scheduled, or cancelled."""

    requested = "requested"
    approved = "approved"
    scheduled = "scheduled"
    cancelled = "cancelled"


class VisitRequest(db.Model):
    """A visit of a participant to place inside its protocol window."""

    __tablename__ = "visit_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("visit_template.id"))
    label: Mapped[Optional[str]] = mapped_column(String(120))
    earliest_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    latest_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    target_start: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[VisitStatus] = mapped_column(Enum(VisitStatus, native_enum=False, length=16),
                                                default=VisitStatus.requested)
    # Decisions already taken (a stay in progress): the engine keeps them.
    fixed_start: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    fixed_bed_id: Mapped[Optional[int]] = mapped_column(ForeignKey("bed.id"))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    study: Mapped[Study] = relationship()
    participant: Mapped[Participant] = relationship()
    template: Mapped[VisitTemplate] = relationship()
    fixed_bed = relationship("Bed")

    @property
    def display_label(self) -> str:
        return self.label or self.template.name

    def __repr__(self) -> str:
        return f"<VisitRequest {self.id} {self.status.value}>"


class PrecedenceKind(str, enum.Enum):
    sentinel = "sentinel"
    washout = "washout"
    other = "other"


class VisitPrecedence(db.Model):
    """`after`'s anchor comes at least min_gap (at most max_gap) after `before`'s anchor."""

    __tablename__ = "visit_precedence"
    __table_args__ = (CheckConstraint("before_id <> after_id", name="distinct_visits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    before_id: Mapped[int] = mapped_column(ForeignKey("visit_request.id"), index=True)
    after_id: Mapped[int] = mapped_column(ForeignKey("visit_request.id"), index=True)
    before_anchor: Mapped[str] = mapped_column(String(32), default="start")
    after_anchor: Mapped[str] = mapped_column(String(32), default="start")
    min_gap_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_gap_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    kind: Mapped[PrecedenceKind] = mapped_column(Enum(PrecedenceKind, native_enum=False, length=16),
                                                 default=PrecedenceKind.other)
    why: Mapped[Optional[str]] = mapped_column(String(200))

    before: Mapped[VisitRequest] = relationship(foreign_keys=[before_id])
    after: Mapped[VisitRequest] = relationship(foreign_keys=[after_id])

    def __repr__(self) -> str:
        return f"<VisitPrecedence {self.before_id}->{self.after_id}>"
