"""Neighbourhood search on the aggregate model by time windows (long horizons)."""
import time

from trc_scheduler.solver import check, load_problem, solve
from trc_scheduler.solver import windows as windows_module
from trc_scheduler.solver.generate import generate
from trc_scheduler.solver.hints import add_hints, baseline
from trc_scheduler.solver.model import build_model
from trc_scheduler.solver.search import Run, complete_hint, fixed_values, hinted, hinted_cost, solver_for
from trc_scheduler.solver.windows import Windows


def _warm_aggregate_model(data):
    """The aggregate model (nurse capacity on), its complete hint the first-fit schedule."""
    problem = load_problem(data)
    a = build_model(problem, placement=True, aggregate=True)
    add_hints(a, baseline(a))
    assert complete_hint(a.cp, 10.0) is not None
    return problem, a


def _run(seconds):
    now = time.perf_counter()
    return Run(now, now + seconds, None, None)


def test_only_long_horizons_are_searched_by_windows(monkeypatch):
    problem, a = _warm_aggregate_model(generate(0, beds=10, days=7, load=1.0))
    assert not Windows(problem, a).fits()  # one week of a small unit: a window would hold it all
    monkeypatch.setattr(windows_module, "WINDOW_VISITS", 8)
    short = Windows(problem, a)
    assert short.fits()
    assert 24 * 60 <= short.length < 7 * 24 * 60


def test_a_step_moves_only_the_visits_that_may_start_in_its_window(monkeypatch):
    monkeypatch.setattr(windows_module, "WINDOW_VISITS", 8)
    problem, a = _warm_aggregate_model(generate(2, beds=10, days=7, load=1.3))
    windows = Windows(problem, a)
    values = hinted(a.cp)
    before, _roster = windows.placement()
    lo, hi = windows.first + windows.length, windows.first + 2 * windows.length
    inside = {vid for vid, plan in a.plans.items() if any(lo <= c.start < hi for c in plan.candidates)}
    assert inside and len(inside) < len(a.plans)
    solver = solver_for(5.0, 2, 0)
    with fixed_values(a.cp, windows._fix_outside(values, lo, hi)):
        assert solver.status_name(solver.solve(a.cp)) in ("OPTIMAL", "FEASIBLE")
    for vid, sched in a.sched.items():
        if vid not in inside:
            assert solver.boolean_value(sched) == (vid in before)
            if vid in before:
                assert solver.boolean_value(a.x[vid][before[vid][0]])
    assert solver.objective_value <= hinted_cost(a.cp, values)  # the hint is a solution of every step


def test_sweeping_the_windows_never_makes_the_placement_worse(monkeypatch):
    monkeypatch.setattr(windows_module, "WINDOW_VISITS", 10)
    monkeypatch.setattr(windows_module, "STEP_SECONDS", 1.0)
    problem, a = _warm_aggregate_model(generate(2, beds=10, days=7, load=1.3))
    windows = Windows(problem, a)
    start = hinted_cost(a.cp, hinted(a.cp))
    found = windows.improve(_run(30.0), 6.0, num_workers=2, seed=0)
    after = hinted_cost(a.cp, hinted(a.cp))
    assert windows.step > 2
    assert after <= start
    assert found is None or found == after
    assert found is not None and after < start  # first fit is far from the best on an overbooked week


def _solve_checked(monkeypatch, data, limit, windows=True):
    """Solve with windows of 10 visits; assert whether the windows searched, and that the schedule checks."""
    steps = []
    real = Windows.improve
    monkeypatch.setattr(Windows, "improve", lambda self, *args, **kw: steps.append(1) or real(self, *args, **kw))
    monkeypatch.setattr(windows_module, "WINDOW_VISITS", 10)
    result = solve(load_problem(data), time_limit_s=limit, num_workers=2, seed=0)
    assert bool(steps) == windows, "the search by windows ran" if steps else "the search by windows did not run"
    assert result.status in ("OPTIMAL", "FEASIBLE")
    report = check(data, result.schedule)
    assert report.ok, [str(v) for v in report.violations]
    assert report.cost == result.objective
    return result


def test_units_small_enough_for_named_beds_search_neighbourhoods_not_windows(monkeypatch):
    """The neighbourhoods with named beds (lns.py) do better with the time on such units, long horizons too."""
    from trc_scheduler.solver.lns import Neighbourhoods

    hoods = []
    real = Neighbourhoods.improve
    monkeypatch.setattr(Neighbourhoods, "improve", lambda self, *args, **kw: hoods.append(1) or real(self, *args, **kw))
    data = generate(1, beds=10, days=7, load=1.0)
    problem, a = _warm_aggregate_model(data)
    monkeypatch.setattr(windows_module, "WINDOW_VISITS", 10)
    assert Windows(problem, a).fits()  # long enough a horizon for the windows...
    _solve_checked(monkeypatch, data, 10.0, windows=False)  # ...but they are not searched
    assert hoods


def test_big_units_search_by_windows_from_their_schedule_made_whole(monkeypatch):
    """A 72-bed month takes the path of units too big for named beds; forced here on a small week."""
    from trc_scheduler.solver import stages

    monkeypatch.setattr(stages, "BED_MODEL_MAX_VARS", 0)
    monkeypatch.setattr(windows_module, "STEP_SECONDS", 0.5)
    calls = []
    real = stages._windows_from
    monkeypatch.setattr(stages, "_windows_from", lambda *args, **kw: calls.append(real(*args, **kw)) or calls[-1])
    from trc_scheduler.solver import greedy

    fits, guided = [], greedy.guided
    monkeypatch.setattr(greedy, "guided", lambda *args, **kw: fits.append(kw.get("skill_fit")) or guided(*args, **kw))
    data = generate(1, beds=10, days=7, load=1.3)
    _solve_checked(monkeypatch, data, 12.0)
    assert calls, "the big-unit path did not reach the windows"
    assert fits[:2] == [True, False]  # its placements are made whole by skill fit and by first fit
    better = calls[0]
    if better is not None:  # what the windows gave, made whole, is a checked schedule of its own cost
        assert check(data, better[0]).ok and check(data, better[0]).cost == better[3]
