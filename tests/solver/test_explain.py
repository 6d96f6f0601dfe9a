"""Reasons for unscheduled visits, in words a unit manager understands."""
import copy
import time

from trc_scheduler.solver.explain import explain_unscheduled
from trc_scheduler.solver.greedy import greedy

from .conftest import load_example


def _drop(schedule, vid, reason="?"):
    schedule["visits"] = [v for v in schedule["visits"] if v["visit"] != vid]
    schedule["primary_nurses"] = [p for p in schedule["primary_nurses"] if p["visit"] != vid]
    schedule["tasks"] = [t for t in schedule["tasks"] if t["visit"] != vid]
    schedule["unscheduled"].append({"visit": vid, "reason": reason})


def _add_visit(instance, like, new_id, **changes):
    visit = copy.deepcopy(next(v for v in instance["visits"] if v["id"] == like))
    visit.update(id=new_id, **changes)
    instance["visits"].append(visit)
    return visit


def test_only_unscheduled_visits_get_a_reason(small_instance, small_schedule):
    assert explain_unscheduled(small_instance, small_schedule) == {}


def test_optional_visit_that_fits_is_said_to_fit(small_instance, small_schedule):
    _drop(small_schedule, "V007")
    reason = explain_unscheduled(small_instance, small_schedule)["V007"]
    assert reason.startswith("optional; it would fit at")


def test_optional_visit_cheaper_to_leave_out_says_so(small_instance, small_schedule):
    next(v for v in small_instance["visits"] if v["id"] == "V007")["priority"] = 0
    _drop(small_schedule, "V007")
    reason = explain_unscheduled(small_instance, small_schedule)["V007"]
    assert "would cost more than leaving it out (priority 0 × weight 1000 = 0" in reason


def test_no_bed_with_the_features(small_instance, small_schedule):
    _add_visit(small_instance, "V002", "V900", bed_features=["bariatric", "isolation"])
    small_schedule["unscheduled"].append({"visit": "V900", "reason": "?"})
    assert explain_unscheduled(small_instance, small_schedule)["V900"] == "no bed has bariatric+isolation"


def test_all_feature_beds_occupied(small_instance, small_schedule):
    small_instance["policies"]["max_admissions_per_shift"] = 6
    _add_visit(small_instance, "V002", "V900", earliest_start="2026-11-24T07:00:00-05:00",
               latest_start="2026-11-24T12:00:00-05:00")
    small_instance["participants"].append({"id": "P900", "sex": "M", "age_group": "adult"})
    small_schedule["unscheduled"].append({"visit": "V900", "reason": "?"})
    reason = explain_unscheduled(small_instance, small_schedule)["V900"]
    assert reason.startswith("no isolation bed free 24–28 Nov: all 1 hold CHALLENGE stays")


def test_no_allowed_start_in_admission_hours(small_instance, small_schedule):
    _add_visit(small_instance, "V011", "V900", earliest_start="2026-11-23T21:00:00-05:00",
               latest_start="2026-11-23T23:00:00-05:00")
    small_schedule["unscheduled"].append({"visit": "V900", "reason": "?"})
    reason = explain_unscheduled(small_instance, small_schedule)["V900"]
    assert reason.startswith("no allowed start: its window 23 Nov 21:00–23 Nov 23:00")
    assert "07:00–20:00" in reason


def test_precedence_on_an_unscheduled_visit(small_instance, small_schedule):
    small_instance["precedences"] = [{"before": "V007", "after": "V009", "min_gap_minutes": 0,
                                      "why": "washout"}]
    _drop(small_schedule, "V007")
    _drop(small_schedule, "V009")
    assert explain_unscheduled(small_instance, small_schedule)["V009"] == \
        "it must follow V007 (washout), which is unscheduled"


def test_admission_cap_is_named(small_instance, small_schedule):
    small_instance["policies"]["max_admissions_per_shift"] = 1
    _add_visit(small_instance, "V007", "V900", earliest_start="2026-11-23T19:00:00-05:00",
               latest_start="2026-11-23T19:00:00-05:00")
    small_schedule["unscheduled"].append({"visit": "V900", "reason": "?"})
    assert "admission cap (1 bed admissions per shift)" in explain_unscheduled(small_instance, small_schedule)["V900"]


def test_explanations_of_a_busy_week_are_fast():
    instance = load_example("example-overbooked")
    schedule = greedy(instance)
    began = time.perf_counter()
    reasons = explain_unscheduled(instance, schedule)
    assert time.perf_counter() - began < 1.0
    assert set(reasons) == {u["visit"] for u in schedule["unscheduled"]}
    assert all(reasons.values())


def test_past_the_deadline_reasons_skip_the_nearest_start_outside_the_window():
    instance = load_example("example-overbooked")
    schedule = greedy(instance)
    full = explain_unscheduled(instance, schedule)
    hurried = explain_unscheduled(instance, schedule, deadline=time.perf_counter() - 1)
    assert set(hurried) == set(full) and all(hurried.values())
    assert any("the nearest start that would work" in r for r in full.values())
    assert not any("the nearest start that would work" in r for r in hurried.values())
    assert all(full[vid].startswith(reason) for vid, reason in hurried.items())
