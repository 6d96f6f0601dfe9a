"""SQLAlchemy models, split by aggregate; import them from here."""
from .audit import AuditAction, AuditRecord  # noqa: F401
from .schedules import (CalendarToken, JobStatus, ScheduleVersion, ScheduleWeek, SolveJob,  # noqa: F401
                        VersionStatus)
from .staff import StaffMember, StaffUnavailability, UnavailabilityKind  # noqa: F401
from .studies import (LOAD_BY_RATIO, AgeGroup, NursingSegment, Participant, ParticipantStatus,  # noqa: F401
                      Phase, PrecedenceKind, Sex, Study, StudyMember, StudyStatus, TemplateTask,
                      VisitPrecedence, VisitRequest, VisitStatus, VisitTemplate)
from .types import UTCDateTime, utcnow  # noqa: F401
from .unit import (BED_FEATURES, ROLES, SKILLS, Bed, BedClosure, ClosureReason, Room,  # noqa: F401
                   RoomSharing, Shift, ShiftPattern, UnitSettings)
from .users import LoginAttempt, LoginSession, Role, User  # noqa: F401

# Tables whose every insert, update and delete is written to the audit trail.
AUDITED_TABLES = frozenset({
    "unit_settings", "room", "bed", "bed_closure", "shift_pattern", "shift",
    "staff_member", "staff_unavailability", "study", "study_member", "participant",
    "visit_template", "nursing_segment", "template_task", "visit_request", "visit_precedence",
    "user", "schedule_version", "calendar_token",
})
