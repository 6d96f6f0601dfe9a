"""Command line of the engine: ``python -m trc_scheduler.solver solve|check|generate|greedy``.

Exit codes: 0 a schedule (OPTIMAL/FEASIBLE) or a clean check; 1 bad input
(missing file, not JSON, an instance the engine refuses) or a check that found
violations; 2 INFEASIBLE (the conflicts are printed); 3 UNKNOWN (no schedule
found in the time allowed).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


class InputError(Exception):
    """A file the command cannot use; the message is shown as is."""


def _read_json(path: str, what: str):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def _load_instance(path: str):
    from .problem import ProblemError, load_problem

    data = _read_json(path, "instance")
    try:
        return load_problem(data)
    except ProblemError as exc:
        raise InputError(f"instance {path} refused: {exc}") from None


def _write(data: dict, out: str | None) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)


def _gap(objective, bound) -> str:
    if objective is None or bound is None:
        return "-"
    return f"{(objective - bound) / max(1, abs(objective)):.1%}"


def cmd_solve(args) -> int:
    """Solve an instance and write the schedule."""
    from .check import check
    from .solve import solve

    problem = _load_instance(args.instance)

    def progress(p) -> bool:
        print(f"{p.elapsed_s:8.2f}s  objective {p.objective:>9}  bound {p.bound:>9}  gap {_gap(p.objective, p.bound):>6}",
              file=sys.stderr, flush=True)
        return True

    result = solve(problem, time_limit_s=args.time_limit, num_workers=args.workers, seed=args.seed,
                   on_progress=progress)
    schedule = result.schedule
    placed, left = len(schedule.get("visits", [])), len(schedule.get("unscheduled", []))
    print(f"{result.status}: objective {result.objective}, bound {result.bound}, gap {_gap(result.objective, result.bound)}, "
          f"{result.solve_seconds:.1f}s; {placed} visits scheduled, {left} unscheduled", file=sys.stderr)
    if result.status == "INFEASIBLE":
        for conflict in result.conflicts or schedule.get("conflicts", []):
            print(f"  conflict: {conflict}", file=sys.stderr)
    elif result.status in ("OPTIMAL", "FEASIBLE"):
        report = check(problem.raw, schedule)
        print(f"independent check: {'OK' if report.ok else f'{len(report.violations)} violation(s)'}, "
              f"recomputed cost {report.cost}", file=sys.stderr)
        for violation in report.violations[:20]:
            print(f"  {violation}", file=sys.stderr)
    _write(schedule, args.output)
    return {"OPTIMAL": 0, "FEASIBLE": 0, "INFEASIBLE": 2}.get(result.status, 3)


def cmd_check(args) -> int:
    """Check a schedule against its instance; print violations and the recomputed cost."""
    from .check import check

    problem = _load_instance(args.instance)
    schedule = _read_json(args.schedule, "schedule")
    report = check(problem.raw, schedule)
    print(report.summary())
    if isinstance(schedule, dict) and schedule.get("objective") is not None:
        print(f"objective in the schedule: {schedule['objective']}")
    return 0 if report.ok else 1


def cmd_generate(args) -> int:
    """Generate a seeded instance."""
    from .generate import generate

    _write(generate(args.seed, beds=args.beds, days=args.days, load=args.load, start_date=args.start_date), args.output)
    return 0


def cmd_greedy(args) -> int:
    """Build the first-fit baseline schedule of an instance."""
    from .greedy import greedy

    problem = _load_instance(args.instance)
    schedule = greedy(problem.raw)
    print(f"{schedule['status']}: objective {schedule['objective']}, {len(schedule['visits'])} visits scheduled, "
          f"{len(schedule['unscheduled'])} unscheduled, {schedule['solve_seconds']:.2f}s", file=sys.stderr)
    _write(schedule, args.output)
    return 0 if schedule["status"] == "FEASIBLE" else 3


def parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    top = argparse.ArgumentParser(prog="python -m trc_scheduler.solver", description="TRC unit scheduling engine")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("solve", help="solve an instance with CP-SAT")
    p.add_argument("instance")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", help="schedule file (default: stdout)")
    p.set_defaults(func=cmd_solve)
    p = sub.add_parser("check", help="check a schedule against its instance")
    p.add_argument("instance")
    p.add_argument("schedule")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("generate", help="generate a seeded instance")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--beds", type=int, default=18)
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--load", type=float, default=1.0)
    p.add_argument("--start-date", help="a date; the period starts on the Monday on or after it")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser("greedy", help="first-fit baseline schedule")
    p.add_argument("instance")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_greedy)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. a bad --start-date
        print(f"error: {exc}", file=sys.stderr)
        return 1
