"""diff_schedules: pure comparison of two published schedules of a week."""
import copy
import json

import pytest

from trc_scheduler.services.diff import describe_diff, diff_for_shift, diff_schedules, is_empty
from .paths import INSTANCES

SPEC = INSTANCES


@pytest.fixture
def small():
    instance = json.loads((SPEC / "example-small.json").read_text())
    schedule = json.loads((SPEC / "example-small.schedule.json").read_text())
    return instance, schedule


def _visit(schedule, vid):
    return next(v for v in schedule["visits"] if v["visit"] == vid)


def test_identical_schedules_have_no_changes(small):
    instance, schedule = small
    diff = diff_schedules(instance, schedule, copy.deepcopy(instance), copy.deepcopy(schedule))
    assert is_empty(diff)
    assert set(diff) == {"stays_moved", "stays_added", "stays_removed", "shifts_added", "shifts_removed",
                         "primary_changed"}


def test_same_instant_with_another_offset_is_not_a_move(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    _visit(new, "V003")["start"] = "2026-11-23T12:00:00+00:00"  # = 07:00-05:00
    assert is_empty(diff_schedules(instance, schedule, instance, new))


def test_moved_stay_reports_from_and_to_with_participant(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    _visit(new, "V007").update(start="2026-11-25T09:00:00-05:00", bed="B05")
    diff = diff_schedules(instance, schedule, instance, new)
    assert diff["stays_moved"] == [{
        "visit": "V007", "participant": "P007",
        "from": {"start": "2026-11-25T07:00:00-05:00", "bed": "B06"},
        "to": {"start": "2026-11-25T09:00:00-05:00", "bed": "B05"},
    }]
    assert not diff["stays_added"] and not diff["stays_removed"]


def test_unscheduled_visit_is_removed_and_newly_placed_visit_is_added(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    new["visits"] = [v for v in new["visits"] if v["visit"] != "V009"]
    new["unscheduled"] = [{"visit": "V009", "reason": "no bed"}]
    diff = diff_schedules(instance, schedule, instance, new)
    assert diff["stays_removed"] == [{"visit": "V009", "participant": "P009",
                                      "start": "2026-11-24T19:00:00-05:00", "bed": "B03"}]
    back = diff_schedules(instance, new, instance, schedule)
    assert back["stays_added"] == diff["stays_removed"] and not back["stays_removed"]


def test_staff_shifts_added_and_removed_in_shift_order(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    new["shifts"] = [s for s in new["shifts"] if (s["staff"], s["shift"]) != ("S001", "2026-11-25-N")]
    new["shifts"] += [{"staff": "S005", "shift": "2026-11-24-D"}, {"staff": "S002", "shift": "2026-11-23-N"}]
    diff = diff_schedules(instance, schedule, instance, new)
    assert diff["shifts_added"] == [{"staff": "S002", "shift": "2026-11-23-N"},
                                    {"staff": "S005", "shift": "2026-11-24-D"}]
    assert diff["shifts_removed"] == [{"staff": "S001", "shift": "2026-11-25-N"}]


def test_primary_nurse_change_lists_from_and_to(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    for p in new["primary_nurses"]:
        if (p["visit"], p["shift"]) == ("V002", "2026-11-24-N"):
            p["staff"] = "S010"
    new["primary_nurses"] = [p for p in new["primary_nurses"] if (p["visit"], p["shift"]) != ("V011", "2026-11-23-D")]
    diff = diff_schedules(instance, schedule, instance, new)
    assert diff["primary_changed"] == [
        {"visit": "V002", "shift": "2026-11-24-N", "from": "S006", "to": "S010"},
        {"visit": "V011", "shift": "2026-11-23-D", "from": "S006", "to": None},
    ]


def test_diff_is_json_serialisable(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    _visit(new, "V007")["bed"] = "B05"
    assert json.loads(json.dumps(diff_schedules(instance, schedule, instance, new)))["stays_moved"]


def test_diff_for_shift_keeps_only_changes_touching_that_shift(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    _visit(new, "V007")["bed"] = "B05"  # 25-D and 25-N
    _visit(new, "V006")["bed"] = "B04"  # 24-D only
    new["shifts"].append({"staff": "S005", "shift": "2026-11-24-D"})
    diff = diff_schedules(instance, schedule, instance, new)
    day24 = diff_for_shift(diff, instance, "2026-11-24-D")
    assert [m["visit"] for m in day24["stays_moved"]] == ["V006"]
    assert day24["shifts_added"] == [{"staff": "S005", "shift": "2026-11-24-D"}]
    night25 = diff_for_shift(diff, instance, "2026-11-25-N")
    assert [m["visit"] for m in night25["stays_moved"]] == ["V007"] and not night25["shifts_added"]
    assert is_empty(diff_for_shift(diff, instance, "no-such-shift"))


def test_describe_diff_speaks_local_time_and_hides_participants_on_request(small):
    instance, schedule = small
    new = copy.deepcopy(schedule)
    _visit(new, "V007").update(start="2026-11-25T09:00:00-05:00", bed="B05")
    new["shifts"].append({"staff": "S005", "shift": "2026-11-24-D"})
    diff = diff_schedules(instance, schedule, instance, new)
    assert describe_diff(diff, instance, instance) == [
        "P007 moved from B06 Wed 07:00 to B05 Wed 09:00", "Nurse 5 added to shift 2026-11-24-D"]
    hidden = describe_diff(diff, instance, instance, visible=lambda participant: False)
    assert hidden[0] == "a participant moved from B06 Wed 07:00 to B05 Wed 09:00"
