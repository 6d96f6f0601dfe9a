"""Publish a draft: numbered versions, visit statuses, the diff first, and no lost update."""
import threading

import pytest

from tests import factories
from trc_scheduler import tasks
from trc_scheduler.errors import Conflict
from trc_scheduler.extensions import db
from trc_scheduler.models import (AuditRecord, ScheduleVersion, ScheduleWeek, SolveJob, User, VersionStatus,
                                  VisitRequest, VisitStatus)
from trc_scheduler.services import schedules as svc

WEEK = "2026-W48"


@pytest.fixture
def week(app, users, unit):
    study = factories.make_study(users["investigator"])
    return [factories.make_visit(study, day=1), factories.make_visit(study, day=3)]


def make_draft(user, pins=None) -> ScheduleVersion:
    """Solve the week now (immediate queue) and return the draft."""
    job = svc.start_solve(user, WEEK, 5, pins=pins)
    db.session.commit()
    tasks.run_solve_job(job.id)
    db.session.expire_all()
    return db.session.get(ScheduleVersion, db.session.get(SolveJob, job.id).result_version_id)


def publish(client, csrf, version):
    token = csrf(f"/schedules/versions/{version.id}/diff")
    return client.post(f"/schedules/versions/{version.id}/publish", data={"csrf_token": token})


def test_publish_makes_version_1_schedules_the_visits_and_writes_audit(client, users, week, login, csrf):
    login(users["manager"])
    draft = make_draft(users["manager"])
    page = client.get(f"/schedules/versions/{draft.id}/diff").get_data(as_text=True)
    assert "nothing published yet" in page and "Stays added (2)" in page and "Publish this schedule" in page
    resp = publish(client, csrf, draft)
    assert resp.status_code == 302
    db.session.expire_all()
    assert draft.status == VersionStatus.published and draft.number == 1
    assert draft.published_by_id == users["manager"].id and draft.published_at is not None
    week_row = db.session.scalars(db.select(ScheduleWeek)).one()
    assert week_row.lock == 1 and week_row.published_version_id == draft.id
    assert {v.status for v in db.session.scalars(db.select(VisitRequest))} == {VisitStatus.scheduled}
    audit = db.session.scalars(db.select(AuditRecord).where(AuditRecord.table_name == "schedule_version",
                                                            AuditRecord.action == "update")).all()
    assert any(a.after.get("status") == "published" and a.actor == "manager@trc.test" for a in audit)
    visit_audit = db.session.scalars(db.select(AuditRecord).where(AuditRecord.table_name == "visit_request",
                                                                  AuditRecord.action == "update")).all()
    assert {a.after["status"] for a in visit_audit} == {"scheduled"}
    assert "Version 1 of 2026-W48 is published." in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_second_publish_shows_the_diff_and_makes_version_2(client, users, week, login, csrf):
    login(users["manager"])
    first = make_draft(users["manager"])
    svc.publish_version(users["manager"], first)
    db.session.commit()
    moved = f"VR{week[1].id}"
    placed = {v["visit"]: v for v in first.schedule["visits"]}
    pins = {"visits": {moved: {"start": "2026-11-26T11:00:00-05:00", "bed": placed[moved]["bed"]}}}
    second = make_draft(users["manager"], pins=pins)
    assert second.solver_status in ("OPTIMAL", "FEASIBLE") and second.base_lock == 1
    page = client.get(f"/schedules/versions/{second.id}/diff").get_data(as_text=True)
    assert "vs published version 1" in page and "Stays moved (1)" in page and moved in page, page[page.find("<main"):]
    publish(client, csrf, second)
    db.session.expire_all()
    assert second.status == VersionStatus.published and second.number == 2
    assert first.status == VersionStatus.superseded and first.number == 1
    assert db.session.scalars(db.select(ScheduleWeek)).one().lock == 2


def test_a_visit_no_longer_placed_goes_back_to_approved(app, users, week):
    first = make_draft(users["manager"])
    svc.publish_version(users["manager"], first)
    db.session.commit()
    dropped = week[0]
    dropped.mandatory = False
    db.session.commit()
    # An impossible pin (a bed without telemetry) makes the optional visit go unscheduled.
    second = make_draft(users["manager"], pins={"visits": {f"VR{dropped.id}": {"start": None, "bed": "B3"}}})
    assert f"VR{dropped.id}" in {u["visit"] for u in second.schedule["unscheduled"]}
    svc.publish_version(users["manager"], second)
    db.session.commit()
    db.session.expire_all()
    assert dropped.status == VisitStatus.approved and week[1].status == VisitStatus.scheduled


def test_publish_a_published_version_again_is_a_conflict(app, users, week):
    draft = make_draft(users["manager"])
    svc.publish_version(users["manager"], draft)
    db.session.commit()
    with pytest.raises(Conflict, match="Version 1 is published; it can no longer be changed"):
        svc.publish_version(users["manager"], draft)


def test_infeasible_draft_cannot_be_published(client, users, week, login, csrf):
    login(users["manager"])
    draft = make_draft(users["manager"], pins={"visits": {f"VR{week[0].id}": {"start": None, "bed": "B3"}}})
    assert draft.solver_status == "INFEASIBLE"
    assert "it can't be published" in client.get(f"/schedules/versions/{draft.id}/diff").get_data(as_text=True)
    resp = publish(client, csrf, draft)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "This draft has no workable schedule (INFEASIBLE); it can&#39;t be published." in page
    db.session.expire_all()
    assert draft.status == VersionStatus.draft and db.session.scalars(db.select(ScheduleWeek)).one().lock == 0


def test_draft_that_breaks_a_rule_cannot_be_published(app, users, week):
    draft = make_draft(users["manager"])
    schedule = dict(draft.schedule)
    schedule["shifts"] = []  # nobody works: H6/H7 break
    draft.schedule = schedule
    db.session.commit()
    with pytest.raises(Conflict, match="breaks .* rule"):
        svc.publish_version(users["manager"], draft)


def test_two_drafts_of_one_lock_only_one_publishes(client, users, week, login, csrf):
    login(users["manager"])
    mine, theirs = make_draft(users["manager"]), make_draft(users["admin"])
    assert mine.base_lock == theirs.base_lock == 0
    svc.publish_version(users["admin"], theirs)
    db.session.commit()
    resp = publish(client, csrf, mine)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/schedules/versions/{mine.id}/diff")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert ("Another manager published this week (version 1 by Admin at " in page
            and "your draft is kept — re-solve from the new version." in page)
    db.session.expire_all()
    assert mine.status == VersionStatus.draft and mine.number is None
    assert theirs.status == VersionStatus.published and theirs.number == 1


def test_concurrent_publish_exactly_one_wins(app, users, week):
    drafts = [make_draft(users["manager"]), make_draft(users["admin"])]
    assert drafts[0].base_lock == drafts[1].base_lock == 0
    plan = [(users["manager"].id, drafts[0].id), (users["admin"].id, drafts[1].id)]
    barrier, outcomes = threading.Barrier(2), {}

    def press_publish(user_id, version_id):
        with app.app_context():  # its own DB session, as a second web request would have
            user, version = db.session.get(User, user_id), db.session.get(ScheduleVersion, version_id)
            barrier.wait()
            try:
                svc.publish_version(user, version)
                db.session.commit()
                outcomes[version_id] = "published"
            except Conflict as err:
                db.session.rollback()
                outcomes[version_id] = err.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press_publish, args=p) for p in plan]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o == "published" for o in outcomes.values()) == [False, True]
    loser_message = next(o for o in outcomes.values() if o != "published")
    assert loser_message.startswith("Another manager published this week (version 1 by ")
    db.session.expire_all()
    rows = {v.id: v for v in db.session.scalars(db.select(ScheduleVersion))}
    winner = next(v for v, o in outcomes.items() if o == "published")
    loser = next(v for v in outcomes if v != winner)
    assert rows[winner].status == VersionStatus.published and rows[winner].number == 1
    assert rows[loser].status == VersionStatus.draft and rows[loser].number is None
    week_row = db.session.scalars(db.select(ScheduleWeek)).one()
    assert week_row.lock == 1 and week_row.published_version_id == winner


def test_discard_sets_a_draft_aside(client, users, week, login, csrf):
    login(users["manager"])
    draft = make_draft(users["manager"])
    token = csrf(f"/schedules/versions/{draft.id}/summary")
    assert client.post(f"/schedules/versions/{draft.id}/discard", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert draft.status == VersionStatus.discarded
    with pytest.raises(Conflict):
        svc.publish_version(users["manager"], draft)
