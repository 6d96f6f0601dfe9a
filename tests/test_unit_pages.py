"""The unit managers' pages: settings, rooms and beds, closures, staff and leave, shift patterns and shifts."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from trc_scheduler.extensions import db
from trc_scheduler.models import (AuditRecord, Bed, BedClosure, Room, Shift, ShiftPattern, StaffMember,
                                  StaffUnavailability, UnitSettings)
from trc_scheduler.models.types import utcnow
from trc_scheduler.services.unit import known_bed_features, set_bed_active

from .factories import TZ, local


def fresh():
    """End the test's read transaction so rows committed by requests are visible."""
    db.session.rollback()


def error_beside(html: str, field_id: str) -> str:
    """Return the first error message shown after the field with this id (beside it)."""
    match = re.search(rf'id="{re.escape(field_id)}".*?<div class="invalid-feedback d-block">(.*?)</div>', html, re.S)
    assert match, f"no error shown beside {field_id}"
    return match.group(1).replace("&#39;", "'").replace("&#34;", '"')


def audits(table: str, action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.table_name == table,
                                                            AuditRecord.action == action)))


@pytest.fixture
def manager(client, users, unit, login, csrf):
    """Sign the manager in; return a poster that adds the CSRF token."""
    login(users["manager"])
    token = csrf("/")

    def post(path, data=None, **kw):
        return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)
    post.token = token
    return post


SETTINGS = {"name": "Research Ward", "timezone": "America/New_York", "turnover_minutes": "45",
            "admission_from": "08:00", "admission_to": "18:00", "room_sharing": "any",
            "default_load_percent": "30", "max_admissions_per_shift": "5", "weight_unscheduled": "900",
            "weight_target_hour": "2", "weight_continuity": "5", "weight_preferred_off": "20",
            "weight_changed_visit": "200", "weight_changed_shift": "30"}


# --- who may see the unit pages ---------------------------------------------------------------------

def _paths(unit):
    bed, room, staff = unit["beds"][0], unit["rooms"][0], unit["staff"][0]
    shift = unit["shifts"][0]
    pattern_id = shift.pattern_id
    gets = ["/unit/settings", "/unit/beds", "/unit/rooms/new", f"/unit/rooms/{room.id}/edit", "/unit/beds/new",
            f"/unit/beds/{bed.id}/edit", f"/unit/beds/{bed.id}/closures", "/unit/staff", "/unit/staff/new",
            f"/unit/staff/{staff.id}/edit", f"/unit/staff/{staff.id}/leave", "/unit/shifts",
            "/unit/shifts/patterns/new", f"/unit/shifts/patterns/{pattern_id}/edit", f"/unit/shifts/{shift.id}/edit"]
    posts = gets + [f"/unit/rooms/{room.id}/deactivate", f"/unit/beds/{bed.id}/deactivate",
                    f"/unit/staff/{staff.id}/deactivate", f"/unit/shifts/patterns/{pattern_id}/deactivate",
                    "/unit/shifts/generate"]
    for read_only in ("/unit/beds", "/unit/staff", "/unit/shifts"):
        posts.remove(read_only)
    return gets, posts


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_investigators_and_nurses_get_403_on_every_unit_page(client, users, unit, login, csrf, role):
    login(users[role])
    token = csrf("/")
    gets, posts = _paths(unit)
    for path in gets:
        assert client.get(path).status_code == 403, path
    for path in posts:
        assert client.post(path, data={"csrf_token": token, "code": "X1", "name": "X"}).status_code == 403, path
    fresh()
    assert db.session.scalar(select(Room).where(Room.code == "R1")).active
    assert db.session.scalar(select(Bed).where(Bed.code == "B1")).active


def test_anonymous_is_sent_to_login_from_every_unit_page(client, unit):
    for path in _paths(unit)[0]:
        resp = client.get(path)
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], path


def test_nav_shows_unit_links_to_managers_only(client, users, unit, login):
    html = login(users["manager"]).get_data(as_text=True)
    assert 'href="/unit/beds"' in html and 'href="/audit/"' in html
    client.post("/auth/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1]})
    html = login(users["nurse"]).get_data(as_text=True)
    assert 'href="/unit/beds"' not in html and 'href="/audit/"' not in html


# --- settings ---------------------------------------------------------------------------------------

def test_settings_page_shows_current_settings(client, manager):
    html = client.get("/unit/settings").get_data(as_text=True)
    assert 'value="Test Unit"' in html and 'value="America/New_York"' in html
    assert "Cost weights" in html


def test_settings_are_created_when_the_unit_has_none(client, users, login, csrf):
    login(users["admin"])
    assert "not set up yet" in client.get("/unit/settings").get_data(as_text=True)
    resp = client.post("/unit/settings", data={"csrf_token": csrf("/"), **SETTINGS})
    assert resp.status_code == 302
    fresh()
    settings = db.session.scalars(select(UnitSettings)).one()
    assert (settings.name, settings.admission_from, settings.room_sharing.value) == ("Research Ward", "08:00", "any")
    [record] = audits("unit_settings", "insert")
    assert record.actor == "admin@trc.test" and record.after["turnover_minutes"] == 45


def test_settings_update_saves_and_audits_before_and_after(client, manager):
    resp = manager("/unit/settings", SETTINGS, follow_redirects=True)
    assert resp.status_code == 200 and "Unit settings saved." in resp.get_data(as_text=True)
    fresh()
    settings = db.session.scalars(select(UnitSettings)).one()
    assert (settings.name, settings.turnover_minutes, settings.weight_unscheduled) == ("Research Ward", 45, 900)
    [record] = audits("unit_settings", "update")
    assert record.before["name"] == "Test Unit" and record.after["name"] == "Research Ward"
    assert record.before["admission_to"] == "20:00" and record.after["admission_to"] == "18:00"
    assert record.actor == "manager@trc.test"


@pytest.mark.parametrize("change, field, message", [
    ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not an IANA time zone"),
    ({"admission_from": "20:00", "admission_to": "07:00"}, "admission_to", "Admission hours must end after"),
    ({"admission_from": "7am"}, "admission_from", "Use HH:MM"),
    ({"default_load_percent": "0"}, "default_load_percent", "Number must be between 1 and 100."),
    ({"name": ""}, "name", "This field is required."),
])
def test_invalid_settings_are_refused_beside_the_field(client, manager, change, field, message):
    resp = manager("/unit/settings", {**SETTINGS, **change})
    assert resp.status_code == 422
    assert message in error_beside(resp.get_data(as_text=True), field)
    fresh()
    assert db.session.scalars(select(UnitSettings)).one().name == "Test Unit"
    assert not audits("unit_settings", "update")


# --- rooms and beds ---------------------------------------------------------------------------------

def test_beds_page_groups_beds_by_room(client, manager):
    html = client.get("/unit/beds").get_data(as_text=True)
    assert "R1 · Room 1" in html and "R2 · Room 2" in html
    r2 = html[html.index("R2 · Room 2"):html.index("R3 · Room 3")]
    assert "B2" in r2 and "B3" in r2 and "B1" not in r2
    assert "telemetry" in html and "table-responsive" in html


def test_create_room_and_duplicate_code(client, manager):
    assert manager("/unit/rooms/new", {"code": "R9", "name": "Room 9"}).status_code == 302
    resp = manager("/unit/rooms/new", {"code": "r1", "name": "Again"})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "code") == "There is already a room R1."
    fresh()
    assert db.session.scalar(select(Room).where(Room.code == "R9")).name == "Room 9"
    assert db.session.scalar(select(Room).where(Room.name == "Again")) is None
    assert any(r.after["code"] == "R9" for r in audits("room", "insert"))


def test_create_bed_with_features_and_extra_features(client, manager, unit):
    room = unit["rooms"][2]
    resp = manager("/unit/beds/new", {"code": "B9", "room": room.id, "features": ["telemetry", "bariatric"],
                                      "extra_features": "negative pressure, hoist"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/unit/beds")
    fresh()
    bed = db.session.scalar(select(Bed).where(Bed.code == "B9"))
    assert bed.room.code == "R3" and bed.features == ["telemetry", "bariatric", "negative pressure", "hoist"]
    record = next(r for r in audits("bed", "insert") if r.after["code"] == "B9")
    assert record.actor == "manager@trc.test" and record.after["features"] == bed.features
    assert "negative pressure" in client.get("/unit/beds").get_data(as_text=True)


def test_duplicate_bed_code_is_refused_beside_code(client, manager, unit):
    resp = manager("/unit/beds/new", {"code": "B1", "room": unit["rooms"][0].id})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "code") == "There is already a bed B1."
    fresh()
    assert db.session.query(Bed).count() == 4


def test_invalid_bed_shows_errors_and_saves_nothing(client, manager, unit):
    resp = manager("/unit/beds/new", {"code": "", "room": unit["rooms"][0].id, "features": ["jetpack"]})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert error_beside(html, "code") == "This field is required."
    assert "is not a valid choice" in error_beside(html, "features-0")
    fresh()
    assert db.session.query(Bed).count() == 4


def test_edit_bed_audits_changed_features(client, manager, unit):
    bed = unit["beds"][2]
    resp = manager(f"/unit/beds/{bed.id}/edit", {"code": "B3", "room": bed.room_id, "features": ["isolation"]})
    assert resp.status_code == 302
    fresh()
    assert db.session.get(Bed, bed.id).features == ["isolation"]
    [record] = audits("bed", "update")
    assert record.before == {"features": []} and record.after == {"features": ["isolation"]}


def test_edit_bed_page_splits_known_and_extra_features(client, manager, unit):
    bed = unit["beds"][0]
    manager(f"/unit/beds/{bed.id}/edit", {"code": "B1", "room": bed.room_id, "features": ["telemetry"],
                                          "extra_features": "hoist"})
    html = client.get(f"/unit/beds/{bed.id}/edit").get_data(as_text=True)
    assert re.search(r'checked[^>]*value="telemetry"|value="telemetry"[^>]*checked', html)
    assert 'value="hoist"' in html


def test_deactivate_and_reactivate_bed_and_room(client, manager, unit):
    bed, room = unit["beds"][0], unit["rooms"][0]
    assert manager(f"/unit/beds/{bed.id}/deactivate").status_code == 302
    fresh()
    assert not db.session.get(Bed, bed.id).active
    assert "decommissioned" in client.get("/unit/beds").get_data(as_text=True)
    manager(f"/unit/beds/{bed.id}/reactivate")
    manager(f"/unit/rooms/{room.id}/deactivate")
    fresh()
    assert not db.session.get(Room, room.id).active and not db.session.get(Bed, bed.id).active
    resp = manager(f"/unit/beds/{bed.id}/reactivate", headers={"Referer": "/unit/beds"})
    assert resp.status_code == 303
    assert "reactivate the room first" in client.get("/unit/beds").get_data(as_text=True)
    fresh()
    assert not db.session.get(Bed, bed.id).active


def test_known_bed_features_lists_features_of_active_beds(app, unit):
    assert known_bed_features() == ["isolation", "pediatric", "telemetry"]
    set_bed_active(type("Manager", (), {"is_manager": True})(), unit["beds"][3], False)
    assert known_bed_features() == ["isolation", "telemetry"]


# --- bed closures -----------------------------------------------------------------------------------

def test_add_closure_stores_utc_and_shows_local_time(client, manager, unit):
    bed = unit["beds"][1]
    resp = manager(f"/unit/beds/{bed.id}/closures", {"reason": "maintenance", "start": "2026-12-01T08:00",
                                                     "end": "2026-12-03T17:30", "note": "new monitor"})
    assert resp.status_code == 302
    fresh()
    closure = db.session.scalars(select(BedClosure)).one()
    assert closure.start == local(2026, 12, 1, 8) and closure.end == local(2026, 12, 3, 17, 30)
    html = client.get(f"/unit/beds/{bed.id}/closures").get_data(as_text=True)
    assert "Tue 01 Dec 2026 08:00" in html and "new monitor" in html
    assert audits("bed_closure", "insert")[0].after["reason"] == "maintenance"


def test_closure_ending_before_it_starts_is_refused(client, manager, unit):
    bed = unit["beds"][1]
    resp = manager(f"/unit/beds/{bed.id}/closures", {"reason": "cleaning", "start": "2026-12-03T08:00",
                                                     "end": "2026-12-01T08:00"})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "end") == "The closure must end after it starts."
    fresh()
    assert db.session.query(BedClosure).count() == 0


def test_closed_bed_is_shown_closed_with_reason_and_dates(client, manager, unit):
    bed = unit["beds"][0]
    manager(f"/unit/beds/{bed.id}/closures", {"reason": "infection_control", "start": "2026-01-01T06:00"})
    html = client.get("/unit/beds").get_data(as_text=True)
    row = html[html.index(">B1<"):html.index(">B2<")]
    assert "closed" in row and "infection control" in row and "since Thu 01 Jan 2026 06:00" in row
    assert "until further notice" in row


def test_remove_future_closure_but_not_a_started_one(client, manager, unit):
    bed = unit["beds"][0]
    manager(f"/unit/beds/{bed.id}/closures", {"reason": "maintenance", "start": "2099-01-01T08:00"})
    manager(f"/unit/beds/{bed.id}/closures", {"reason": "cleaning", "start": "2026-01-01T08:00"})
    fresh()
    future = db.session.scalar(select(BedClosure).where(BedClosure.reason == "maintenance"))
    started = db.session.scalar(select(BedClosure).where(BedClosure.reason == "cleaning"))
    assert manager(f"/unit/closures/{future.id}/remove").status_code == 302
    assert manager(f"/unit/closures/{started.id}/remove", headers={"Referer": "/unit/beds"}).status_code == 303
    fresh()
    assert [c.reason.value for c in db.session.scalars(select(BedClosure))] == ["cleaning"]
    [deleted] = audits("bed_closure", "delete")
    assert deleted.before["reason"] == "maintenance"
    assert manager(f"/unit/closures/{started.id}/end").status_code == 302
    fresh()
    assert db.session.get(BedClosure, started.id).end is not None


# --- staff and leave --------------------------------------------------------------------------------

STAFF = {"code": "S200", "name": "Nurse Twenty", "roles": ["RN"], "extra_roles": "CRC", "skills": ["charge"],
         "extra_skills": "ECG", "max_shifts_per_week": "3", "max_minutes_per_week": "2160",
         "min_rest_minutes": "720", "max_consecutive_days": "2", "preferred_days_off": ["6", "7"]}


def test_staff_page_lists_roles_skills_and_limits(client, manager):
    html = client.get("/unit/staff").get_data(as_text=True)
    assert "S001" in html and "Nurse 1" in html and "charge, telemetry" in html
    assert "4 shifts / 48 h a week" in html and "Physician 1" in html


def test_create_staff_member(client, manager):
    assert manager("/unit/staff/new", STAFF).status_code == 302
    fresh()
    member = db.session.scalar(select(StaffMember).where(StaffMember.code == "S200"))
    assert member.roles == ["RN", "CRC"] and member.skills == ["charge", "ECG"]
    assert (member.max_shifts_per_week, member.max_consecutive_days, member.preferred_days_off) == (3, 2, [6, 7])
    record = next(r for r in audits("staff_member", "insert") if r.after["code"] == "S200")
    assert record.after["min_rest_minutes"] == 720 and record.actor == "manager@trc.test"
    assert "Sat, Sun" in client.get("/unit/staff").get_data(as_text=True)


@pytest.mark.parametrize("change, field, message", [
    ({"code": "s001"}, "code", "There is already a staff member S001."),
    ({"max_consecutive_days": "0"}, "max_consecutive_days", "Number must be between 1 and 14."),
    ({"roles": [], "extra_roles": ""}, "roles-0", "Give at least one role (e.g. RN)."),
    ({"min_rest_minutes": "lots"}, "min_rest_minutes", "Not a valid integer value."),
])
def test_invalid_staff_member_is_refused_beside_the_field(client, manager, change, field, message):
    resp = manager("/unit/staff/new", {**STAFF, **change})
    assert resp.status_code == 422
    assert message in error_beside(resp.get_data(as_text=True), field)
    fresh()
    assert db.session.scalar(select(StaffMember).where(StaffMember.name == "Nurse Twenty")) is None


def test_edit_and_deactivate_staff_member(client, manager, unit):
    member = unit["staff"][0]
    html = client.get(f"/unit/staff/{member.id}/edit").get_data(as_text=True)
    assert 'value="S001"' in html
    data = {**STAFF, "code": "S001", "name": "Nurse 1", "max_shifts_per_week": "5"}
    assert manager(f"/unit/staff/{member.id}/edit", data).status_code == 302
    assert manager(f"/unit/staff/{member.id}/deactivate").status_code == 302
    fresh()
    member = db.session.get(StaffMember, member.id)
    assert member.max_shifts_per_week == 5 and not member.active
    updates = audits("staff_member", "update")
    assert updates[0].before["max_shifts_per_week"] == 4 and updates[0].after["max_shifts_per_week"] == 5
    assert updates[-1].after == {"active": False}


def test_leave_add_refuse_and_remove(client, manager, unit):
    member = unit["staff"][1]
    resp = manager(f"/unit/staff/{member.id}/leave", {"kind": "leave", "start": "2026-11-24T00:00",
                                                      "end": "2026-11-23T00:00"})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "end") == "The end must be after the start."
    resp = manager(f"/unit/staff/{member.id}/leave", {"kind": "training", "start": "2026-11-24T08:00",
                                                      "end": "2026-11-24T16:00", "note": "ACLS"})
    assert resp.status_code == 302
    fresh()
    entry = db.session.scalars(select(StaffUnavailability)).one()
    assert entry.start == local(2026, 11, 24, 8) and entry.kind.value == "training"
    assert "ACLS" in client.get(f"/unit/staff/{member.id}/leave").get_data(as_text=True)
    assert manager(f"/unit/leave/{entry.id}/remove").status_code == 302
    fresh()
    assert db.session.query(StaffUnavailability).count() == 0
    assert audits("staff_unavailability", "delete")[0].before["note"] == "ACLS"


# --- shift patterns and dated shifts ----------------------------------------------------------------

def _shift_row(html: str, code: str) -> str:
    start = html.index(f'id="shift-{code}"')
    return html[start:html.index("</tr>", start)]


def test_shifts_page_lists_patterns_and_the_chosen_week(client, manager):
    html = client.get("/unit/shifts?week=2026-W48").get_data(as_text=True)
    assert "Day" in html and "RN=2" in html and "charge=1" in html
    row = _shift_row(html, "2026-11-23-N")
    assert "19:00" in row and "Tue 07:00" in row and "12 h" in row


def test_shifts_page_defaults_to_the_current_week_in_the_unit_zone(client, manager):
    today = utcnow().astimezone(TZ).date()
    year, week, _ = today.isocalendar()
    assert f"Week {year}-W{week:02d}" in client.get("/unit/shifts").get_data(as_text=True)
    assert "is not an ISO week" in client.get("/unit/shifts?week=soon").get_data(as_text=True)


@pytest.mark.parametrize("first_day, week, code, hours", [
    ("2026-03-02", "2026-W10", "2026-03-07-N", 11),
    ("2026-10-26", "2026-W44", "2026-10-31-N", 13),
])
def test_generated_night_across_a_clock_change_has_its_real_length(client, manager, first_day, week, code, hours):
    resp = manager("/unit/shifts/generate", {"first_day": first_day, "days": "7"})
    assert resp.status_code == 302 and f"week={week}" in resp.headers["Location"]
    fresh()
    assert db.session.scalar(select(Shift).where(Shift.code == code)).minutes == hours * 60
    html = client.get(f"/unit/shifts?week={week}").get_data(as_text=True)
    assert f"{hours} h" in _shift_row(html, code) and "clock change" in _shift_row(html, code)
    assert "12 h" in _shift_row(html, code.replace("-N", "-D"))
    assert db.session.query(Shift).count() == 14 + 14


def test_generate_refuses_bad_input_and_saves_nothing(client, manager):
    resp = manager("/unit/shifts/generate", {"first_day": "2026-03-02", "days": "63"})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "days") == "Number must be between 1 and 62."
    for pattern in db.session.scalars(select(ShiftPattern)):
        manager(f"/unit/shifts/patterns/{pattern.id}/deactivate")
    resp = manager("/unit/shifts/generate", {"first_day": "2026-03-02", "days": "3"})
    assert resp.status_code == 422 and "Define a shift pattern first." in resp.get_data(as_text=True)
    fresh()
    assert db.session.query(Shift).count() == 14


PATTERN = {"code": "E", "name": "Evening", "start_time": "15:00", "end_time": "23:00",
           "min_staff": "RN=3, MD=1, pharmacist=1", "min_skill": "charge=1"}


def test_create_shift_pattern_parses_staffing(client, manager):
    assert manager("/unit/shifts/patterns/new", PATTERN).status_code == 302
    fresh()
    pattern = db.session.scalar(select(ShiftPattern).where(ShiftPattern.code == "E"))
    assert pattern.min_staff == {"RN": 3, "MD": 1, "pharmacist": 1} and pattern.min_skill == {"charge": 1}
    record = next(r for r in audits("shift_pattern", "insert") if r.after["code"] == "E")
    assert record.after["min_staff"] == {"RN": 3, "MD": 1, "pharmacist": 1}


@pytest.mark.parametrize("change, field, message", [
    ({"min_staff": "RN=3, MD"}, "min_staff", "'MD' is not NAME=NUMBER (e.g. RN=3)."),
    ({"min_staff": "RN=3, MD=x"}, "min_staff", "'MD=x': the number must be a whole number from 1 to 50."),
    ({"min_skill": "charge=1, charge=2"}, "min_skill", "'charge' is given twice."),
    ({"code": "D"}, "code", "There is already a shift pattern D."),
    ({"end_time": "15:00"}, "end_time", "A shift cannot end when it starts."),
    ({"start_time": "25:00"}, "start_time", "Use HH:MM, e.g. 07:00."),
])
def test_invalid_shift_pattern_is_refused_beside_the_field(client, manager, change, field, message):
    resp = manager("/unit/shifts/patterns/new", {**PATTERN, **change})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), field) == message
    fresh()
    assert db.session.scalar(select(ShiftPattern).where(ShiftPattern.name == "Evening")) is None


def test_edit_pattern_keeps_code_once_shifts_exist(client, manager, unit):
    pattern = unit["shifts"][0].pattern
    data = {"code": "DX", "name": "Long day", "start_time": "07:00", "end_time": "19:30",
            "min_staff": "RN=2", "min_skill": "charge=1"}
    resp = manager(f"/unit/shifts/patterns/{pattern.id}/edit", data)
    assert resp.status_code == 422 and "its code cannot change" in error_beside(resp.get_data(as_text=True), "code")
    assert manager(f"/unit/shifts/patterns/{pattern.id}/edit", {**data, "code": "D"}).status_code == 302
    fresh()
    pattern = db.session.get(ShiftPattern, pattern.id)
    assert (pattern.code, pattern.name, pattern.end_time) == ("D", "Long day", "19:30")
    assert audits("shift_pattern", "update")[0].after == {"name": "Long day", "end_time": "19:30"}


def test_edit_dated_shift_staffing(client, manager, unit):
    shift = unit["shifts"][0]
    assert 'value="RN=2"' in client.get(f"/unit/shifts/{shift.id}/edit").get_data(as_text=True)
    resp = manager(f"/unit/shifts/{shift.id}/edit", {"min_staff": "RN=", "min_skill": ""})
    assert resp.status_code == 422
    assert error_beside(resp.get_data(as_text=True), "min_staff").startswith("'RN=': the number")
    resp = manager(f"/unit/shifts/{shift.id}/edit", {"min_staff": "RN=3, MD=1", "min_skill": "charge=2"})
    assert resp.status_code == 302 and "week=2026-W48" in resp.headers["Location"]
    fresh()
    shift = db.session.get(Shift, shift.id)
    assert shift.min_staff == {"RN": 3, "MD": 1} and shift.min_skill == {"charge": 2}
    [record] = audits("shift", "update")
    assert record.before["min_staff"] == {"RN": 2} and record.after["min_staff"] == {"RN": 3, "MD": 1}
    assert "RN=3, MD=1" in _shift_row(client.get("/unit/shifts?week=2026-W48").get_data(as_text=True), shift.code)


def test_days_are_counted_in_local_weeks(app, unit):
    from trc_scheduler.services.unit import parse_iso_week, shifts_of_week
    monday = parse_iso_week("2026-W48")
    assert monday == date(2026, 11, 23)
    codes = [s.code for s in shifts_of_week(monday, TZ)]
    assert codes[0] == "2026-11-23-D" and codes[-1] == "2026-11-29-N" and len(codes) == 14
