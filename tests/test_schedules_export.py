"""Exports of a version (JSON and CSV) and who may use the schedules area."""
import csv
import io
import json

import pytest

from tests import factories
from trc_scheduler import tasks
from trc_scheduler.extensions import db
from trc_scheduler.models import ScheduleVersion, SolveJob
from trc_scheduler.services import schedules as svc
from trc_scheduler.solver import check

WEEK = "2026-W48"


@pytest.fixture
def draft(app, users, unit):
    study = factories.make_study(users["investigator"])
    factories.make_visit(study, day=1)
    factories.make_visit(study, day=3)
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    tasks.run_solve_job(job.id)
    db.session.expire_all()
    return db.session.get(ScheduleVersion, db.session.get(SolveJob, job.id).result_version_id)


def rows(resp) -> list[dict]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def test_json_export_round_trips_and_passes_the_checker(client, users, draft, login):
    login(users["manager"])
    resp = client.get(f"/schedules/versions/{draft.id}/export.json")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    doc = json.loads(resp.get_data(as_text=True))
    assert doc["instance"]["format"] == "trc-instance/1" and doc["schedule"]["format"] == "trc-schedule/1"
    assert check(doc["instance"], doc["schedule"]).ok
    only = json.loads(client.get(f"/schedules/versions/{draft.id}/export.json?part=schedule").get_data(as_text=True))
    assert only == doc["schedule"]
    assert client.get(f"/schedules/versions/{draft.id}/export.json?part=nope").status_code == 400


def test_csv_exports_use_local_times(client, users, draft, login):
    login(users["manager"])
    stays = rows(client.get(f"/schedules/versions/{draft.id}/export.csv?kind=stays"))
    assert list(stays[0]) == ["visit", "participant", "study", "label", "bed", "start", "end"]
    by_visit = {r["visit"]: r for r in stays}
    for placed in draft.schedule["visits"]:
        row = by_visit[placed["visit"]]
        assert row["start"] == placed["start"][:16].replace("T", " ")  # stored in the unit's zone already
        assert row["bed"] == placed["bed"] and row["study"] == "FIH-01" and row["label"] == "Dosing stay"
    shifts = rows(client.get(f"/schedules/versions/{draft.id}/export.csv?kind=shifts"))
    assert list(shifts[0]) == ["staff", "name", "shift", "start", "end"]
    assert len(shifts) == len(draft.schedule["shifts"])
    day = next(r for r in shifts if r["shift"] == "2026-11-24-D")
    assert day["start"] == "2026-11-24 07:00" and day["end"] == "2026-11-24 19:00" and day["name"].startswith("Nurse")
    doses = rows(client.get(f"/schedules/versions/{draft.id}/export.csv?kind=tasks"))
    assert list(doses[0]) == ["visit", "task", "start", "staff"] and {r["task"] for r in doses} == {"dose"}
    assert client.get(f"/schedules/versions/{draft.id}/export.csv?kind=nope").status_code == 400


def test_version_summary_page_lists_stays_and_actions(client, users, draft, login):
    login(users["manager"])
    page = client.get(f"/schedules/versions/{draft.id}/summary").get_data(as_text=True)
    assert "all rules hold" in page and "Review changes and publish" in page and "Stays CSV" in page


def test_index_lists_weeks_drafts_and_the_generate_form(client, users, draft, login):
    login(users["manager"])
    page = client.get("/schedules/?week=2026-W48").get_data(as_text=True)
    assert "Generate" in page and 'value="2026-W48"' in page and f"draft #{draft.id}" in page


def routes(version_id: int, job_id: int) -> list[tuple[str, str]]:
    v, j = f"/schedules/versions/{version_id}", f"/schedules/jobs/{job_id}"
    return [("get", "/schedules/"), ("post", "/schedules/generate"), ("get", j), ("get", j + "/progress"),
            ("post", j + "/cancel"), ("post", j + "/retry"), ("get", v + "/summary"), ("get", v + "/diff"),
            ("post", v + "/publish"), ("post", v + "/discard"), ("post", v + "/resolve"), ("get", v + "/export.json"),
            ("get", v + "/export.csv?kind=stays")]


@pytest.mark.parametrize("role", ["investigator", "nurse"])
def test_investigators_and_nurses_get_403_everywhere(client, users, draft, login, csrf, role):
    login(users[role])
    token = csrf("/")
    job = db.session.scalars(db.select(SolveJob)).one()
    for method, url in routes(draft.id, job.id):
        kwargs = {"data": {"csrf_token": token, "week": WEEK, "time_limit_s": "5"}} if method == "post" else {}
        assert getattr(client, method)(url, **kwargs).status_code == 403, url
    assert db.session.scalar(db.select(db.func.count(SolveJob.id))) == 1
    assert db.session.get(ScheduleVersion, draft.id).status.value == "draft"


def test_anonymous_is_sent_to_sign_in(client, draft):
    resp = client.get("/schedules/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
