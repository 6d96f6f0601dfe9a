"""Builders of committed test records (synthetic data only)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from trc_scheduler.audit import set_actor
from trc_scheduler.extensions import db
from trc_scheduler.models import (AgeGroup, Bed, NursingSegment, Participant, Phase, Role, Room, Sex,
                                  ShiftPattern, StaffMember, Study, StudyMember, StudyStatus,
                                  TemplateTask, UnitSettings, User, VisitRequest, VisitStatus,
                                  VisitTemplate)
from trc_scheduler.services.unit import generate_shifts

TZ = ZoneInfo("America/New_York")
WEEK_MONDAY = date(2026, 11, 23)  # ISO week 2026-W48


def password_for(email: str) -> str:
    """Return the test password of a factory user."""
    return "pw-" + email.split("@")[0]


def make_user(email: str, role: Role, name: str | None = None, staff: StaffMember | None = None) -> User:
    user = User(email=email, display_name=name or email.split("@")[0].title(), role=role, staff=staff)
    user.set_password(password_for(email))
    db.session.add(user)
    db.session.commit()
    return user


def make_users() -> dict:
    """Return one user per role plus a second investigator, keyed by role name."""
    set_actor(db.session, None, "tests")
    nurse_staff = StaffMember(code="S900", name="Nurse Test", roles=["RN"], skills=["charge"])
    db.session.add(nurse_staff)
    return {
        "admin": make_user("admin@trc.test", Role.admin),
        "manager": make_user("manager@trc.test", Role.manager),
        "investigator": make_user("inv@trc.test", Role.investigator),
        "investigator2": make_user("inv2@trc.test", Role.investigator),
        "nurse": make_user("nurse@trc.test", Role.nurse, staff=nurse_staff),
    }


def local(y, m, d, hh=0, mm=0) -> datetime:
    """Return the aware UTC instant of a local time in the unit's zone."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(timezone.utc)


def make_unit(days: int = 7, manager: User | None = None) -> dict:
    """Create settings, rooms and beds, day/night patterns, `days` of shifts and some staff."""
    set_actor(db.session, None, "tests")
    settings = UnitSettings(name="Test Unit", timezone="America/New_York", turnover_minutes=60,
                            admission_from="07:00", admission_to="20:00", default_load_percent=25,
                            max_admissions_per_shift=6)
    db.session.add(settings)
    rooms = [Room(code=f"R{i}", name=f"Room {i}") for i in (1, 2, 3)]
    db.session.add_all(rooms)
    beds = [
        Bed(code="B1", room=rooms[0], features=["telemetry", "isolation"]),
        Bed(code="B2", room=rooms[1], features=["telemetry"]),
        Bed(code="B3", room=rooms[1], features=[]),
        Bed(code="B4", room=rooms[2], features=["pediatric"]),
    ]
    db.session.add_all(beds)
    db.session.add_all([
        ShiftPattern(code="D", name="Day", start_time="07:00", end_time="19:00",
                     min_staff={"RN": 2}, min_skill={"charge": 1}),
        ShiftPattern(code="N", name="Night", start_time="19:00", end_time="07:00",
                     min_staff={"RN": 1}, min_skill={}),
    ])
    staff = []
    for i in range(1, 7):
        skills = ["charge", "telemetry"] if i <= 3 else ["pediatric"]
        staff.append(StaffMember(code=f"S{i:03d}", name=f"Nurse {i}", roles=["RN"], skills=skills,
                                 max_shifts_per_week=4, max_minutes_per_week=48 * 60, min_rest_minutes=660,
                                 max_consecutive_days=3))
    staff.append(StaffMember(code="S101", name="Physician 1", roles=["MD"], skills=[]))
    db.session.add_all(staff)
    db.session.flush()
    planner = manager or type("System", (), {"is_manager": True})()
    shifts = generate_shifts(planner, WEEK_MONDAY, days)
    db.session.commit()
    return {"settings": settings, "rooms": rooms, "beds": beds, "staff": staff, "shifts": shifts}


def make_study(pi: User, code: str = "FIH-01", members: list[User] = ()) -> Study:
    """Create an active study with a PI, a template with a segment and a dose task, and one participant."""
    set_actor(db.session, None, "tests")
    study = Study(code=code, title=f"Study {code}", protocol_number=f"PROT-{code}", irb_number=f"IRB-{code}",
                  sponsor="Synthetic Pharma", phase=Phase.phase1, first_in_human=True,
                  status=StudyStatus.active, pi=pi)
    db.session.add(study)
    for m in members:
        db.session.add(StudyMember(study=study, user=m))
    template = VisitTemplate(study=study, name="Dosing stay", duration_minutes=2 * 1440, needs_bed=True,
                             bed_features=["telemetry"], start_step_minutes=60)
    template.segments.append(NursingSegment(from_minutes=0, to_minutes=240, ratio=1, skills=["telemetry"]))
    template.tasks.append(TemplateTask(code="dose", label="Dosing", offset_minutes=60, duration_minutes=15,
                                       role="RN", count=1))
    db.session.add(template)
    participant = Participant(study=study, code=f"{code}-001", sex=Sex.F, age_group=AgeGroup.adult)
    db.session.add(participant)
    db.session.commit()
    return study


def make_visit(study: Study, status=VisitStatus.approved, day: int = 1, **kw) -> VisitRequest:
    """Create a visit request for the study's first participant and template, in week 2026-W48."""
    set_actor(db.session, None, "tests")
    earliest = local(2026, 11, 23 + day, 7)
    visit = VisitRequest(study=study, participant=study.participants[0], template=study.templates[0],
                         earliest_start=earliest, latest_start=earliest + timedelta(hours=12),
                         target_start=earliest + timedelta(hours=1), status=status, **kw)
    db.session.add(visit)
    db.session.commit()
    return visit
