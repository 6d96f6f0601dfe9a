"""`flask seed-demo` builds a realistic synthetic unit once, records it in the audit trail, and its sign-ins work."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from trc_scheduler.errors import Conflict
from trc_scheduler.extensions import db
from trc_scheduler.models import (AuditRecord, Bed, BedClosure, Participant, PrecedenceKind, Room, Shift,
                                  StaffMember, StaffUnavailability, Study, User, VisitPrecedence, VisitRequest,
                                  VisitStatus)
from trc_scheduler.services.demo import seed_demo
from trc_scheduler.services.scheduling import week_bounds

SIGN_IN = re.compile(r"^\s+(\w+)\s+(\S+@trc\.demo)\s+(\S+)$", re.MULTILINE)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _staff_with_role(role):
    return [s for s in db.session.scalars(select(StaffMember)) if role in s.roles]


@pytest.fixture
def seeded(runner):
    """Run `flask seed-demo` once; return the CLI result."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    return result


def test_seed_demo_prints_a_sign_in_per_demo_user(seeded):
    logins = SIGN_IN.findall(seeded.output)
    assert "Demo unit created" in seeded.output
    assert {email for _, email, _ in logins} == {
        "admin@trc.demo", "manager@trc.demo", "pi.sad@trc.demo", "pi.peds@trc.demo", "nurse@trc.demo"}
    assert ("manager", "manager@trc.demo", "demo-manager-2026") in logins


def test_seed_demo_creates_eighteen_beds_and_a_full_staff(seeded):
    assert _count(Bed) == 18 and _count(Room) == 12
    rooms_with_two = db.session.scalar(select(func.count()).select_from(
        select(Bed.room_id).group_by(Bed.room_id).having(func.count() == 2).subquery()))
    assert rooms_with_two >= 4  # single and double rooms
    features = [f for bed in db.session.scalars(select(Bed)) for f in bed.features]
    assert 2 <= features.count("isolation") <= 3 and 2 <= features.count("pediatric") <= 4
    assert "bariatric" in features and features.count("telemetry") >= 8
    nurses = _staff_with_role("RN")
    assert len(nurses) >= 30
    for skill in ("charge", "telemetry", "pediatric", "chemo"):
        assert any(skill in n.skills for n in nurses), skill
    assert [len(_staff_with_role(r)) for r in ("MD", "NP", "pharmacist", "phlebotomist")] == [4, 3, 3, 3]
    assert all(3 <= n.max_shifts_per_week <= 4 and n.min_rest_minutes == 660 for n in nurses)
    assert _count(StaffUnavailability) > 0
    assert any(n.preferred_days_off for n in nurses)
    nurse_user = db.session.scalars(select(User).where(User.email == "nurse@trc.demo")).one()
    assert nurse_user.staff is not None and "RN" in nurse_user.staff.roles
    assert "RN" in nurse_user.staff.name and not re.search(r"\d{3}-\d{2}-\d{4}", nurse_user.staff.name)


def test_seed_demo_creates_a_study_of_every_kind_the_unit_runs(seeded):
    studies = {s.code: s for s in db.session.scalars(select(Study))}
    assert {s.phase.value for s in studies.values()} >= {"1", "1b", "2a", "2b"}
    assert [s.code for s in studies.values() if s.first_in_human] == ["SAD3"]
    assert all(s.pi is not None and s.participants and s.templates for s in studies.values())
    templates = [t for s in studies.values() for t in s.templates]
    kinds = {t.name for t in templates}
    assert {"Sentinel dosing stay", "Multi-dose stay", "Pediatric PK day stay", "Challenge and quarantine",
            "Infusion visit", "Crossover period 1", "Crossover period 2", "Screening (outpatient)"} <= kinds
    assert any(not t.needs_bed for t in templates)
    by_name = {t.name: t for t in templates}
    assert by_name["Pediatric PK day stay"].bed_features == ["pediatric"]
    assert "pediatric" in by_name["Pediatric PK day stay"].segments[0].skills
    assert by_name["Challenge and quarantine"].segments[0].ratio == 1
    assert "isolation" in by_name["Challenge and quarantine"].bed_features
    assert "chemo" in by_name["Infusion visit"].segments[0].skills
    assert all(re.fullmatch(r"[A-Z0-9]+-\d{3}", p.code) for p in db.session.scalars(select(Participant)))


def test_seed_demo_links_sentinels_and_crossover_periods_by_precedences(seeded):
    sentinel = db.session.scalars(select(VisitPrecedence).where(
        VisitPrecedence.kind == PrecedenceKind.sentinel)).first()
    assert sentinel.before_anchor == sentinel.after_anchor == "dose"
    assert sentinel.min_gap_minutes >= 48 * 60
    assert "sentinel" in sentinel.before.display_label and sentinel.before.mandatory
    washout = db.session.scalars(select(VisitPrecedence).where(
        VisitPrecedence.kind == PrecedenceKind.washout)).first()
    assert washout.before.participant_id == washout.after.participant_id
    assert washout.before.template.name == "Crossover period 1"
    assert washout.min_gap_minutes >= 5 * 1440


def test_seed_demo_is_idempotent(seeded, runner):
    before = (_count(Bed), _count(StaffMember), _count(VisitRequest), _count(User))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "nothing seeded" in again.output and "@trc.demo" not in again.output
    assert (_count(Bed), _count(StaffMember), _count(VisitRequest), _count(User)) == before


def test_seed_demo_force_on_the_demo_refuses_cleanly(seeded, runner):
    again = runner.invoke(args=["seed-demo", "--force"])
    assert again.exit_code == 1
    assert "already in use" in again.output and "Traceback" not in again.output
    assert _count(Bed) == 18


def test_seed_demo_writes_audit_rows_by_the_cli_actor(seeded):
    tables = set(db.session.scalars(select(AuditRecord.table_name).where(AuditRecord.actor == "cli:seed-demo")))
    assert {"unit_settings", "bed", "shift", "staff_member", "study", "participant", "visit_request",
            "visit_precedence", "user"} <= tables


def test_demo_passwords_work_through_the_login_form(seeded, client, login, csrf):
    for _, email, password in SIGN_IN.findall(seeded.output):
        page = login(email, password=password).get_data(as_text=True)
        assert "Signed in as" in page, email
        client.post("/auth/logout", data={"csrf_token": csrf("/")})


def test_seed_demo_with_a_fixed_clock_covers_this_week_next_week_and_2026_w48_w49(app):
    logins = seed_demo(today=date(2026, 3, 4))  # a Wednesday of 2026-W10
    db.session.commit()
    assert len(logins) == 5
    codes = set(db.session.scalars(select(Shift.code)))
    first, last = date(2026, 3, 2), date(2026, 3, 2) + timedelta(days=34)
    assert {f"{first}-D", f"{last}-N", "2026-11-23-D", "2026-12-06-N"} <= codes
    assert len(codes) == 2 * (35 + 14)
    for week in ("2026-W10", "2026-W11", "2026-W48", "2026-W49"):
        start, end = week_bounds(week, "America/New_York")
        in_week = _count(VisitRequest, VisitRequest.earliest_start >= start, VisitRequest.earliest_start < end)
        assert in_week > 40, week
        in_progress = db.session.scalars(select(VisitRequest).where(
            VisitRequest.fixed_start < start, VisitRequest.fixed_start > start - timedelta(days=5))).all()
        assert len(in_progress) == 3 and all(v.fixed_bed is not None for v in in_progress)
        assert all(v.status == VisitStatus.approved for v in in_progress)
    statuses = set(db.session.scalars(select(VisitRequest.status)))
    assert statuses == {VisitStatus.approved, VisitStatus.requested, VisitStatus.cancelled}
    assert _count(BedClosure) == 1


def test_seed_demo_does_nothing_when_a_unit_exists(app, unit):
    assert seed_demo() is None
    assert _count(Bed) == 4


def test_seed_demo_force_beside_another_unit_keeps_its_settings(app, unit):
    logins = seed_demo(force=True, today=date(2026, 11, 18))
    db.session.commit()
    assert logins and _count(Bed) == 4 + 18
    from trc_scheduler.models import UnitSettings
    assert _count(UnitSettings) == 1


def test_seed_demo_force_refuses_when_a_demo_code_is_taken(app, unit):
    db.session.add(Room(code="R01", name="Existing room"))
    db.session.commit()
    with pytest.raises(Conflict, match="R01"):
        seed_demo(force=True)
