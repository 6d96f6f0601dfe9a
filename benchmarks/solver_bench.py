"""Benchmark the CP-SAT engine against the first-fit baseline on generated units.

Not a test: it prints figures. Each solve runs in its own (spawned) process so
its peak memory can be measured; the table shows per-run rows, then medians
over seeds for each size.

    .venv/bin/python benchmarks/solver_bench.py --quick
    .venv/bin/python benchmarks/solver_bench.py --sizes 18x7,36x14 --seeds 3
    .venv/bin/python benchmarks/solver_bench.py --sizes 18x7 --loads 1.0 --seeds 3 --repeats 3
    .venv/bin/python benchmarks/solver_bench.py --examples
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "instances"
TARGET_LIMITS = {(18, 7): 10.0, (36, 14): 60.0, (72, 28): 300.0}


def time_limit(beds: int, days: int, load: float) -> float:
    """Return the target time limit of a size: 18x7 10 s (30 s overbooked), 36x14 60 s, 72x28 300 s."""
    if (beds, days) == (18, 7) and load > 1.0:
        return 30.0
    return TARGET_LIMITS.get((beds, days), 60.0)


def _solve_child(instance: dict, limit: float, workers: int, seed: int, queue) -> None:
    from trc_scheduler.solver import check, load_problem, solve

    began = time.perf_counter()
    result = solve(load_problem(instance), time_limit_s=limit, num_workers=workers, seed=seed)
    wall = time.perf_counter() - began
    report = check(instance, result.schedule)
    queue.put({"status": result.status, "objective": result.objective, "bound": result.bound, "gap": result.gap,
               "first": result.first_solution_seconds, "best": result.best_solution_seconds, "wall": wall,
               "check": "ok" if report.ok else ",".join(sorted(report.rules)),
               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def run_one(instance: dict, limit: float, workers: int, seed: int) -> dict:
    """Solve an instance in a fresh process; return its figures (and the greedy baseline's)."""
    from trc_scheduler.solver.greedy import greedy

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_solve_child, args=(instance, limit, workers, seed, queue))
    proc.start()
    try:
        row = queue.get(timeout=limit * 3 + 120)
    except Exception:  # noqa: BLE001 - a crashed or hung child is a row, not a stop
        row = {"status": "CRASH", "objective": None, "bound": None, "gap": None, "first": None, "best": None,
               "wall": None, "check": "-", "rss_mb": None}
    proc.join(timeout=30)
    began = time.perf_counter()
    baseline = greedy(instance)
    row["greedy"] = baseline["objective"]
    row["greedy_s"] = time.perf_counter() - began
    if row["objective"] is not None and row["greedy"]:
        row["improve"] = (row["greedy"] - row["objective"]) / row["greedy"]
    else:
        row["improve"] = None
    row.update(visits=len(instance["visits"]), staff=len(instance["staff"]), shifts=len(instance["shifts"]),
               placed_greedy=len(baseline["visits"]))
    return row


def _f(value, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


HEADER = (f"{'instance':<22} {'vis':>4} {'stf':>4} {'sh':>3} {'status':<9} {'objective':>9} {'bound':>9} {'gap':>6} "
          f"{'first s':>7} {'best s':>7} {'wall s':>7} {'RSS MB':>7} {'check':<6} {'greedy':>9} {'improv':>7}")


def line(name: str, r: dict) -> str:
    """Format one row of the table."""
    return (f"{name:<22} {r['visits']:>4} {r['staff']:>4} {r['shifts']:>3} {r['status']:<9} {_f(r['objective']):>9} "
            f"{_f(r['bound']):>9} {_f(r['gap'], '{:.1%}'):>6} {_f(r['first'], '{:.1f}'):>7} {_f(r['best'], '{:.1f}'):>7} "
            f"{_f(r['wall'], '{:.1f}'):>7} {_f(r['rss_mb'], '{:.0f}'):>7} {r['check']:<6} {_f(r['greedy']):>9} "
            f"{_f(r['improve'], '{:.1%}'):>7}")


def median_row(rows: list[dict]) -> dict:
    """Return the median of each numeric figure over seeds (status: the most common)."""
    out = dict(rows[0])
    for key in ("visits", "staff", "shifts", "objective", "bound", "gap", "first", "best", "wall", "rss_mb",
                "greedy", "improve"):
        values = [r[key] for r in rows if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    for key in ("visits", "staff", "shifts"):
        out[key] = int(out[key])
    out["status"] = statistics.mode(r["status"] for r in rows)
    out["check"] = "ok" if all(r["check"] == "ok" for r in rows) else "FAIL"
    return out


def bench_generated(configs, seeds: int, scale: float, workers: int, repeats: int = 1) -> None:
    """Print a row per run, then the median of each size (over seeds and repeats).

    A repeat solves the same instance again with another solver seed: one
    seed's result under a wall-clock limit varies by up to 3x, so telling a
    change of a few percent apart needs several.
    """
    from trc_scheduler.solver.generate import generate

    print(HEADER)
    medians, spreads = [], []
    for beds, days, load in configs:
        rows = []
        for seed in range(seeds):
            instance = generate(seed, beds=beds, days=days, load=load)
            limit = time_limit(beds, days, load) * scale
            for r in range(repeats):
                row = run_one(instance, limit, workers, seed + 1000 * r)
                rows.append(row)
                tag = f" r{r}" if repeats > 1 else ""
                print(line(f"{beds}x{days} l{load:g} s{seed}{tag} ({limit:g}s)", row), flush=True)
        name = f"{beds}x{days} l{load:g}"
        medians.append((f"median {name}", median_row(rows)))
        found = sorted(r["objective"] for r in rows if r["objective"] is not None)
        if repeats > 1 and found:
            spreads.append(f"{name}: objective {found[0]} .. {found[-1]} over {len(found)} runs")
    print("\nmedians over seeds" + (f" and {repeats} repeats" if repeats > 1 else ""))
    print(HEADER)
    for name, row in medians:
        print(line(name, row))
    for text in spreads:
        print(text)


def bench_examples(scale: float, workers: int) -> None:
    print(HEADER)
    for path in sorted(EXAMPLES.glob("example-*.json")):
        if path.name.endswith(".schedule.json"):
            continue
        instance = json.loads(path.read_text())
        days = round(len(instance["shifts"]) / 2)
        limit = time_limit(len(instance["beds"]), days, 1.3 if "overbooked" in path.name else 1.0) * scale
        print(line(path.stem, run_one(instance, limit, workers, 0)), flush=True)


def main(argv=None) -> int:
    """Parse flags and print the benchmark table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="18x7,36x14,72x28", help="BEDSxDAYS,... (18x7 runs loads 0.7, 1.0, 1.3)")
    p.add_argument("--loads", default=None, help="loads for every size (default: 0.7,1.0,1.3 for 18x7, 1.0 otherwise)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=1, help="solve each instance this many times (other solver seeds)")
    p.add_argument("--time-limit-scale", type=float, default=1.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="18x7 at loads 0.7/1.0/1.3, one seed")
    p.add_argument("--examples", action="store_true", help="run the spec's example instances")
    args = p.parse_args(argv)
    if args.examples:
        bench_examples(args.time_limit_scale, args.workers)
        return 0
    sizes = ["18x7"] if args.quick else args.sizes.split(",")
    seeds = 1 if args.quick else args.seeds
    configs = []
    for size in sizes:
        beds, days = (int(x) for x in size.lower().split("x"))
        loads = ([float(x) for x in args.loads.split(",")] if args.loads
                 else [0.7, 1.0, 1.3] if (beds, days) == (18, 7) else [1.0])
        configs += [(beds, days, load) for load in loads]
    bench_generated(configs, seeds, args.time_limit_scale, args.workers, max(1, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
