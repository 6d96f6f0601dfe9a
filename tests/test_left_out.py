"""Visits a manager left out of a draft stay out when the week is solved again (services/left_out.py)."""
import copy
import json

from trc_scheduler.services.left_out import leave_out, left_out_cost, pinned_out, put_back
from trc_scheduler.services.schedules import apply_pins, normalise_pins
from trc_scheduler.solver import check, load_problem, solve

from .paths import INSTANCES


def small() -> dict:
    return json.loads((INSTANCES / "example-small.json").read_text())


def out(*vids) -> dict:
    return normalise_pins({"visits": {v: {"out": True} for v in vids}})


def chained() -> dict:
    """example-small with V004 before V005 before V006 (all optional) and V001 (mandatory) after V009."""
    inst = small()
    inst["precedences"] = [
        {"before": "V004", "after": "V005", "min_gap_minutes": 0},
        {"before": "V005", "after": "V006", "min_gap_minutes": 0},
        {"before": "V009", "after": "V001", "min_gap_minutes": -100000},
        {"before": "V010", "after": "V004", "min_gap_minutes": -100000},
    ]
    return inst


def test_the_out_mark_survives_normalising_and_is_not_a_fixed_start():
    pins = out("V007")
    assert pins["visits"]["V007"] == {"start": None, "bed": None, "out": True} and pinned_out(pins) == ["V007"]
    assert "fixed" not in next(v for v in apply_pins(small(), pins)["visits"] if v["id"] == "V007")


def test_leaving_a_visit_out_takes_its_followers_and_their_precedences_too():
    inst = chained()
    before = copy.deepcopy(inst)
    solved, reasons = leave_out(inst, out("V004"))
    assert inst == before  # the caller's instance is not touched
    assert reasons == {"V004": "left out by the manager (pinned in the draft)",
                       "V005": "follows V004, which the manager left out",
                       "V006": "follows V004, which the manager left out"}
    assert {v["id"] for v in solved["visits"]} == {v["id"] for v in inst["visits"]} - set(reasons)
    assert solved["precedences"] == [inst["precedences"][2]]  # V010 -> V004 names a visit taken out
    load_problem(solved)  # still a valid instance


def test_a_pin_that_would_take_a_mandatory_visit_out_is_ignored_and_unknown_visits_too():
    solved, reasons = leave_out(chained(), out("V009", "V999"))
    assert reasons == {} and len(solved["visits"]) == len(small()["visits"])


def test_previous_placements_of_visits_taken_out_are_dropped():
    inst = small()
    inst["previous"] = {"visits": [{"visit": "V007", "start": "2026-11-25T09:00:00-05:00", "bed": "B02"}]}
    solved, reasons = leave_out(inst, out("V007"))
    assert solved["previous"]["visits"] == []
    # V007 (priority 2) is left out and moved from the published schedule
    assert left_out_cost(inst, reasons) == 2 * inst["weights"]["unscheduled"] + inst["weights"]["changed_visit"]


def test_put_back_gives_the_whole_week_a_checked_schedule_and_a_shifted_bound():
    inst = small()
    solved, reasons = leave_out(inst, out("V002"))
    result = solve(load_problem(solved), time_limit_s=5, num_workers=2, seed=0)
    whole = put_back(inst, result, reasons)
    report = check(inst, whole.schedule)
    assert report.ok, [v.message for v in report.violations]
    unscheduled = {u["visit"]: u["reason"] for u in whole.schedule["unscheduled"]}
    assert unscheduled["V002"] == "left out by the manager (pinned in the draft)"
    assert all(e["visit"] != "V002" for e in whole.schedule["visits"])
    # V002 (priority 9) costs 9 x weights.unscheduled in every schedule of the pinned week
    offset = 9 * inst["weights"]["unscheduled"]
    assert whole.objective == report.cost == result.objective + offset
    assert left_out_cost(inst, reasons) == offset
    assert whole.bound == result.bound + offset and whole.schedule["bound"] == whole.bound
    assert whole.status == result.status and whole.cost_terms == report.cost_terms


def test_nothing_pinned_out_leaves_the_result_alone():
    inst = small()
    solved, reasons = leave_out(inst, out())
    assert solved is inst and reasons == {}
    sentinel = object()
    assert put_back(inst, sentinel, reasons) is sentinel
