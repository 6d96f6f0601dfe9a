"""Naming the primary nurses of a fixed placement on a fixed roster, shift by shift."""
from collections import defaultdict

from trc_scheduler.solver import check, load_problem
from trc_scheduler.solver.extract import extract
from trc_scheduler.solver.generate import generate
from trc_scheduler.solver.greedy import greedy
from trc_scheduler.solver.hints import hint_schedule
from trc_scheduler.solver.model import build_model
from trc_scheduler.solver.per_shift import staff_per_shift
from trc_scheduler.solver.placement import fixed_plans
from trc_scheduler.solver.search import complete_hint, placement_of, set_hint

from .conftest import tiny_instance, tiny_visit


def _stage_b(data):
    """Stage B's model for the first-fit schedule's placement, and that schedule's roster."""
    problem = load_problem(data)
    pm = build_model(problem, placement=True)
    hint_schedule(pm, greedy(data, explain=False))
    solver = complete_hint(pm.cp, 10.0)
    assert solver is not None
    placed = placement_of(pm, solver)
    roster = {key for key, var in pm.work.items() if solver.boolean_value(var)}
    b = build_model(problem, plans=(pm.planner, fixed_plans(pm.plans, placed)))
    return problem, b, roster, placed


def test_the_first_fit_roster_carries_every_visit_and_completes_to_a_checked_schedule():
    data = generate(0, beds=12, days=4, load=1.0)
    problem, b, roster, placed = _stage_b(data)
    values = staff_per_shift(b, roster, 10.0)
    assert values is not None
    assert all(values[sched.index] == 1 for sched in b.sched.values())  # every placed visit kept
    loads = defaultdict(int)
    for (vid, i, pid, need), var in b.nurse.items():
        if values[var.index]:
            assert (pid, i) in roster
            loads[pid, i] += need.load
    assert max(loads.values()) <= 100
    needs = {(vid, i, need) for (vid, i, _pid, need) in b.nurse}
    for vid, i, need in needs:
        named = [pid for (v, j, pid, n), var in b.nurse.items() if (v, j, n) == (vid, i, need) and values[var.index]]
        assert len(named) == 1, (vid, problem.shifts[i].id, named)
    set_hint(b.cp, values)
    solver = complete_hint(b.cp, 10.0)
    assert solver is not None, "the shift-by-shift staffing could not be completed in stage B's model"
    schedule, _terms, _details = extract(b, solver)
    report = check(data, schedule)  # the engine adds status and reasons later (FORMAT): every rule holds
    assert [str(v) for v in report.violations if v.rule != "FORMAT"] == []
    assert report.cost == round(solver.objective_value)
    assert len(schedule["visits"]) == len(placed)


def test_optional_visits_a_shift_cannot_carry_are_left_out_everywhere():
    data = generate(0, beds=12, days=4, load=1.0)
    problem, b, roster, _placed = _stage_b(data)
    busiest = max({i for (_p, i) in roster}, key=lambda i: sum(1 for (_v, j, _p, _n) in b.nurse if j == i))
    rns = sorted(pid for pid, i in roster if i == busiest and "RN" in problem.staff[pid].roles)
    for keep in range(len(rns) - 1, 0, -1):  # fewer and fewer RNs on the busiest shift
        values = staff_per_shift(b, roster - {(pid, busiest) for pid in rns[keep:]}, 10.0)
        dropped = {vid for vid, sched in b.sched.items() if values is not None and not values[sched.index]}
        if dropped:
            break
    assert dropped, "no thinner roster made the shift-by-shift staffing leave a visit out"
    assert not any(problem.visits[vid].mandatory for vid in dropped)
    assert not any(values[var.index] for (vid, _i, _p, _n), var in b.nurse.items() if vid in dropped)
    assert all(values[sched.index] for vid, sched in b.sched.items() if vid not in dropped)


def test_a_mandatory_visit_with_no_nurse_on_the_roster_gives_none():
    data = generate(0, beds=12, days=4, load=1.0)
    problem, b, _roster, _placed = _stage_b(data)
    assert any(problem.visits[vid].mandatory for (vid, _i, _p, _n) in b.nurse)
    assert staff_per_shift(b, set(), 10.0) is None


def test_stage_b_re_rosters_a_placement_whose_roster_cannot_carry_a_visit():
    import time

    from trc_scheduler.solver.search import Run
    from trc_scheduler.solver.stages import staff

    # a 1:1 telemetry visit on the day shift; the placement's roster has only S2 (no telemetry) on days
    visit = tiny_visit("V1", mandatory=False, priority=5, needs_bed=False,
                       nursing=[{"from_minutes": 0, "to_minutes": 120, "load_percent": 100, "skills": ["telemetry"]}])
    problem = load_problem(tiny_instance([visit]))
    a = build_model(problem, placement=True, aggregate=True)
    roster = {("S2", 0), ("S3", 1)}
    now = time.perf_counter()
    run = Run(now, now + 30, None, None)
    run.offer(1)  # a schedule better than this placement without V1 exists: stage B must re-roster
    found, proved = staff(problem, a, {"V1": (0, None)}, roster, run, 2, 0, budget=10.0)
    assert not proved
    schedule = found[0]
    assert [v["visit"] for v in schedule["visits"]] == ["V1"]  # S1 (telemetry) was put on the day shift
    assert {"staff": "S1", "shift": "D"} in schedule["shifts"]
    report = check(problem.raw, schedule)  # the engine adds status and reasons later (FORMAT)
    assert [str(v) for v in report.violations if v.rule != "FORMAT"] == []


def test_stage_b_keeps_a_staffing_that_left_a_visit_out_when_it_still_beats_the_best_schedule():
    import time

    from trc_scheduler.solver.search import Run
    from trc_scheduler.solver.stages import staff

    visit = tiny_visit("V1", mandatory=False, priority=5, needs_bed=False,
                       nursing=[{"from_minutes": 0, "to_minutes": 120, "load_percent": 100, "skills": ["telemetry"]}])
    problem = load_problem(tiny_instance([visit]))
    a = build_model(problem, placement=True, aggregate=True)
    now = time.perf_counter()
    run = Run(now, now + 30, None, None)
    run.offer(10**9)  # the best so far is far worse: the staffing is a gain as it is, no time spent on it
    found, proved = staff(problem, a, {"V1": (0, None)}, {("S2", 0), ("S3", 1)}, run, 2, 0, budget=10.0)
    assert not proved
    assert found[0]["visits"] == []  # V1 left out: S2 on the day shift has no telemetry
    assert found[3] < 10**9 and run.best == found[3]
