"""Generate a week: one solve at a time, live progress, cancel, stale workers and retry."""
from datetime import timedelta

import pytest

from tests import factories
from trc_scheduler import tasks
from trc_scheduler.errors import Conflict
from trc_scheduler.extensions import db
from trc_scheduler.models import JobStatus, ScheduleVersion, ScheduleWeek, SolveJob, VersionStatus
from trc_scheduler.models.types import utcnow
from trc_scheduler.services import schedules as svc
from trc_scheduler.solver import check

WEEK = "2026-W48"


@pytest.fixture
def week(app, users, unit):
    """The factories' unit with one study and two approved visits in 2026-W48."""
    study = factories.make_study(users["investigator"])
    return [factories.make_visit(study, day=1), factories.make_visit(study, day=3)]


def generate(client, csrf, week=WEEK, limit="5"):
    return client.post("/schedules/generate", data={"week": week, "time_limit_s": limit,
                                                    "csrf_token": csrf("/schedules/")})


def test_generate_makes_a_draft_that_passes_the_checker(client, users, week, login, csrf):
    login(users["manager"])
    resp = generate(client, csrf)
    job = db.session.scalars(db.select(SolveJob)).one()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/schedules/jobs/{job.id}")
    assert job.status == JobStatus.succeeded and job.started_at and job.finished_at
    assert job.progress["solutions"] >= 1 and job.progress["objective"] is not None
    version = db.session.get(ScheduleVersion, job.result_version_id)
    assert version.status == VersionStatus.draft and version.solver_status in ("OPTIMAL", "FEASIBLE")
    assert version.base_lock == 0 and version.based_on_id is None and version.created_by_id == users["manager"].id
    assert {v["visit"] for v in version.schedule["visits"]} == {f"VR{v.id}" for v in week}
    report = check(version.instance, version.schedule)
    assert report.ok and report.cost == version.objective
    assert db.session.scalars(db.select(ScheduleWeek)).one().active_job_id is None
    page = client.get(f"/schedules/jobs/{job.id}").get_data(as_text=True)
    assert "Open the draft" in page and "succeeded" in page


def test_job_page_polls_progress_as_json(client, users, week, login, csrf):
    login(users["manager"])
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    page = client.get(f"/schedules/jobs/{job.id}").get_data(as_text=True)
    assert f'data-progress-url="/schedules/jobs/{job.id}/progress"' in page and "js/job.js" in page
    data = client.get(f"/schedules/jobs/{job.id}/progress").get_json()
    assert data["status"] == "queued" and data["finished"] is False and data["result_url"] is None
    tasks.run_solve_job(job.id)
    data = client.get(f"/schedules/jobs/{job.id}/progress").get_json()
    assert data["status"] == "succeeded" and data["finished"] is True
    assert data["result_url"].endswith(str(db.session.get(SolveJob, job.id).result_version_id) + "/summary") \
        or "/schedules/versions/" in data["result_url"]
    assert data["progress"]["objective"] is not None and "gap" in data["progress"]


def test_second_generate_while_a_solve_runs_is_a_conflict(client, users, week, login, csrf):
    login(users["manager"])
    first = svc.start_solve(users["admin"], WEEK, 5)  # queued, not run: it holds the week
    db.session.commit()
    resp = generate(client, csrf)
    assert resp.status_code == 409
    assert f"A solve for {WEEK} is already running (started" in resp.get_data(as_text=True)
    assert "by Admin" in resp.get_data(as_text=True)
    jobs = db.session.scalars(db.select(SolveJob)).all()
    assert [j.id for j in jobs] == [first.id]
    assert db.session.scalars(db.select(ScheduleWeek)).one().active_job_id == first.id


def test_start_solve_twice_raises_conflict_and_keeps_one_job(app, users, week):
    svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    with pytest.raises(Conflict, match="already running"):
        svc.start_solve(users["manager"], WEEK, 5)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(SolveJob.id))) == 1


def test_generate_refuses_a_bad_week_or_time_limit_beside_the_field(client, users, week, login, csrf):
    login(users["manager"])
    assert generate(client, csrf, week="2026-W60").status_code == 422
    resp = generate(client, csrf, limit="0")
    assert resp.status_code == 422 and "Number must be between" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(SolveJob.id))) == 0


def test_cancel_after_the_first_solution_keeps_the_best(app, users, week, monkeypatch):
    job = svc.start_solve(users["manager"], WEEK, 30)
    db.session.commit()
    engine, real_solve, job_id = db.engine, tasks._solve, job.id
    seen = []

    def solve_then_cancel(problem, time_limit_s, num_workers, monitor):
        inner = monitor.on_progress

        def on_progress(p):
            if not seen:  # the manager presses Cancel right after the first solution
                with engine.begin() as conn:
                    conn.execute(SolveJob.__table__.update().where(SolveJob.__table__.c.id == job_id)
                                 .values(cancel_requested=True))
                # and the monitor reads the flag before the callback answers: the callback's own
                # write is throttled, so without this the heartbeat reads it up to 0.5 s later
                monitor.write()
            seen.append(p)
            return inner(p)
        monitor.on_progress = on_progress
        return real_solve(problem, time_limit_s, num_workers, monitor)

    monkeypatch.setattr(tasks, "_solve", solve_then_cancel)
    status = tasks.run_solve_job(job.id)
    db.session.expire_all()
    job = db.session.get(SolveJob, job.id)
    assert status == "cancelled", job.error
    assert len(seen) == 1, "the search stopped at the first solution"
    assert job.status == JobStatus.cancelled and job.result_version_id is not None
    version = db.session.get(ScheduleVersion, job.result_version_id)
    assert version.solver_status == "FEASIBLE" and version.objective == seen[0].objective
    assert check(version.instance, version.schedule).ok
    assert job.week.active_job_id is None


def test_cancel_button_on_a_queued_solve_cancels_it_and_frees_the_week(client, users, week, login, csrf):
    login(users["manager"])
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    resp = client.post(f"/schedules/jobs/{job.id}/cancel", data={"csrf_token": csrf(f"/schedules/jobs/{job.id}")})
    assert resp.status_code == 302
    db.session.expire_all()
    assert job.status == JobStatus.cancelled and job.cancel_requested and job.week.active_job_id is None
    assert tasks.run_solve_job(job.id) == "skipped"  # the worker picks it up later: nothing to do


def test_cancel_button_on_a_running_solve_sets_the_flag(client, users, week, login, csrf):
    login(users["manager"])
    job = svc.start_solve(users["manager"], WEEK, 5)
    job.status = JobStatus.running
    job.started_at = job.heartbeat_at = utcnow()
    db.session.commit()
    client.post(f"/schedules/jobs/{job.id}/cancel", data={"csrf_token": csrf(f"/schedules/jobs/{job.id}")})
    db.session.expire_all()
    assert job.cancel_requested and job.status == JobStatus.running


def test_watcher_sees_the_cancel_flag_and_sets_the_stop_event(app, users, week):
    job = svc.start_solve(users["manager"], WEEK, 5)
    job.cancel_requested = True
    db.session.commit()
    import threading
    stop = threading.Event()
    monitor = tasks.JobMonitor(db.engine, job.id, stop_event=stop)
    monitor.write()
    assert monitor.cancelled and stop.is_set()
    db.session.expire_all()
    assert job.heartbeat_at is not None and "elapsed" in job.progress


def test_stale_running_job_is_failed_on_page_load_and_retry_works(client, users, week, login, csrf):
    login(users["manager"])
    pins = {"visits": {f"VR{week[0].id}": {"start": None, "bed": "B1"}}, "shifts_on": [], "shifts_off": []}
    job = svc.start_solve(users["manager"], WEEK, 5, pins=pins)
    job.status = JobStatus.running
    job.started_at = job.heartbeat_at = utcnow() - timedelta(seconds=31)
    db.session.commit()
    page = client.get(f"/schedules/jobs/{job.id}").get_data(as_text=True)
    assert "The worker stopped while solving; nothing was saved." in page and "Retry" in page
    db.session.expire_all()
    assert job.status == JobStatus.failed and job.week.active_job_id is None
    assert db.session.scalar(db.select(db.func.count(ScheduleVersion.id))) == 0
    resp = client.post(f"/schedules/jobs/{job.id}/retry", data={"csrf_token": csrf(f"/schedules/jobs/{job.id}")})
    retried = db.session.scalars(db.select(SolveJob).where(SolveJob.id != job.id)).one()
    assert resp.headers["Location"].endswith(f"/schedules/jobs/{retried.id}")
    assert retried.status == JobStatus.succeeded and retried.pins == pins
    version = db.session.get(ScheduleVersion, retried.result_version_id)
    placed = {v["visit"]: v for v in version.schedule["visits"]}
    assert placed[f"VR{week[0].id}"]["bed"] == "B1" and version.pins == pins


def test_fresh_heartbeat_is_not_stale(app, users, week):
    job = svc.start_solve(users["manager"], WEEK, 5)
    job.status, job.started_at, job.heartbeat_at = JobStatus.running, utcnow(), utcnow()
    db.session.commit()
    assert svc.fail_stale_jobs() == []
    assert svc.fail_stale_jobs(now=utcnow() + timedelta(seconds=31)) == [job]


def test_export_error_fails_the_job_plainly_and_frees_the_week(app, users, week, monkeypatch):
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(tasks, "_solve", broken)
    assert tasks.run_solve_job(job.id) == "failed"
    db.session.expire_all()
    assert job.status == JobStatus.failed and "RuntimeError: disk on fire" in job.error
    assert job.week.active_job_id is None and job.result_version_id is None
    assert db.session.scalar(db.select(db.func.count(ScheduleVersion.id))) == 0


def test_infeasible_week_still_gives_a_draft_with_conflicts(app, users, week):
    pins = {"visits": {f"VR{week[0].id}": {"start": None, "bed": "B3"}}}  # B3 lacks telemetry
    job = svc.start_solve(users["manager"], WEEK, 5, pins=pins)
    db.session.commit()
    tasks.run_solve_job(job.id)
    db.session.expire_all()
    version = db.session.get(ScheduleVersion, job.result_version_id)
    assert job.status == JobStatus.succeeded and version.solver_status == "INFEASIBLE"
    assert version.schedule["conflicts"] and version.schedule["visits"] == []


def test_apply_pins_fixes_visits_and_shifts():
    instance = {
        "visits": [{"id": "VR1", "needs_bed": True}, {"id": "VR2", "needs_bed": False}],
        "staff": [{"id": "S001", "unavailable": []}, {"id": "S002", "fixed_shifts": ["X"]}],
        "shifts": [{"id": "X", "start": "2026-11-23T07:00:00-05:00", "end": "2026-11-23T19:00:00-05:00"}],
    }
    pins = {"visits": {"VR1": {"start": "2026-11-24T08:00:00-05:00", "bed": "B1"},
                       "VR2": {"start": None, "bed": "B2"}, "VR9": {"start": None, "bed": "B1"}},
            "shifts_on": [["S001", "X"], ["S404", "X"]], "shifts_off": [["S002", "X"]]}
    out = svc.apply_pins(instance, pins)
    assert out["visits"][0]["fixed"] == {"start": "2026-11-24T08:00:00-05:00", "bed": "B1"}
    assert "fixed" not in out["visits"][1]  # a visit without a bed cannot be pinned to one
    assert out["staff"][0]["fixed_shifts"] == ["X"]
    assert out["staff"][1]["fixed_shifts"] == []
    assert out["staff"][1]["unavailable"] == [{"start": instance["shifts"][0]["start"], "end": instance["shifts"][0]["end"]}]
    assert "fixed_shifts" not in instance["staff"][0], "the input is not modified"


def test_resolve_starts_from_the_published_version_as_previous(app, users, week):
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    tasks.run_solve_job(job.id)
    first = db.session.get(ScheduleVersion, db.session.get(SolveJob, job.id).result_version_id)
    svc.publish_version(users["manager"], first)
    db.session.commit()
    again = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    tasks.run_solve_job(again.id)
    draft = db.session.get(ScheduleVersion, db.session.get(SolveJob, again.id).result_version_id)
    previous = draft.instance["previous"]
    assert {v["visit"] for v in previous["visits"]} == {v["visit"] for v in first.schedule["visits"]}
    assert len(previous["shifts"]) == len(first.schedule["shifts"])
    assert draft.based_on_id == first.id and draft.base_lock == 1
    assert draft.cost_terms.get("changed_visit", 0) == 0


def test_worker_startup_fails_jobs_a_dead_worker_left_running(app, users, week):
    job = svc.start_solve(users["manager"], WEEK, 5)
    job.status = JobStatus.running
    job.started_at = job.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    tasks.fail_stale_jobs_at_startup()
    db.session.expire_all()
    assert job.status == JobStatus.failed and job.error == svc.STALE_MESSAGE and job.week.active_job_id is None


def test_queue_is_sqlite_by_default_redis_when_configured_and_immediate_in_tests(app, tmp_path):
    from huey import RedisHuey, SqliteHuey
    from huey.storage import RedisStorage, SqliteStorage

    assert isinstance(tasks.make_huey(None, str(tmp_path / "q.sqlite"), False), SqliteHuey)
    assert isinstance(tasks.make_huey("redis://127.0.0.1:6379/15", "", False), RedisHuey)
    try:
        tasks.configure_queue({"REDIS_URL": "redis://127.0.0.1:6379/15"})
        assert isinstance(tasks.huey.storage, RedisStorage) and not tasks.huey.immediate
        tasks.configure_queue({"HUEY_SQLITE_PATH": str(tmp_path / "q.sqlite")})
        assert isinstance(tasks.huey.storage, SqliteStorage)
    finally:
        tasks.configure_queue(app.config)
    assert tasks.huey.immediate


def test_cancel_while_searching_sets_the_stop_event_when_the_engine_takes_one(app, users, week, monkeypatch):
    import trc_scheduler.solver as engine_api

    real_solve, engine = engine_api.solve, db.engine
    job = svc.start_solve(users["manager"], WEEK, 30)
    db.session.commit()
    job_id, seen = job.id, {}

    def solve(problem, time_limit_s=30.0, num_workers=2, seed=0, on_progress=None, stop_event=None):
        with engine.begin() as conn:  # the manager presses Cancel while the engine searches
            conn.execute(SolveJob.__table__.update().where(SolveJob.__table__.c.id == job_id)
                         .values(cancel_requested=True))
        seen["stopped"] = stop_event.wait(5)  # the watcher notices within a second
        return real_solve(problem, time_limit_s=time_limit_s, num_workers=num_workers, seed=seed,
                          on_progress=on_progress)

    monkeypatch.setattr(engine_api, "solve", solve)
    assert tasks.run_solve_job(job_id) == "cancelled"
    assert seen["stopped"] is True
    db.session.expire_all()
    assert db.session.get(SolveJob, job_id).result_version_id is not None


def test_resolve_from_a_draft_keeps_its_pins(client, users, week, login, csrf):
    login(users["manager"])
    pins = {"visits": {f"VR{week[1].id}": {"start": "2026-11-26T11:00:00-05:00", "bed": None}},
            "shifts_on": [], "shifts_off": []}
    job = svc.start_solve(users["manager"], WEEK, 5, pins=pins)
    db.session.commit()
    tasks.run_solve_job(job.id)
    db.session.expire_all()
    draft = db.session.get(ScheduleVersion, job.result_version_id)
    token = csrf(f"/schedules/versions/{draft.id}/summary")
    resp = client.post(f"/schedules/versions/{draft.id}/resolve", data={"csrf_token": token})
    again = db.session.scalars(db.select(SolveJob).order_by(SolveJob.id.desc())).first()
    assert resp.headers["Location"].endswith(f"/schedules/jobs/{again.id}") and again.id != job.id
    assert again.pins == pins and again.based_on_id == draft.id and again.status == JobStatus.succeeded
    placed = {v["visit"]: v for v in db.session.get(ScheduleVersion, again.result_version_id).schedule["visits"]}
    assert placed[f"VR{week[1].id}"]["start"] == "2026-11-26T11:00:00-05:00"


def test_a_visit_the_manager_left_out_stays_out_when_the_draft_is_solved_again(client, users, week, login, csrf):
    import json
    optional = week[1]
    optional.mandatory, optional.priority = False, 4
    db.session.commit()
    vid = f"VR{optional.id}"
    login(users["manager"])
    job = svc.start_solve(users["manager"], WEEK, 5)
    db.session.commit()
    tasks.run_solve_job(job.id)
    db.session.expire_all()
    draft = db.session.get(ScheduleVersion, db.session.get(SolveJob, job.id).result_version_id)
    assert vid in {e["visit"] for e in draft.schedule["visits"]}  # the engine places it

    def solve_again(version):
        client.post(f"/schedules/versions/{version.id}/resolve",
                    data={"csrf_token": csrf(f"/schedules/versions/{version.id}/summary")})
        db.session.expire_all()
        again = db.session.scalars(db.select(SolveJob).order_by(SolveJob.id.desc())).first()
        assert again.status == JobStatus.succeeded, again.error
        return db.session.get(ScheduleVersion, again.result_version_id)

    client.post(f"/schedules/versions/{draft.id}/adjust/unschedule",
                data={"unschedule-visit": vid, "csrf_token": csrf(f"/schedules/versions/{draft.id}")})
    db.session.expire_all()
    assert draft.pins["visits"][vid] == {"start": None, "bed": None, "out": True}
    assert f"{vid} left out" in client.get(f"/schedules/versions/{draft.id}").get_data(as_text=True)
    second = solve_again(draft)
    assert second.pins == draft.pins
    assert {u["visit"]: u["reason"] for u in second.schedule["unscheduled"]} == {
        vid: "left out by the manager (pinned in the draft)"}
    report = check(second.instance, second.schedule)
    assert report.ok and report.cost == second.objective and second.cost_terms["unscheduled"] == 4000
    assert second.bound is None or second.bound <= second.objective
    assert vid in json.dumps(second.instance)  # the draft keeps the whole week
    # dropping the pin lets the next solve place it again
    client.post(f"/schedules/versions/{second.id}/unpin", data={
        "csrf_token": csrf(f"/schedules/versions/{second.id}"), "unpin-kind": "visit", "unpin-visit": vid})
    db.session.expire_all()
    third = solve_again(db.session.get(ScheduleVersion, second.id))
    assert vid in {e["visit"] for e in third.schedule["visits"]} and third.schedule["unscheduled"] == []
