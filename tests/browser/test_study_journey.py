"""An investigator, in a real browser, registers a study with a template and a participant and requests a visit."""
import pytest

from trc_scheduler.models import Participant, Study, VisitRequest, VisitStatus, VisitTemplate

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_investigator_creates_study_template_participant_and_requests_a_visit(page, app, users, unit):
    sign_in(page, "inv@trc.test", "pw-inv")
    page.click("text=Studies")
    page.click("text=New study")
    page.fill("input[name=code]", "JRN-01")
    page.fill("input[name=title]", "Journey single ascending dose")
    page.fill("input[name=protocol_number]", "PROT-JRN-01")
    page.fill("input[name=irb_number]", "IRB-2026-77")
    page.fill("input[name=sponsor]", "Synthetic Pharma")
    page.select_option("select[name=phase]", "1")
    page.check("input[name=first_in_human]")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "Journey single ascending dose" in page.content()

    page.click("text=Add visit template")
    page.fill("input[name=name]", "Dosing stay")
    page.fill("input[name=duration_days]", "2")
    page.check("input[name=bed_features][value=telemetry]")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "Dosing stay" in page.content()

    page.goto(page.url.split("/templates/")[0])
    page.click("text=Add participant")
    page.fill("input[name=code]", "JRN-001")
    page.select_option("select[name=sex]", "F")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "JRN-001" in page.content()

    page.click("text=Request a visit")
    page.fill("input[name=target_start]", "2026-11-24T09:00")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "requested" in page.content().lower()

    with app.app_context():
        study = Study.query.filter_by(code="JRN-01").one()
        assert study.pi_id == users["investigator"].id
        assert VisitTemplate.query.filter_by(study_id=study.id, name="Dosing stay").one().bed_features == ["telemetry"]
        assert Participant.query.filter_by(study_id=study.id, code="JRN-001").one()
        visit = VisitRequest.query.filter_by(study_id=study.id).one()
        assert visit.status == VisitStatus.requested
        assert visit.earliest_start < visit.target_start < visit.latest_start
