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


def test_greedy_without_explanations_gives_the_same_schedule_with_short_reasons():
    instance = load_example("example-overbooked")
    explained, quick = greedy(instance), greedy(instance, explain=False)
    assert {k: v for k, v in quick.items() if k not in ("unscheduled", "solve_seconds")} == \
        {k: v for k, v in explained.items() if k not in ("unscheduled", "solve_seconds")}
    assert [u["visit"] for u in quick["unscheduled"]] == [u["visit"] for u in explained["unscheduled"]]
    assert {u["reason"] for u in quick["unscheduled"]} == {"not placed by the first-fit baseline"}
    assert "not placed by the first-fit baseline" not in {u["reason"] for u in explained["unscheduled"]}


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


def test_guided_first_fit_keeps_a_valid_placement_it_is_given():
    from trc_scheduler.solver.greedy import guided

    data = generate(0, beds=12, days=4, load=1.0)
    base = greedy(data)
    wanted = {row["visit"]: row["start"] for row in base["visits"]}
    beds = {row["visit"]: row["bed"] for row in base["visits"] if row.get("bed")}
    schedule = guided(data, wanted, beds)
    assert schedule is not None
    assert check(data, schedule).ok
    kept = {row["visit"]: (row["start"], row.get("bed")) for row in schedule["visits"]}
    assert {vid: kept.get(vid) for vid in wanted} == {vid: (start, beds.get(vid)) for vid, start in wanted.items()}


def test_guided_first_fit_moves_clashing_visits_and_stays_valid():
    from trc_scheduler.solver.greedy import guided

    data = generate(1, beds=18, days=7, load=1.3)
    # every visit wants its target (or earliest) start: far more than the beds and nurses can hold
    wanted = {v["id"]: v.get("target_start") or v["earliest_start"] for v in data["visits"]}
    schedule = guided(data, wanted)
    assert schedule is not None
    report = check(data, schedule)
    assert report.ok, report.violations[:3]
    assert schedule["objective"] == report.cost
    placed = {row["visit"] for row in schedule["visits"]}
    assert {v["id"] for v in data["visits"] if v.get("mandatory")} <= placed
    assert schedule["unscheduled"]  # overbooked: some are left out, none is half-placed
    assert len(placed) + len(schedule["unscheduled"]) == len(data["visits"])
    # further passes take the visits left out first: still valid, and the cheapest pass is kept
    again = guided(data, wanted, passes=4)
    assert again is not None and check(data, again).ok
    assert again["objective"] <= schedule["objective"]


def test_skill_fit_saves_skilled_nurses_and_packs_loads():
    """With skill fit (a variant of the guided first fit) a load goes to the nurse with the fewest skills beyond
    its need, then to the fullest that can take it; the baseline keeps plain first fit."""
    from trc_scheduler.solver.parsed import parse_instance
    from trc_scheduler.solver.state import State

    inst = parse_instance(generate(0, beds=18, days=7, load=1.0))
    shift = inst.shifts[3]
    rns = sorted((m for m in inst.staff.values() if "RN" in m.roles), key=lambda m: (len(m.skills), m.id))
    plain, skilled = rns[0], rns[-1]
    assert len(skilled.skills) > len(plain.skills)
    twin = next(m for m in rns if m.id != plain.id and m.skills == plain.skills)
    for careful in (True, False):
        state = State(inst, skill_fit=careful)
        for m in (skilled, plain, twin):
            state.add_shift(m.id, shift)
        state.load[(twin.id, shift.id)] = 50
        options = state.nurse_options(shift, 25, frozenset())
        mine = [s for s in options if s in {skilled.id, plain.id, twin.id}]
        if careful:
            assert mine == [twin.id, plain.id, skilled.id]  # fullest of the least skilled, the skilled last
        else:
            assert set(mine) == {skilled.id, plain.id, twin.id}
        assert state.nurse_options(shift, 60, frozenset())[:1] != [twin.id]  # 50 + 60 > 100


def test_guided_first_fit_by_skill_fit_stays_valid():
    from trc_scheduler.solver.greedy import guided

    data = generate(1, beds=18, days=7, load=1.3)
    wanted = {v["id"]: v.get("target_start") or v["earliest_start"] for v in data["visits"]}
    plain, fit = guided(data, wanted), guided(data, wanted, skill_fit=True)
    report = check(data, fit)
    assert report.ok, report.violations[:3]
    assert fit["objective"] == report.cost
    assert {v["id"] for v in data["visits"] if v.get("mandatory")} <= {row["visit"] for row in fit["visits"]}
    assert fit["primary_nurses"] != plain["primary_nurses"]  # it does choose other nurses
