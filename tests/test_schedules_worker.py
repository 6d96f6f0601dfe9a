"""A real Huey worker process: it solves a queued week, and a killed worker's job is failed as stale."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests import factories
from trc_scheduler import tasks
from trc_scheduler.extensions import db
from trc_scheduler.models import JobStatus, ScheduleVersion, SolveJob, User
from trc_scheduler.models.types import utcnow
from trc_scheduler.services import schedules as svc
from trc_scheduler.solver import check

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
CONSUMER = Path(sys.executable).parent / "huey_consumer"


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def queued_app(request, make_app, tmp_path):
    """An app whose queue is real (a SQLite file, or Redis when parametrized so), restored afterwards."""
    backend = getattr(request, "param", "sqlite")
    redis_url = None
    if backend == "redis":
        import redis
        client = redis.Redis.from_url(REDIS_TEST_URL)
        try:
            client.flushdb()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis server on 127.0.0.1:6379")
        finally:
            client.close()
        redis_url = REDIS_TEST_URL
    app = make_app(HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "queue.sqlite"), REDIS_URL=redis_url)
    with app.app_context():
        yield app
    tasks.configure_queue({"HUEY_IMMEDIATE": True})


@pytest.fixture
def worker(queued_app, tmp_path):
    """Start `huey_consumer trc_scheduler.tasks.huey` on the test's database; stop it at the end."""
    procs, logs = [], []

    def start(kind="thread"):
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HUEY_IMMEDIATE")}
        env.update(DATABASE_URL=queued_app.config["SQLALCHEMY_DATABASE_URI"], TRC_ENV="development",
                   HUEY_SQLITE_PATH=queued_app.config["HUEY_SQLITE_PATH"], SECRET_KEY="worker-test",
                   SOLVER_WORKERS="2", PYTHONPATH=str(ROOT))
        if queued_app.config.get("REDIS_URL"):
            env["REDIS_URL"] = queued_app.config["REDIS_URL"]
        log = open(tmp_path / f"worker-{len(procs)}.log", "w")
        logs.append(log)
        proc = subprocess.Popen([str(CONSUMER), "trc_scheduler.tasks.huey", "-w", "1", "-k", kind, "-d", "0.1",
                                 "-m", "0.5"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    for log in logs:
        log.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = predicate()
        db.session.rollback()  # never hold a snapshot while the worker writes
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("queued_app", ["sqlite", "redis"], indirect=True)
def test_real_worker_solves_a_queued_week(queued_app, worker, tmp_path):
    users = factories.make_users()
    factories.make_unit()
    study = factories.make_study(users["investigator"])
    factories.make_visit(study, day=1)
    factories.make_visit(study, day=3)
    job = svc.start_solve(users["manager"], "2026-W48", 10)
    db.session.commit()
    job_id = job.id
    tasks.enqueue_solve(job_id, queued_app.config)
    db.session.expire_all()
    assert db.session.get(SolveJob, job_id).status == JobStatus.queued  # not run in this process
    assert tasks.huey.pending_count() == 1
    worker("process")
    done = wait_for(lambda: db.session.get(SolveJob, job_id).status in (JobStatus.succeeded, JobStatus.failed),
                    60, "the worker to finish the solve")
    job = db.session.get(SolveJob, job_id)
    logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
    assert done and job.status == JobStatus.succeeded, (job.error, logs)
    assert job.heartbeat_at is not None and job.progress["solutions"] >= 1
    version = db.session.get(ScheduleVersion, job.result_version_id)
    assert check(version.instance, version.schedule).ok and job.week.active_job_id is None


def test_killed_worker_leaves_a_stale_job_that_is_failed_without_a_version(queued_app, worker):
    from trc_scheduler.services.demo import seed_demo

    seed_demo()  # a full week of the 18-bed unit: far longer to solve than the test waits
    db.session.commit()
    manager = db.session.scalars(db.select(User).where(User.email == "manager@trc.demo")).one()
    proc = worker("thread")
    job = svc.start_solve(manager, "2026-W48", 60)
    db.session.commit()
    job_id = job.id
    tasks.enqueue_solve(job_id, queued_app.config)
    wait_for(lambda: db.session.get(SolveJob, job_id).status == JobStatus.running, 60, "the solve to start")
    first = wait_for(lambda: db.session.get(SolveJob, job_id).heartbeat_at, 10, "a heartbeat")
    wait_for(lambda: db.session.get(SolveJob, job_id).heartbeat_at > first, 10, "the next heartbeat")
    assert svc.fail_stale_jobs() == [], "a live worker's job is not stale"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    job = db.session.get(SolveJob, job_id)
    assert job.status == JobStatus.running and job.week.active_job_id == job_id
    # Thirty seconds later the heartbeat is old: the next page load fails the job and frees the week.
    failed = svc.fail_stale_jobs(now=utcnow() + timedelta(seconds=31))
    db.session.commit()
    assert [j.id for j in failed] == [job_id]
    db.session.expire_all()
    job = db.session.get(SolveJob, job_id)
    assert job.status == JobStatus.failed and job.error == svc.STALE_MESSAGE
    assert job.week.active_job_id is None and job.result_version_id is None
    assert db.session.scalar(db.select(db.func.count(ScheduleVersion.id))) == 0
    retry = svc.retry_job(manager, job)  # the week can be solved again
    db.session.commit()
    assert retry.status == JobStatus.queued and retry.week.active_job_id == retry.id
