"""Visit requests (window, status flow) and precedences between visits of a study."""
import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import VisitPrecedence, VisitRequest, VisitStatus

from . import factories
from .factories import local
from .test_studies_pages import audit_rows


@pytest.fixture
def study(users):
    return factories.make_study(users["investigator"])


def visit_data(study, **overrides) -> dict:
    data = {"participant_id": study.participants[0].id, "template_id": study.templates[0].id,
            "target_start": "2026-11-25T09:00", "earliest_start": "", "latest_start": "", "mandatory": "y",
            "priority": "5", "notes": ""}
    data.update(overrides)
    return data


def test_visit_request_gets_the_templates_window_in_local_days(as_user, study):
    resp = as_user("investigator").post(f"/studies/{study.id}/visits/new", visit_data(study))
    assert resp.status_code == 302
    visit = VisitRequest.query.one()
    assert visit.status == VisitStatus.requested
    assert visit.target_start == local(2026, 11, 25, 9)
    assert (visit.earliest_start, visit.latest_start) == (local(2026, 11, 24, 9), local(2026, 11, 26, 9))
    insert = audit_rows("visit_request", "insert")[-1]
    assert insert.after["status"] == "requested" and insert.after["participant_id"] == study.participants[0].id


def test_default_window_keeps_the_wall_clock_time_across_daylight_saving(as_user, study):
    # Clocks go back on 1 Nov 2026 in New York: one local day before is 25 real hours earlier.
    as_user("investigator").post(f"/studies/{study.id}/visits/new", visit_data(study, target_start="2026-11-01T12:00"))
    visit = VisitRequest.query.one()
    assert visit.earliest_start == local(2026, 10, 31, 12)
    assert (visit.target_start - visit.earliest_start).total_seconds() == 25 * 3600


def test_latest_before_earliest_is_refused_beside_latest_start(as_user, study):
    inv = as_user("investigator")
    resp = inv.post(f"/studies/{study.id}/visits/new", visit_data(study, earliest_start="2026-11-26T09:00",
                                                                  latest_start="2026-11-24T09:00"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "The latest start is before the earliest start." in html
    assert html.index("The latest start is before") > html.index('name="latest_start"')
    resp = inv.post(f"/studies/{study.id}/visits/new", visit_data(study, earliest_start="2026-11-26T09:00"))
    assert resp.status_code == 422 and "The target start is outside the window" in resp.get_data(as_text=True)
    assert VisitRequest.query.count() == 0


def test_visit_for_a_participant_of_another_study_is_refused(as_user, users, study):
    other = factories.make_study(users["investigator2"], code="OTHER-01")
    resp = as_user("investigator").post(f"/studies/{study.id}/visits/new",
                                        visit_data(study, participant_id=other.participants[0].id))
    assert resp.status_code == 422 and "Not a valid choice" in resp.get_data(as_text=True)
    assert VisitRequest.query.count() == 0


def test_manager_approves_and_investigator_cannot(as_user, study):
    visit = factories.make_visit(study, status=VisitStatus.requested)
    url = f"/studies/{study.id}/visits/{visit.id}"
    assert as_user("investigator").post(f"{url}/approve").status_code == 403
    assert db.session.get(VisitRequest, visit.id).status == VisitStatus.requested
    manager = as_user("manager")
    assert "Approve" in manager.get(f"/studies/{study.id}/visits?status=requested").get_data(as_text=True)
    resp = manager.post(f"{url}/approve", {"next": f"/studies/{study.id}/visits"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/studies/{study.id}/visits")
    assert db.session.get(VisitRequest, visit.id).status == VisitStatus.approved
    update = audit_rows("visit_request", "update")[-1]
    assert update.before == {"status": "requested"} and update.after == {"status": "approved"}
    resp = manager.post(f"{url}/approve", follow_redirects=True)
    assert "Only requested visits can be approved" in resp.get_data(as_text=True)


def test_team_cancels_a_visit_which_is_kept(as_user, study):
    visit = factories.make_visit(study, status=VisitStatus.approved)
    inv = as_user("investigator")
    assert inv.post(f"/studies/{study.id}/visits/{visit.id}/cancel").status_code == 302
    assert db.session.get(VisitRequest, visit.id).status == VisitStatus.cancelled
    assert audit_rows("visit_request", "update")[-1].after == {"status": "cancelled"}
    resp = inv.post(f"/studies/{study.id}/visits/{visit.id}/edit", visit_data(study), follow_redirects=True)
    assert "A cancelled visit request cannot be changed." in resp.get_data(as_text=True)
    assert db.session.get(VisitRequest, visit.id).target_start == visit.target_start


def test_investigator_changing_an_approved_visit_sends_it_back_for_approval(as_user, study):
    visit = factories.make_visit(study, status=VisitStatus.approved)
    resp = as_user("investigator").post(f"/studies/{study.id}/visits/{visit.id}/edit",
                                        visit_data(study, target_start="2026-11-24T10:00",
                                                   earliest_start="2026-11-24T07:00", latest_start="2026-11-24T19:00"))
    assert resp.status_code == 302
    visit = db.session.get(VisitRequest, visit.id)
    assert visit.status == VisitStatus.requested and visit.target_start == local(2026, 11, 24, 10)


def test_visit_list_filters_by_status(as_user, study):
    factories.make_visit(study, status=VisitStatus.requested, label="Needs approval")
    factories.make_visit(study, status=VisitStatus.cancelled, label="Called off", day=2)
    nurse = as_user("nurse")
    page = nurse.get(f"/studies/{study.id}/visits?status=cancelled").get_data(as_text=True)
    assert "Called off" in page and "Needs approval" not in page
    page = nurse.get(f"/studies/{study.id}/visits").get_data(as_text=True)
    assert "Called off" in page and "Needs approval" in page and "Cancel</button>" not in page


def precedence_data(before, after, **overrides) -> dict:
    data = {"before_id": before.id, "after_id": after.id, "before_anchor": "dose", "after_anchor": "start",
            "min_gap_hours": "48", "max_gap_hours": "", "kind": "sentinel", "why": "Sentinel safety review"}
    data.update(overrides)
    return data


def test_bad_precedences_are_refused_beside_the_field(as_user, study):
    first, second = factories.make_visit(study, day=1), factories.make_visit(study, day=3)
    inv = as_user("investigator")
    cases = [({"before_anchor": "pk-1h"}, "&#39;pk-1h&#39; is not an anchor of visit"),
             ({"after_id": first.id}, "A visit cannot come before itself"),
             ({"max_gap_hours": "24"}, "The maximum gap is shorter than the minimum gap.")]
    for overrides, message in cases:
        resp = inv.post(f"/studies/{study.id}/precedences/new", precedence_data(first, second, **overrides))
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), message
    assert VisitPrecedence.query.count() == 0


def test_precedence_is_added_on_a_task_anchor_and_removed_with_an_audit_trail(as_user, study):
    first, second = factories.make_visit(study, day=1), factories.make_visit(study, day=3)
    inv = as_user("investigator")
    resp = inv.post(f"/studies/{study.id}/precedences/new", precedence_data(first, second, max_gap_hours="72"))
    assert resp.status_code == 302
    precedence = VisitPrecedence.query.one()
    assert (precedence.before_anchor, precedence.min_gap_minutes, precedence.max_gap_minutes) == ("dose", 2880, 4320)
    assert audit_rows("visit_precedence", "insert")[-1].after["kind"] == "sentinel"
    loop = inv.post(f"/studies/{study.id}/precedences/new", precedence_data(second, first, before_anchor="end"))
    assert loop.status_code == 422 and "this would make a loop" in loop.get_data(as_text=True)
    assert "Sentinel safety review" in inv.get(f"/studies/{study.id}/visits").get_data(as_text=True)
    assert inv.post(f"/studies/{study.id}/precedences/{precedence.id}/remove").status_code == 302
    assert VisitPrecedence.query.count() == 0
    assert audit_rows("visit_precedence", "delete")[-1].before["before_anchor"] == "dose"
