"""The background queue (Huey) and the solve task.

The worker runs ``huey_consumer trc_scheduler.tasks.huey -w 1``. The queue is built here
from the environment, without an app: RedisHuey when REDIS_URL is set, else SqliteHuey on
HUEY_SQLITE_PATH; HUEY_IMMEDIATE=1 runs tasks in-process (tests). The web process calls
`enqueue_solve(job_id, app.config)` after committing the job, which first points the queue
at the app's settings. The task uses the current app when there is one, else creates its
own with `create_app(config_from_env())` once per worker process.
"""
import logging
import os
import threading
import time
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.storage import RedisStorage, SqliteStorage

log = logging.getLogger(__name__)
DEFAULT_SQLITE = str(Path(__file__).resolve().parent.parent / "instance" / "huey.sqlite")
HEARTBEAT_EVERY_S = 1.0
MIN_WRITE_GAP_S = 0.5  # progress is written at most twice a second


def _queue_settings(source) -> tuple[str | None, str, bool]:
    get = source.get
    immediate = get("HUEY_IMMEDIATE")
    if isinstance(immediate, str):
        immediate = immediate == "1"
    return get("REDIS_URL") or None, get("HUEY_SQLITE_PATH") or DEFAULT_SQLITE, bool(immediate)


def make_huey(redis_url: str | None, sqlite_path: str, immediate: bool) -> Huey:
    """Return the queue: Redis when a URL is given, else a SQLite file; optionally immediate."""
    if redis_url:
        return RedisHuey("trc-scheduler", url=redis_url, immediate=immediate, results=False)
    Path(sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("trc-scheduler", filename=sqlite_path, immediate=immediate, results=False)


huey = make_huey(*_queue_settings(os.environ))


def configure_queue(config) -> None:
    """Point the queue at an app's settings (REDIS_URL, HUEY_SQLITE_PATH, HUEY_IMMEDIATE)."""
    redis_url, sqlite_path, immediate = _queue_settings(config)
    if redis_url:
        wanted, kwargs = RedisStorage, {"url": redis_url}
    else:
        wanted, kwargs = SqliteStorage, {"filename": sqlite_path}
    huey.immediate = immediate
    if immediate:
        return
    if huey.storage_class is not wanted or huey.storage_kwargs != kwargs:
        if wanted is SqliteStorage:
            Path(sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = wanted, kwargs
        huey.storage = huey.create_storage()


def enqueue_solve(job_id: int, config) -> None:
    """Put a committed solve job on the queue (runs it now in immediate mode)."""
    configure_queue(config)
    solve_task(job_id)


# --- the app a worker runs in -------------------------------------------------------------------

_worker_app = None
_worker_app_lock = threading.Lock()


def worker_app():
    """Return this process's app, created once from the environment."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from config import config_from_env
            from .app import create_app
            _worker_app = create_app(config_from_env())
        return _worker_app


def _in_app(fn, *args):
    from flask import has_app_context

    if has_app_context():
        return fn(*args)
    with worker_app().app_context():
        return fn(*args)


@huey.on_startup()
def fail_stale_jobs_at_startup() -> None:
    """When a worker starts, fail the solves a dead worker left running."""
    def run():
        from .extensions import db
        from .services.schedules import fail_stale_jobs

        failed = fail_stale_jobs()
        db.session.commit()
        if failed:
            log.warning("marked %d stale solve job(s) failed", len(failed))
    _in_app(run)


@huey.task()
def solve_task(job_id: int) -> None:
    """The queued solve of one week."""
    run_solve_job(job_id)


def run_solve_job(job_id: int) -> str:
    """Run a solve job to its end and return its final status ("skipped" when it was not queued)."""
    return _in_app(_run, job_id)


# --- running one job -----------------------------------------------------------------------------

class JobMonitor:
    """Writes a job's progress and heartbeat (each in its own short transaction) and watches its cancel flag.

    `on_progress` is the solver's callback (on CP-SAT's threads); a watcher thread writes
    the heartbeat every second. Writes are serialised and at most one per MIN_WRITE_GAP_S
    comes from the callback, so the row sees at most about two updates a second.
    """

    def __init__(self, engine, job_id: int, stop_event: threading.Event | None = None, offset: int = 0):
        from .models import SolveJob

        self.table = SolveJob.__table__
        self.engine, self.job_id, self.stop_event = engine, job_id, stop_event
        self.offset = offset  # the cost of the visits the manager left out: the solver does not see them
        self.started = time.monotonic()
        self.progress = {"status": "searching", "elapsed": 0.0, "objective": None, "bound": None,
                         "gap": None, "solutions": 0}
        self.cancelled = False
        self._state = threading.Lock()
        self._io = threading.Lock()
        self._last_write = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"solve-job-{job_id}-watcher", daemon=True)

    def start(self) -> "JobMonitor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=10)

    def on_progress(self, p) -> bool:
        """Record an improved solution; return False to stop the search once cancel is asked."""
        objective = None if p.objective is None else p.objective + self.offset
        bound = None if p.bound is None else p.bound + self.offset
        with self._state:
            gap = None if objective is None or bound is None else (
                max(0.0, (objective - bound) / max(1, abs(objective))))
            self.progress.update(objective=objective, bound=bound, solutions=p.solutions, gap=gap)
            due = time.monotonic() - self._last_write >= MIN_WRITE_GAP_S
        if due:
            self._write_safely()
        return not self.cancelled

    def _watch(self) -> None:
        while not self._done.wait(HEARTBEAT_EVERY_S / 2):
            with self._state:
                due = time.monotonic() - self._last_write >= HEARTBEAT_EVERY_S - 0.05
            if due:
                self._write_safely()

    def _write_safely(self) -> None:
        try:
            self.write()
        except Exception:  # noqa: BLE001 - a missed heartbeat must not kill the solve
            log.exception("could not record progress of solve job %s", self.job_id)

    def write(self) -> None:
        """Write progress + heartbeat and read the cancel flag, in one short transaction."""
        from sqlalchemy import select

        from .models.types import utcnow

        with self._io:
            with self._state:
                self._last_write = time.monotonic()
                self.progress["elapsed"] = round(self._last_write - self.started, 1)
                snapshot = dict(self.progress)
            with self.engine.begin() as conn:
                conn.execute(self.table.update().where(self.table.c.id == self.job_id)
                             .values(progress=snapshot, heartbeat_at=utcnow()))
                cancel = conn.execute(select(self.table.c.cancel_requested)
                                      .where(self.table.c.id == self.job_id)).scalar()
        if cancel and not self.cancelled:
            self.cancelled = True
            if self.stop_event is not None:
                self.stop_event.set()


def _solve(problem, time_limit_s: float, num_workers: int, monitor: JobMonitor):
    import inspect

    from .solver import solve

    kwargs = {}
    if "stop_event" in inspect.signature(solve).parameters:
        monitor.stop_event = kwargs["stop_event"] = threading.Event()
    return solve(problem, time_limit_s=time_limit_s, num_workers=num_workers, seed=0,
                 on_progress=monitor.on_progress, **kwargs)


def _run(job_id: int) -> str:
    from flask import current_app

    from .audit import set_actor
    from .extensions import db
    from .models import SolveJob
    from .services import schedules_jobs as jobs
    from .services.left_out import leave_out, left_out_cost, put_back
    from .services.schedules import build_instance
    from .solver import ProblemError, load_problem

    previous_actor = db.session.info.get("actor")
    set_actor(db.session, None, f"solve-job:{job_id}")
    try:
        start = jobs.begin_job(job_id)
        db.session.commit()
        if start is None:
            return "skipped"
        try:
            instance = build_instance(start.week, start.pins, jobs.published_version(start))
            solved, left_out = leave_out(instance, start.pins)  # the visits the manager left out stay out
            problem = load_problem(solved)
        except ProblemError as err:
            return _fail(job_id, f"The week could not be given to the solver: {err}")
        except Exception as err:  # noqa: BLE001 - any export error fails the job plainly
            log.exception("export of solve job %s failed", job_id)
            return _fail(job_id, f"The week could not be exported: {getattr(err, 'message', err)}")
        db.session.rollback()  # end the read transaction: the solve may take minutes
        monitor = JobMonitor(db.engine, job_id, offset=left_out_cost(instance, left_out)).start()
        try:
            result = _solve(problem, start.time_limit_s, current_app.config.get("SOLVER_WORKERS", 2), monitor)
            result = put_back(instance, result, left_out)
        except Exception as err:  # noqa: BLE001
            log.exception("solve job %s crashed", job_id)
            return _fail(job_id, f"The solver stopped with an error ({type(err).__name__}: {err}); nothing was saved.")
        finally:
            monitor.stop()
        set_actor(db.session, start.requested_by_id, f"solve-job:{job_id}")
        try:
            jobs.finish_job(start, instance, result, solutions=monitor.progress.get("solutions", 0))
            db.session.commit()
        except jobs.JobLost:
            db.session.rollback()
            return "lost"
        return db.session.get(SolveJob, job_id).status.value
    except Exception as err:  # noqa: BLE001 - never leave a job running
        log.exception("solve job %s failed", job_id)
        return _fail(job_id, f"The solve failed ({type(err).__name__}); nothing was saved.")
    finally:
        if previous_actor is not None:
            db.session.info["actor"] = previous_actor


def _fail(job_id: int, message: str) -> str:
    from .extensions import db
    from .services import schedules_jobs as jobs

    db.session.rollback()
    try:
        jobs.fail_job(job_id, message)
        db.session.commit()
    except jobs.JobLost:
        db.session.rollback()
    return "failed"
