"""The independent checker: a valid schedule passes, each broken rule is caught with its tag."""
import pytest

from trc_scheduler.solver.check import check


def _visit(schedule, vid):
    return next(v for v in schedule["visits"] if v["visit"] == vid)


def _nurse(schedule, vid, shift):
    return next(p for p in schedule["primary_nurses"] if p["visit"] == vid and p["shift"] == shift)


def _task(schedule, vid, tid):
    return next(t for t in schedule["tasks"] if t["visit"] == vid and t["task"] == tid)


def test_example_small_schedule_passes_with_cost_recomputed(small_instance, small_schedule):
    report = check(small_instance, small_schedule)
    assert report.violations == []
    assert report.ok
    assert report.cost == small_schedule["objective"] == 138
    assert report.cost_terms == {"unscheduled": 0, "target_hour": 83, "continuity": 55, "preferred_off": 0,
                                 "changed_visit": 0, "changed_shift": 0}


def test_check_accepts_an_object_with_raw(small_instance, small_schedule):
    class Holder:
        raw = small_instance

    assert check(Holder(), small_schedule).ok


# -- one deliberately broken copy per rule --------------------------------------------

def break_h1_window(inst, sch):
    _visit(sch, "V007")["start"] = "2026-11-22T07:00:00-05:00"


def break_h1_admission_hours(inst, sch):
    _visit(sch, "V007")["start"] = "2026-11-25T05:00:00-05:00"


def break_h1_mandatory(inst, sch):
    sch["visits"] = [v for v in sch["visits"] if v["visit"] != "V001"]
    sch["primary_nurses"] = [p for p in sch["primary_nurses"] if p["visit"] != "V001"]
    sch["unscheduled"].append({"visit": "V001", "reason": "dropped"})


def break_h1_fixed_bed(inst, sch):
    _visit(sch, "V001")["bed"] = "B06"


def break_h2_features(inst, sch):
    _visit(sch, "V010")["bed"] = "B05"  # V010 needs telemetry


def break_h2_bed_for_outpatient(inst, sch):
    _visit(sch, "V011")["bed"] = "B06"


def break_h3_bed_conflict(inst, sch):
    _visit(sch, "V009")["bed"] = "B02"  # V010 is in B02 from the same start


def break_h3_turnover(inst, sch):
    _visit(sch, "V006")["start"] = "2026-11-24T05:00:00-05:00"  # V004 leaves B03 at 05:00, turnover 60 min


def break_h4_room_sharing(inst, sch):
    next(p for p in inst["participants"] if p["id"] == "P008")["sex"] = "F"  # V004 (M) shares R03 with V008


def break_h5_precedence(inst, sch):
    inst["precedences"] = [{"before": "V005", "after": "V004", "min_gap_minutes": 2880}]


def break_h5_before_unscheduled(inst, sch):
    inst["precedences"] = [{"before": "V007", "after": "V009", "min_gap_minutes": 0}]
    sch["visits"] = [v for v in sch["visits"] if v["visit"] != "V007"]
    sch["primary_nurses"] = [p for p in sch["primary_nurses"] if p["visit"] != "V007"]
    sch["unscheduled"].append({"visit": "V007", "reason": "dropped"})


def break_h6_rest(inst, sch):
    sch["shifts"].append({"staff": "S001", "shift": "2026-11-24-D"})  # just off the night shift


def break_h6_min_staff(inst, sch):
    sch["shifts"] = [s for s in sch["shifts"] if (s["staff"], s["shift"]) != ("S011", "2026-11-25-D")]


def break_h6_unavailable(inst, sch):
    sch["shifts"].append({"staff": "S004", "shift": "2026-11-24-N"})


def break_h7_skill(inst, sch):
    _nurse(sch, "V010", "2026-11-24-N")["staff"] = "S006"  # S006 works it but lacks telemetry


def break_h7_load(inst, sch):
    _nurse(sch, "V006", "2026-11-24-D")["staff"] = "S003"  # S003 already has V002 at 100 %


def break_h7_missing(inst, sch):
    sch["primary_nurses"] = [p for p in sch["primary_nurses"] if (p["visit"], p["shift"]) != ("V001", "2026-11-23-D")]


def break_h8_unstaffed(inst, sch):
    sch["tasks"] = [t for t in sch["tasks"] if (t["visit"], t["task"]) != ("V003", "dose")]


def break_h8_role(inst, sch):
    _task(sch, "V002", "inoc")["staff"] = ["S014"]  # a pharmacist, not an MD


def break_h8_overlap(inst, sch):
    _task(sch, "V004", "pk0")["staff"] = ["S010"]  # S010 draws V008 pk0 at the same time


def break_h9_admissions(inst, sch):
    inst["policies"]["max_admissions_per_shift"] = 1  # V004 and V008 both start on 23 Nov 19:00


BREAKS = [
    (break_h1_window, "H1"), (break_h1_admission_hours, "H1"), (break_h1_mandatory, "H1"), (break_h1_fixed_bed, "H1"),
    (break_h2_features, "H2"), (break_h2_bed_for_outpatient, "H2"),
    (break_h3_bed_conflict, "H3"), (break_h3_turnover, "H3"), (break_h4_room_sharing, "H4"),
    (break_h5_precedence, "H5"), (break_h5_before_unscheduled, "H5"),
    (break_h6_rest, "H6"), (break_h6_min_staff, "H6"), (break_h6_unavailable, "H6"),
    (break_h7_skill, "H7"), (break_h7_load, "H7"), (break_h7_missing, "H7"),
    (break_h8_unstaffed, "H8"), (break_h8_role, "H8"), (break_h8_overlap, "H8"), (break_h9_admissions, "H9"),
]


@pytest.mark.parametrize("breaker, rule", BREAKS, ids=[b.__name__ for b, _ in BREAKS])
def test_each_broken_rule_is_caught_with_its_tag(small_instance, small_schedule, breaker, rule):
    breaker(small_instance, small_schedule)
    report = check(small_instance, small_schedule)
    assert not report.ok
    assert rule in report.rules, report.summary()
    assert all(v.message.startswith(v.rule) for v in report.violations)


def test_bed_conflict_message_names_visits_bed_and_local_times(small_instance, small_schedule):
    break_h3_bed_conflict(small_instance, small_schedule)
    messages = [v.message for v in check(small_instance, small_schedule).violations if v.rule == "H3"]
    assert messages == ["H3 bed conflict: V009 (B02, 24 Nov 19:00–25 Nov 21:00) overlaps V010 "
                        "(from 24 Nov 19:00) plus 60 min turnover"]


def test_past_tasks_are_exempt_and_unstaffed_future_tasks_are_not(small_instance, small_schedule):
    visit = next(v for v in small_instance["visits"] if v["id"] == "V001")
    visit["tasks"] = [{"id": "old", "offset_minutes": 60, "duration_minutes": 10, "role": "RN", "count": 1}]
    assert check(small_instance, small_schedule).ok
    visit["tasks"][0]["offset_minutes"] = 4 * 1440 + 300  # 24 Nov 07:00: in the horizon, nobody assigned
    assert "H8" in check(small_instance, small_schedule).rules


@pytest.mark.parametrize("mutate", [
    lambda s: s["visits"].pop(),                                   # a visit missing everywhere
    lambda s: s["unscheduled"].append({"visit": "V003", "reason": "x"}),  # listed twice
    lambda s: s["unscheduled"].append({"visit": "V999", "reason": "x"}),  # unknown visit
    lambda s: s.update(format="trc-schedule/2"),
    lambda s: s["shifts"].append({"staff": "S999", "shift": "2026-11-23-D"}),
])
def test_structural_problems_are_format_violations(small_instance, small_schedule, mutate):
    mutate(small_schedule)
    assert "FORMAT" in check(small_instance, small_schedule).rules


def test_infeasible_answer_must_have_empty_lists(small_instance):
    answer = {"format": "trc-schedule/1", "instance": "example-small", "status": "INFEASIBLE", "objective": None,
              "bound": None, "visits": [], "shifts": [], "primary_nurses": [], "tasks": [], "conflicts": ["why"],
              "unscheduled": [{"visit": v["id"], "reason": "infeasible"} for v in small_instance["visits"]]}
    assert check(small_instance, answer).ok
    answer["shifts"] = [{"staff": "S001", "shift": "2026-11-23-D"}]
    answer["unscheduled"][0]["reason"] = ""
    assert check(small_instance, answer).rules == {"FORMAT"}


def test_wrong_objective_is_a_cost_violation(small_instance, small_schedule):
    small_schedule["objective"] = 137
    report = check(small_instance, small_schedule)
    assert report.rules == {"COST"}
    assert "138" in report.violations[0].message


def test_cost_terms_recomputed_on_a_hand_made_case(small_instance, small_schedule):
    # leave V007 (optional, priority 2) out, and compare with a previous schedule
    small_schedule["visits"] = [v for v in small_schedule["visits"] if v["visit"] != "V007"]
    small_schedule["primary_nurses"] = [p for p in small_schedule["primary_nurses"] if p["visit"] != "V007"]
    small_schedule["unscheduled"] = [{"visit": "V007", "reason": "room for others"}]
    small_schedule["shifts"].append({"staff": "S004", "shift": "2026-11-23-D"})  # S004 prefers that shift off
    small_instance["previous"] = {
        "visits": [{"visit": "V003", "start": "2026-11-23T07:00:00-05:00", "bed": "B02"},   # unchanged
                   {"visit": "V004", "start": "2026-11-23T20:00:00-05:00", "bed": "B03"},   # start moved
                   {"visit": "V005", "start": "2026-11-23T08:00:00-05:00", "bed": "B04"},   # bed moved
                   {"visit": "V007", "start": "2026-11-25T07:00:00-05:00", "bed": "B06"},   # now unscheduled
                   {"visit": "V011", "start": "2026-11-23T09:00:00-05:00", "bed": None}],   # unchanged, no bed
        "shifts": [{"staff": s["staff"], "shift": s["shift"]} for s in small_schedule["shifts"][:-1]
                   if (s["staff"], s["shift"]) != ("S005", "2026-11-25-N")] + [{"staff": "S013", "shift": "2026-11-23-D"}],
    }
    report = check(small_instance, small_schedule)
    # V007 started 19 h after its target with 2 nurses (S007, S002): those terms drop by 19 and 5
    assert report.cost_terms == {"unscheduled": 2 * 1000, "target_hour": 64, "continuity": 50,
                                 "preferred_off": 20, "changed_visit": 3 * 200, "changed_shift": 3 * 30}
    assert report.cost == 2000 + 64 + 50 + 20 + 600 + 90
    assert report.rules == {"COST"}  # the file's objective is stale; the rules still hold
