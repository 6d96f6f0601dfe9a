"""Property: whatever small unit the generator builds, the engine's schedule passes the checker."""
from hypothesis import given, settings, strategies as st

from trc_scheduler.solver import check, load_problem, solve
from trc_scheduler.solver.generate import generate


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), beds=st.integers(2, 4), days=st.integers(1, 2),
       load=st.sampled_from([0.7, 1.0, 1.3]))
def test_solved_schedule_passes_check_and_objective_is_its_cost(seed, beds, days, load):
    instance = generate(seed, beds=beds, days=days, load=load)
    result = solve(load_problem(instance), time_limit_s=5, num_workers=1, seed=0)
    assert result.status in ("OPTIMAL", "FEASIBLE"), result.status  # the generator keeps mandatory work placeable
    report = check(instance, result.schedule)
    assert report.violations == []
    assert result.schedule["objective"] == result.objective == report.cost
