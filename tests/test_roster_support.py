"""Builders shared by the roster, calendar and print tests (this module holds no tests)."""
import copy
import json
from datetime import datetime, timezone

from trc_scheduler.audit import set_actor
from trc_scheduler.extensions import db
from trc_scheduler.models import (Bed, Phase, Room, ScheduleVersion, ScheduleWeek, StaffMember, Study,
                                  StudyStatus, VersionStatus)
from .paths import INSTANCES

SPEC = INSTANCES


def load_example(name: str) -> dict:
    """Return a spec example file as a dict."""
    return json.loads((SPEC / name).read_text())


def small() -> tuple[dict, dict]:
    """Return example-small's instance and its valid schedule."""
    return load_example("example-small.json"), load_example("example-small.schedule.json")


def publish(instance: dict, schedule: dict, week: str = "2026-W48") -> ScheduleVersion:
    """Insert a published version of the week (creating the week), as the lifecycle would."""
    set_actor(db.session, None, "tests")
    row = db.session.scalars(db.select(ScheduleWeek).where(ScheduleWeek.week == week)).first()
    if row is None:
        row = ScheduleWeek(week=week)
        db.session.add(row)
        db.session.flush()
    number = 1 + sum(1 for _ in db.session.scalars(db.select(ScheduleVersion.id).where(
        ScheduleVersion.week_id == row.id, ScheduleVersion.number.is_not(None))))
    if row.published_version is not None:
        row.published_version.status = VersionStatus.superseded
    version = ScheduleVersion(week_id=row.id, number=number, status=VersionStatus.published,
                              instance=copy.deepcopy(instance), schedule=copy.deepcopy(schedule),
                              solver_status=schedule.get("status", "FEASIBLE"),
                              published_at=datetime(2026, 11, 20, 12, number, tzinfo=timezone.utc))
    db.session.add(version)
    db.session.flush()
    row.published_version_id = version.id
    row.lock += 1
    db.session.commit()
    return version


def publish_small() -> ScheduleVersion:
    """Publish example-small (+ its schedule) as week 2026-W48."""
    return publish(*small())


def make_studies(instance: dict, pi, members_by_code: dict | None = None) -> dict:
    """Create Study rows whose codes match the instance's studies; team members per code."""
    from trc_scheduler.models import StudyMember
    set_actor(db.session, None, "tests")
    out = {}
    for s in instance["studies"]:
        study = Study(code=s["id"], title=s["title"], protocol_number=f"PROT-{s['id']}", phase=Phase.phase1,
                      status=StudyStatus.active, pi=pi)
        db.session.add(study)
        for user in (members_by_code or {}).get(s["id"], []):
            db.session.add(StudyMember(study=study, user=user))
        out[s["id"]] = study
    db.session.commit()
    return out


def make_beds(instance: dict) -> dict:
    """Create Room and Bed rows matching the instance's rooms and beds."""
    set_actor(db.session, None, "tests")
    rooms = {r["id"]: Room(code=r["id"], name=r["name"]) for r in instance["rooms"]}
    db.session.add_all(rooms.values())
    beds = {b["id"]: Bed(code=b["id"], room=rooms[b["room"]], features=b["features"]) for b in instance["beds"]}
    db.session.add_all(beds.values())
    db.session.commit()
    return beds


def link_staff(user, code: str, name: str = "Linked Nurse") -> StaffMember:
    """Link a user to a StaffMember with `code` (created when missing)."""
    set_actor(db.session, None, "tests")
    staff = db.session.scalars(db.select(StaffMember).where(StaffMember.code == code)).first()
    if staff is None:
        staff = StaffMember(code=code, name=name, roles=["RN"], skills=[])
        db.session.add(staff)
    user = db.session.merge(user)
    user.staff = staff
    db.session.commit()
    return staff
