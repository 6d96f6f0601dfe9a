"""The placement model (phase A): a relaxation whose bound holds for the full problem."""
from datetime import datetime

import pytest
from ortools.sat.python import cp_model

from trc_scheduler.solver import load_problem
from trc_scheduler.solver.candidates import plan_visits
from trc_scheduler.solver.model import build_model
from trc_scheduler.solver.placement import fixed_plans, nurses_needed

from .conftest import load_example, tiny_instance, tiny_visit


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


# --- the aggregate model (stage A): no named beds, still a relaxation ----------------------------------

def _fixed_to(model, schedule, seconds=20.0):
    """Solve ``model`` with a full schedule's starts, beds and roster fixed; return (status, objective)."""
    from trc_scheduler.solver.hints import hint_schedule

    hint_schedule(model, schedule)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    solver.parameters.fix_variables_to_their_hinted_value = True
    code = solver.solve(model.cp)
    return solver.status_name(code), solver.objective_value


@pytest.mark.parametrize("source", ["example-small", "example-week", "generated"])
def test_every_full_schedule_fits_the_aggregate_model_at_no_higher_cost(source):
    from trc_scheduler.solver import solve
    from trc_scheduler.solver.generate import generate

    data = generate(3, beds=8, days=3, load=1.0) if source == "generated" else load_example(source)
    problem = load_problem(data)
    result = solve(problem, time_limit_s=8, num_workers=2, seed=0)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    status, value = _fixed_to(build_model(problem, placement=True, aggregate=True), result.schedule)
    assert status in ("OPTIMAL", "FEASIBLE"), "the aggregate model cut off a valid schedule"
    assert value <= result.objective
    assert result.bound <= result.objective


def test_aggregate_model_keeps_room_sharing():
    # two quiet beds, both in room R1: a woman and a man at the same time cannot both have one
    visits = [tiny_visit("V1", participant="P1", mandatory=False, bed_features=["quiet"]),
              tiny_visit("V2", participant="P2", mandatory=False, bed_features=["quiet"])]
    problem = load_problem(tiny_instance(visits))
    status, value, _ = _optimum(build_model(problem, placement=True, aggregate=True))
    assert status == "OPTIMAL" and value == 1000
    assert _optimum(build_model(problem))[1] == 1000
    # two women can share the room
    visits[1]["participant"] = "P3"
    problem = load_problem(tiny_instance(visits))
    assert _optimum(build_model(problem, placement=True, aggregate=True))[1] == 0


def test_best_fit_beds_never_break_bed_or_room_rules():
    from trc_scheduler.solver import check
    from trc_scheduler.solver.beds import assign_beds
    from trc_scheduler.solver.generate import generate
    from trc_scheduler.solver.greedy import greedy

    data = generate(1, beds=12, days=4, load=1.3)
    problem = load_problem(data)
    planner, plans = plan_visits(problem)
    schedule = greedy(data)
    starts = {row["visit"]: problem.minutes(datetime.fromisoformat(row["start"])) for row in schedule["visits"]}
    beds, left = assign_beds(problem, plans, starts)
    assert beds and len(beds) + len(left) == sum(1 for v in starts if problem.visits[v].needs_bed)
    kept = [dict(row, bed=beds[row["visit"]]) for row in schedule["visits"] if row["visit"] in beds]
    report = check(data, dict(schedule, visits=kept, primary_nurses=[], tasks=[], unscheduled=[]))
    assert not [v for v in report.violations if v.rule in ("H2", "H3", "H4")]


def test_exact_beds_never_break_bed_or_room_rules_and_bed_at_least_as_many_as_best_fit():
    from trc_scheduler.solver import check
    from trc_scheduler.solver.beds import assign_beds, assign_beds_exact
    from trc_scheduler.solver.generate import generate

    data = generate(1, beds=12, days=4, load=1.3)
    problem = load_problem(data)
    planner, plans = plan_visits(problem)
    # every stay at its earliest start: more than the beds can hold, so some must be left
    starts = {vid: plans[vid].candidates[0].start for vid in problem.visits
              if plans[vid].candidates and problem.visits[vid].needs_bed}
    heuristic, left = assign_beds(problem, plans, starts)
    beds, left_exact = assign_beds_exact(problem, plans, starts, heuristic, seconds=5.0)
    assert left and len(left_exact) <= len(left)
    assert len(beds) + len(left_exact) == len(starts)
    rows = [{"visit": vid, "start": problem.at(starts[vid]).isoformat(), "bed": bed} for vid, bed in beds.items()]
    schedule = {"format": "trc-schedule/1", "instance": data["id"], "status": "FEASIBLE", "objective": 0,
                "bound": 0, "solve_seconds": 0, "visits": rows, "unscheduled": [], "shifts": [],
                "primary_nurses": [], "tasks": [], "conflicts": []}
    report = check(data, schedule)
    assert not [v for v in report.violations if v.rule in ("H2", "H3", "H4")]
