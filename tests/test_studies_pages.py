"""Studies pages: who sees and edits which study, the study record, its team, CSRF and the audit trail."""
import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import (AuditRecord, NursingSegment, Participant, Study, StudyMember,
                                  TemplateTask, VisitPrecedence)

from . import factories
from .conftest import Browser


def study_data(**overrides) -> dict:
    data = {"code": "FIH-SAD-01", "title": "Single ascending dose", "protocol_number": "P-2026-001",
            "irb_number": "IRB-77", "sponsor": "Synthetic Pharma", "phase": "1", "first_in_human": "y",
            "status": "planning", "color": "#4e79a7"}
    data.update(overrides)
    return data


def audit_rows(table: str, action: str | None = None) -> list[AuditRecord]:
    query = AuditRecord.query.filter_by(table_name=table)
    if action:
        query = query.filter_by(action=action)
    return query.order_by(AuditRecord.id).all()


def test_investigator_creates_a_study_becomes_pi_and_sees_it(as_user, users):
    inv = as_user("investigator")
    resp = inv.post("/studies/new", study_data())
    study = Study.query.filter_by(code="FIH-SAD-01").one()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/studies/{study.id}")
    assert study.pi_id == users["investigator"].id and study.first_in_human
    page = inv.get("/studies/").get_data(as_text=True)
    assert "FIH-SAD-01" in page and "New study" in page
    detail = inv.get(f"/studies/{study.id}")
    assert detail.status_code == 200 and "Single ascending dose" in detail.get_data(as_text=True)
    insert = audit_rows("study", "insert")[-1]
    assert insert.after["code"] == "FIH-SAD-01" and insert.actor == users["investigator"].email


def test_phase_1_is_labelled_first_in_human_possible(as_user):
    page = as_user("manager").get("/studies/new").get_data(as_text=True)
    assert "1 (first-in-human possible)" in page and "Principal investigator" in page


def test_duplicate_study_code_and_protocol_are_refused_beside_the_field(as_user, users):
    factories.make_study(users["investigator"], code="FIH-SAD-01")
    inv = as_user("investigator")
    resp = inv.post("/studies/new", study_data(code="fih-sad-01", protocol_number="P-NEW"))
    assert resp.status_code == 422
    assert "Study code FIH-SAD-01 is already used by another study." in resp.get_data(as_text=True)
    resp = inv.post("/studies/new", study_data(code="OTHER-01", protocol_number="PROT-FIH-SAD-01"))
    assert resp.status_code == 422 and "is-invalid" in resp.get_data(as_text=True)
    assert Study.query.count() == 1


def test_missing_title_is_refused_with_422_and_nothing_saved(as_user):
    resp = as_user("investigator").post("/studies/new", study_data(title=""))
    assert resp.status_code == 422 and "This field is required." in resp.get_data(as_text=True)
    assert Study.query.count() == 0


def _every_study_route(study, member, participant, template, segment, task, visit, precedence):
    s, t = f"/studies/{study.id}", f"/studies/{study.id}/templates/{template.id}"
    v = f"{s}/visits/{visit.id}"
    gets = [s, f"{s}/edit", f"{s}/team", f"{s}/participants/new", f"{s}/participants/{participant.id}/edit",
            f"{s}/templates/new", t, f"{t}/edit", f"{t}/segments/new", f"{t}/segments/{segment.id}/edit",
            f"{t}/tasks/new", f"{t}/tasks/{task.id}/edit", f"{s}/visits", f"{s}/visits/new", v, f"{v}/edit",
            f"{s}/precedences/new"]
    posts = [f"{s}/edit", f"{s}/close", f"{s}/team", f"{s}/team/{member.id}/remove", f"{s}/participants/new",
             f"{s}/participants/{participant.id}/edit", f"{s}/templates/new", f"{t}/edit", f"{t}/segments/new",
             f"{t}/segments/{segment.id}/edit", f"{t}/segments/{segment.id}/remove", f"{t}/tasks/new",
             f"{t}/tasks/{task.id}/edit", f"{t}/tasks/{task.id}/remove", f"{s}/visits/new", f"{v}/edit",
             f"{v}/approve", f"{v}/cancel", f"{s}/precedences/new", f"{s}/precedences/{precedence.id}/remove"]
    return gets, posts


@pytest.fixture
def full_study(users):
    """A study of investigator 1 with a team member, participant, template parts, two visits and a precedence."""
    extra = factories.make_user("sub@trc.test", factories.Role.investigator)
    study = factories.make_study(users["investigator"], members=[extra])
    first, second = factories.make_visit(study, day=1), factories.make_visit(study, day=3)
    precedence = VisitPrecedence(before=first, after=second, min_gap_minutes=60)
    db.session.add(precedence)
    db.session.commit()
    return dict(study=study, member=StudyMember.query.one(), participant=Participant.query.one(),
                template=study.templates[0], segment=NursingSegment.query.one(), task=TemplateTask.query.one(),
                visit=first, precedence=precedence)


def test_other_investigator_gets_404_on_every_route_and_does_not_see_the_study(as_user, full_study):
    gets, posts = _every_study_route(**full_study)
    before = AuditRecord.query.count()
    other = as_user("investigator2")
    assert "FIH-01" not in other.get("/studies/").get_data(as_text=True)
    for path in gets:
        assert other.get(path).status_code == 404, path
    for path in posts:
        assert other.post(path, {"code": "X", "email": "inv2@trc.test"}).status_code == 404, path
    assert AuditRecord.query.count() == before


def test_pi_and_manager_open_every_page_of_the_study(as_user, full_study):
    gets, _ = _every_study_route(**full_study)
    for role in ("investigator", "manager"):
        browser = as_user(role)
        for path in gets:
            assert browser.get(path).status_code == 200, (role, path)


def test_nurse_reads_every_page_but_gets_403_on_edit_routes(as_user, full_study):
    gets, posts = _every_study_route(**full_study)
    nurse = as_user("nurse")
    readable = {gets[0], gets[6], gets[12], gets[14]}  # study, template, visit list, visit
    for path in gets:
        assert nurse.get(path).status_code == (200 if path in readable else 403), path
    assert nurse.get("/studies/new").status_code == 403
    assert "New study" not in nurse.get("/studies/").get_data(as_text=True)
    before = AuditRecord.query.count()
    for path in posts:
        assert nurse.post(path, {"code": "X"}).status_code == 403, path
    assert AuditRecord.query.count() == before


def test_manager_edits_anyones_study_and_changes_its_pi(as_user, users):
    study = factories.make_study(users["investigator"])
    manager = as_user("manager")
    data = study_data(code=study.code, protocol_number=study.protocol_number, title="Renamed",
                      status="enrolling", pi_id=users["investigator2"].id)
    resp = manager.post(f"/studies/{study.id}/edit", data)
    assert resp.status_code == 302
    study = db.session.get(Study, study.id)
    assert study.title == "Renamed" and study.pi_id == users["investigator2"].id
    update = audit_rows("study", "update")[-1]
    assert update.before["title"] == "Study FIH-01" and update.after["title"] == "Renamed"
    assert update.before["pi_id"] == users["investigator"].id and update.after["pi_id"] == users["investigator2"].id


def test_manager_must_name_an_investigator_as_pi(as_user, users):
    resp = as_user("manager").post("/studies/new", study_data(pi_id=users["nurse"].id))
    assert resp.status_code == 422 and "Not a valid choice" in resp.get_data(as_text=True)
    resp = as_user("manager").post("/studies/new", study_data(pi_id=0))
    assert resp.status_code == 422 and "Choose an active investigator as PI." in resp.get_data(as_text=True)
    assert Study.query.count() == 0


def test_pi_adds_and_removes_a_team_member_who_then_gains_and_loses_access(as_user, users):
    study = factories.make_study(users["investigator"])
    pi = as_user("investigator")
    resp = pi.post(f"/studies/{study.id}/team", {"email": "nobody@trc.test", "role": "sub-investigator"})
    assert resp.status_code == 422 and "No active investigator account has the email" in resp.get_data(as_text=True)
    resp = pi.post(f"/studies/{study.id}/team", {"email": "INV2@trc.test", "role": "co-investigator"})
    assert resp.status_code == 302
    member = StudyMember.query.one()
    assert member.user_id == users["investigator2"].id
    assert audit_rows("study_member", "insert")[-1].after["role"] == "co-investigator"
    other = as_user("investigator2")
    assert other.get(f"/studies/{study.id}").status_code == 200
    assert other.get(f"/studies/{study.id}/team").status_code == 403  # members edit, only the PI manages the team
    assert pi.post(f"/studies/{study.id}/team/{member.id}/remove").status_code == 302
    assert StudyMember.query.count() == 0 and audit_rows("study_member", "delete")
    assert other.get(f"/studies/{study.id}").status_code == 404


def test_close_study_keeps_it_and_logs_the_status_change(as_user, users):
    study = factories.make_study(users["investigator"])
    resp = as_user("investigator").post(f"/studies/{study.id}/close")
    assert resp.status_code == 302
    assert db.session.get(Study, study.id).status.value == "closed"
    update = audit_rows("study", "update")[-1]
    assert update.before == {"status": "active"} and update.after == {"status": "closed"}


def test_post_without_csrf_token_is_rejected(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        users = factories.make_users()
        browser = Browser(app, users["investigator"])
        resp = browser.client.post("/studies/new", data=study_data())
        assert resp.status_code == 400
        assert Study.query.count() == 0
        assert browser.post("/studies/new", study_data()).status_code == 302
