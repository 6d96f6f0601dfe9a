"""The first-fit baseline always returns a schedule that passes the checker."""
import pytest

from trc_scheduler.solver.check import check
from trc_scheduler.solver.generate import generate
from trc_scheduler.solver.greedy import greedy

from .conftest import load_example


@pytest.mark.parametrize("name", ["example-small", "example-week", "example-dst-week", "example-overbooked"])
def test_greedy_schedule_of_each_example_passes_check(name):
    instance = load_example(name)
    schedule = greedy(instance)
    report = check(instance, schedule)
    assert schedule["status"] == "FEASIBLE"
    assert report.violations == []
    assert schedule["objective"] == report.cost
    assert all(u["reason"] for u in schedule["unscheduled"])


@pytest.mark.parametrize("seed, beds, days, load", [(0, 18, 7, 1.0), (1, 18, 7, 1.3), (2, 4, 2, 1.0)])
def test_greedy_schedule_of_generated_weeks_passes_check(seed, beds, days, load):
    instance = generate(seed, beds=beds, days=days, load=load)
    schedule = greedy(instance)
    assert check(instance, schedule).violations == []
    assert schedule["status"] == "FEASIBLE"


def test_greedy_gives_up_cleanly_when_mandatory_visits_clash():
    instance = load_example("example-infeasible")
    schedule = greedy(instance)
    assert schedule["status"] == "UNKNOWN"
    assert schedule["visits"] == [] and len(schedule["unscheduled"]) == len(instance["visits"])
    assert check(instance, schedule).ok


def test_first_fit_staffing_of_a_given_placement_is_valid_and_keeps_mandatory_visits():
    from trc_scheduler.solver.greedy import staff_placement

    data = generate(2, beds=12, days=4, load=1.0)
    placed = greedy(data)["visits"]
    schedule = staff_placement(data, {row["visit"]: (row["start"], row.get("bed")) for row in placed})
    assert schedule is not None
    report = check(data, schedule)
    assert report.ok, report.violations[:3]
    assert schedule["objective"] == report.cost
    kept = {row["visit"] for row in schedule["visits"]}
    assert {v["id"] for v in data["visits"] if v.get("mandatory")} <= kept
    assert kept <= {row["visit"] for row in placed}  # it staffs the placement, it does not place
