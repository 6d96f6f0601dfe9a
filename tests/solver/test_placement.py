"""The placement model (phase A): a relaxation whose bound holds for the full problem."""
from ortools.sat.python import cp_model

from trc_scheduler.solver import load_problem
from trc_scheduler.solver.candidates import plan_visits
from trc_scheduler.solver.model import build_model
from trc_scheduler.solver.placement import fixed_plans, nurses_needed

from .conftest import at, load_example, tiny_instance, tiny_visit


def _optimum(model, seconds=20.0):
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    code = solver.solve(model.cp)
    return solver.status_name(code), solver.objective_value, solver.best_objective_bound


def test_placement_model_has_no_primary_nurse_variables():
    problem = load_problem(load_example("example-small"))
    a = build_model(problem, placement=True)
    assert not a.nurse and not a.primary
    assert set(a.terms) == {"unscheduled", "target_hour", "continuity", "preferred_off",
                            "changed_visit", "changed_shift"}


def test_placement_optimum_is_a_lower_bound_of_the_full_optimum():
    problem = load_problem(load_example("example-small"))
    status_a, value_a, _ = _optimum(build_model(problem, placement=True))
    assert status_a == "OPTIMAL"
    full = build_model(problem)
    status, value, bound = _optimum(full, 30.0)
    assert status in ("OPTIMAL", "FEASIBLE")
    assert value_a <= value  # the relaxation never costs more than a full schedule
    assert value_a <= 138  # the known optimum of example-small


def test_a_stay_over_more_shifts_than_one_nurse_may_work_needs_several():
    data = tiny_instance([tiny_visit("V1", duration=20 * 60)])  # 09:00 to 05:00: day and night shift
    problem = load_problem(data)
    planner, plans = plan_visits(problem)
    needs = plans["V1"].candidates[0].needs
    assert len(needs) == 2
    # 11 h rest: nobody works the day shift and the night right after it
    assert nurses_needed(problem, planner, needs) == 2


def test_fixed_plans_keep_only_the_chosen_start_and_bed():
    data = tiny_instance([tiny_visit("V1", earliest="09:00", latest="12:00"), tiny_visit("V2", mandatory=False)])
    problem = load_problem(data)
    planner, plans = plan_visits(problem)
    fixed = fixed_plans(plans, {"V1": (2, "B2")})
    assert [c.start for c in fixed["V1"].candidates] == [plans["V1"].candidates[2].start]
    assert fixed["V1"].beds == ["B2"]
    assert fixed["V2"].candidates == []
    model = build_model(problem, plans=(planner, fixed))
    assert "V2" not in model.sched and model.terms["unscheduled"] is not None
