"""Participants (pseudonymous codes) and visit templates with their nursing segments and timed tasks."""
import pytest

from trc_scheduler.extensions import db
from trc_scheduler.models import NursingSegment, Participant, TemplateTask, VisitPrecedence, VisitTemplate

from . import factories
from .test_studies_pages import audit_rows


@pytest.fixture
def study(users, unit):
    return factories.make_study(users["investigator"])


def template_data(**overrides) -> dict:
    data = {"name": "Overnight PK", "duration_days": "1", "duration_hours": "4", "duration_mins": "0",
            "needs_bed": "y", "bed_features": ["telemetry"], "extra_features": "", "window_days_before": "2",
            "window_days_after": "1", "start_step_minutes": "30", "active": "y"}
    data.update(overrides)
    return data


def test_participant_is_added_with_a_pseudonym_reminder_and_audited(as_user, study):
    inv = as_user("investigator")
    page = inv.get(f"/studies/{study.id}/participants/new").get_data(as_text=True)
    assert "Pseudonymous codes only." in page and "medical record number" in page
    resp = inv.post(f"/studies/{study.id}/participants/new",
                    {"code": "SAD-C1-002", "sex": "M", "age_group": "adult", "status": "screening"})
    assert resp.status_code == 302
    assert Participant.query.filter_by(code="SAD-C1-002").one().sex.value == "M"
    assert audit_rows("participant", "insert")[-1].after["code"] == "SAD-C1-002"


def test_duplicate_or_mrn_like_participant_code_is_refused_beside_the_field(as_user, study):
    inv = as_user("investigator")
    for code, message in [("fih-01-001", "Participant code fih-01-001 is already used in this study."),
                          ("MRN-1234567", "This looks like a medical record number")]:
        resp = inv.post(f"/studies/{study.id}/participants/new",
                        {"code": code, "sex": "F", "age_group": "adult", "status": "enrolled"})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and message in html
        assert html.index(message) > html.index('name="code"')  # shown beside the code field
    assert Participant.query.count() == 1


def test_withdrawing_a_participant_logs_before_and_after(as_user, study):
    participant = study.participants[0]
    resp = as_user("investigator").post(f"/studies/{study.id}/participants/{participant.id}/edit",
                                        {"code": participant.code, "sex": "F", "age_group": "adult",
                                         "status": "withdrawn"})
    assert resp.status_code == 302
    update = audit_rows("participant", "update")[-1]
    assert update.before == {"status": "enrolled"} and update.after == {"status": "withdrawn"}


def test_template_is_created_with_length_in_days_and_hours_and_shows_nights(as_user, study):
    inv = as_user("investigator")
    resp = inv.post(f"/studies/{study.id}/templates/new", template_data())
    assert resp.status_code == 302
    template = VisitTemplate.query.filter_by(name="Overnight PK").one()
    assert template.duration_minutes == 1680 and template.bed_features == ["telemetry"]
    page = inv.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 d 4 h" in page and "1 night" in page
    assert audit_rows("visit_template", "insert")[-1].after["duration_minutes"] == 1680


def test_template_needing_a_feature_no_bed_has_is_refused(as_user, study):
    resp = as_user("investigator").post(f"/studies/{study.id}/templates/new",
                                        template_data(extra_features="bariatric"))
    assert resp.status_code == 422
    assert ("No bed in the unit has &#39;bariatric&#39;; add one under Beds or remove the feature."
            in resp.get_data(as_text=True))
    assert VisitTemplate.query.count() == 1


def test_template_cannot_be_shortened_below_its_segments(as_user, study):
    template = study.templates[0]
    resp = as_user("investigator").post(f"/studies/{study.id}/templates/{template.id}/edit",
                                        template_data(name=template.name, duration_days="0", duration_hours="3"))
    assert resp.status_code == 422 and "ends after the new length" in resp.get_data(as_text=True)
    assert db.session.get(VisitTemplate, template.id).duration_minutes == 2880


def test_editing_a_template_logs_the_change(as_user, study):
    template = study.templates[0]
    resp = as_user("manager").post(f"/studies/{study.id}/templates/{template.id}/edit",
                                   template_data(name=template.name, duration_days="3", duration_hours="0",
                                                 bed_features=["telemetry", "isolation"]))
    assert resp.status_code == 302
    update = audit_rows("visit_template", "update")[-1]
    assert update.before["duration_minutes"] == 2880 and update.after["duration_minutes"] == 4320
    assert update.after["bed_features"] == ["telemetry", "isolation"]


def test_segment_must_end_after_it_starts_and_within_the_visit(as_user, study):
    template, inv = study.templates[0], as_user("investigator")
    for start, end, message in [("240", "240", "The segment must end after it starts (to &gt; from)."),
                                ("300", "120", "The segment must end after it starts (to &gt; from)."),
                                ("0", "3000", "The segment ends after the visit does (2880 min).")]:
        resp = inv.post(f"/studies/{study.id}/templates/{template.id}/segments/new",
                        {"from_minutes": start, "to_minutes": end, "ratio": "2"})
        assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert NursingSegment.query.count() == 1


def test_segments_are_added_edited_and_removed_with_an_audit_trail(as_user, study):
    template, inv = study.templates[0], as_user("investigator")
    base = f"/studies/{study.id}/templates/{template.id}/segments"
    assert inv.post(f"{base}/new", {"from_minutes": "240", "to_minutes": "720", "ratio": "2",
                                    "skills": ["telemetry"]}).status_code == 302
    segment = NursingSegment.query.filter_by(from_minutes=240).one()
    assert segment.load_percent == 50 and segment.skills == ["telemetry"]
    assert "1:2" in inv.get(f"/studies/{study.id}/templates/{template.id}").get_data(as_text=True)
    assert inv.post(f"{base}/{segment.id}/edit", {"from_minutes": "240", "to_minutes": "720",
                                                  "ratio": "3"}).status_code == 302
    assert audit_rows("nursing_segment", "update")[-1].after == {"ratio": 3, "skills": []}
    assert inv.post(f"{base}/{segment.id}/remove").status_code == 302
    assert NursingSegment.query.count() == 1
    assert audit_rows("nursing_segment", "delete")[-1].before["ratio"] == 3


def test_bad_task_is_refused_beside_the_field(as_user, study):
    template, inv = study.templates[0], as_user("investigator")
    for code, offset, message in [("start", "0", "&#39;start&#39; is reserved"),
                                  ("End", "0", "&#39;End&#39; is reserved"),
                                  ("dose", "0", "Task code dose is already used in this template."),
                                  ("pk-48h", "2870", "The task ends at minute 2885, after the visit ends "
                                                     "(minute 2880).")]:
        resp = inv.post(f"/studies/{study.id}/templates/{template.id}/tasks/new",
                        {"code": code, "label": "Task", "offset_minutes": offset, "duration_minutes": "15",
                         "role": "RN", "count": "1"})
        assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert TemplateTask.query.count() == 1


def test_task_is_added_and_a_task_anchoring_a_precedence_cannot_be_removed(as_user, study):
    template, inv = study.templates[0], as_user("investigator")
    resp = inv.post(f"/studies/{study.id}/templates/{template.id}/tasks/new",
                    {"code": "pk-1h", "label": "PK sample 1 h", "offset_minutes": "120", "duration_minutes": "10",
                     "role": "phlebotomist", "count": "1"})
    assert resp.status_code == 302
    assert audit_rows("template_task", "insert")[-1].after["code"] == "pk-1h"
    first, second = factories.make_visit(study, day=1), factories.make_visit(study, day=3)
    db.session.add(VisitPrecedence(before=first, after=second, before_anchor="dose", min_gap_minutes=0))
    db.session.commit()
    dose = TemplateTask.query.filter_by(code="dose").one()
    resp = inv.post(f"/studies/{study.id}/templates/{template.id}/tasks/{dose.id}/remove", follow_redirects=True)
    assert "Task &#39;dose&#39; anchors a precedence" in resp.get_data(as_text=True)
    assert db.session.get(TemplateTask, dose.id) is not None
