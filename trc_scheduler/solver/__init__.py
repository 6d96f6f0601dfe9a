"""The scheduling engine: a pure package (standard library + ortools only).

It reads a ``trc-instance/1`` problem and returns a ``trc-schedule/1``
schedule; it knows nothing of Flask or the database.

Public API::

    from trc_scheduler.solver import load_problem, ProblemError, solve, check

    problem = load_problem(json.load(f))        # raises ProblemError naming the field
    result = solve(problem, time_limit_s=30, num_workers=2, seed=0, on_progress=None)
    result.schedule                              # dict in trc-schedule/1 form
    report = check(problem.raw, result.schedule) # independent re-verification
"""
from .problem import Problem, ProblemError, load_problem, load_problem_file  # noqa: F401
from .solve import Progress, Result, solve  # noqa: F401
from .check import CheckReport, Violation, check  # noqa: F401
