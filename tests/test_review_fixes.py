"""Guards added after review: CSV formulas, admin accounts, code renames, an unreachable queue."""
import csv
import io

import pytest

from trc_scheduler.errors import DomainError
from trc_scheduler.extensions import db
from trc_scheduler.models import JobStatus, ScheduleWeek, SolveJob
from trc_scheduler.services.schedules_export import export_csv
from trc_scheduler.services.studies import update_study

from . import factories


def test_csv_cells_that_look_like_formulas_are_neutralised():
    version = type("V", (), {})()
    version.instance = {"unit": {"timezone": "America/New_York"},
                        "visits": [{"id": "VR1", "participant": "S/P1", "study": "S", "label": "=HYPERLINK(\"x\")",
                                    "duration_minutes": 60}]}
    version.schedule = {"visits": [{"visit": "VR1", "start": "2026-11-23T08:00:00-05:00", "bed": "B1"}]}
    rows = list(csv.reader(io.StringIO(export_csv(version, "stays"))))
    assert rows[1][3] == "'=HYPERLINK(\"x\")"


def test_a_manager_cannot_deactivate_an_admin(client, users, login, csrf):
    login(users["manager"])
    resp = client.post(f"/users/{users['admin'].id}/deactivate", data={"csrf_token": csrf("/users/")})
    assert resp.status_code == 403


def test_study_code_is_frozen_once_visits_are_requested(app, users):
    study = factories.make_study(users["investigator"], code="FRZ-1")
    fields = dict(title=study.title, protocol_number=study.protocol_number, irb_number=study.irb_number,
                  sponsor=study.sponsor, phase=study.phase.value, first_in_human=True, status="active",
                  color=study.color)
    update_study(users["investigator"], study.id, code="FRZ-2", **fields)  # no visits yet: allowed
    db.session.rollback()
    factories.make_visit(study)
    with pytest.raises(DomainError, match="cannot change") as info:
        update_study(users["investigator"], study.id, code="FRZ-3", **fields)
    assert info.value.field == "code"


def test_an_unreachable_queue_frees_the_week(app, client, users, unit, login, csrf, monkeypatch):
    def broken(job_id, config):
        raise ConnectionError("queue down")

    monkeypatch.setattr("trc_scheduler.web.schedules.enqueue_solve", broken)
    login(users["manager"])
    resp = client.post("/schedules/generate", data={"csrf_token": csrf("/schedules/"), "week": "2026-W48",
                                                    "time_limit_s": "5"}, follow_redirects=True)
    assert "could not be reached" in resp.get_data(as_text=True)
    job = db.session.scalars(db.select(SolveJob)).one()
    assert job.status == JobStatus.failed
    assert db.session.scalars(db.select(ScheduleWeek)).one().active_job_id is None
