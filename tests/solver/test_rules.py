"""One satisfied and one broken case per hard rule H1..H9, on tiny hand-built instances."""
from datetime import datetime

from trc_scheduler.solver import check, load_problem, solve
from trc_scheduler.solver.rules import RULES

from .conftest import at, tiny_instance, tiny_visit


def run(data):
    """Solve a tiny instance (1 worker, fixed seed); a returned schedule must pass the checker."""
    result = solve(load_problem(data), time_limit_s=10, num_workers=1, seed=0)
    report = check(data, result.schedule)
    assert report.ok, report.summary()
    if result.status in ("OPTIMAL", "FEASIBLE"):
        assert report.cost == result.objective
    return result


def placed(result) -> dict:
    return {v["visit"]: v for v in result.schedule["visits"]}


def hour(text: str) -> int:
    return datetime.fromisoformat(text).hour


def test_registry_lists_one_function_per_rule_in_order():
    assert [r.__name__.split("_")[1] for r in RULES] == [f"h{i}" for i in range(1, 10)]
    assert all(r.__doc__ for r in RULES)


def test_h1_start_stays_in_window_on_grid_even_when_target_is_later():
    result = run(tiny_instance([tiny_visit("V1", earliest="09:00", latest="11:00",
                                           target_start=at("15:00"))]))
    assert result.status == "OPTIMAL"
    assert placed(result)["V1"]["start"] == at("11:00")
    assert result.cost_terms == {"target_hour": 4}


def test_h1_mandatory_visit_outside_admission_hours_is_infeasible():
    result = run(tiny_instance([tiny_visit("V1", earliest="21:00", latest="23:00")]))
    assert result.status == "INFEASIBLE"
    assert any("V1" in c and "admission hours" in c for c in result.conflicts)
    assert result.schedule["visits"] == [] and result.objective is None


def test_h1_optional_visit_outside_admission_hours_is_left_out_with_a_reason():
    result = run(tiny_instance([tiny_visit("V1", earliest="21:00", latest="23:00", mandatory=False,
                                           priority=3)]))
    assert result.status == "OPTIMAL" and result.objective == 3000
    assert result.schedule["unscheduled"][0]["visit"] == "V1"
    assert result.schedule["unscheduled"][0]["reason"]


def test_h2_visit_gets_a_bed_with_its_features_and_bedless_visit_none():
    result = run(tiny_instance([tiny_visit("V1", bed_features=["telemetry"]),
                                tiny_visit("V2", participant="P2", needs_bed=False)]))
    assert placed(result)["V1"]["bed"] == "B3"
    assert placed(result)["V2"]["bed"] is None


def test_h2_no_bed_with_the_feature_makes_a_mandatory_visit_infeasible():
    result = run(tiny_instance([tiny_visit("V1", bed_features=["bariatric"])]))
    assert result.status == "INFEASIBLE"
    assert any("V1" in c and "bariatric" in c for c in result.conflicts)


def test_h3_second_stay_waits_for_the_turnover():
    visits = [tiny_visit("V1", earliest="08:00", latest="08:00", bed_features=["telemetry"]),
              tiny_visit("V2", participant="P2", earliest="08:00", latest="14:00",
                         bed_features=["telemetry"], target_start=at("08:00"))]
    result = run(tiny_instance(visits))
    assert hour(placed(result)["V2"]["start"]) == 11  # 08:00 + 2 h stay + 1 h turnover


def test_h3_two_mandatory_stays_for_one_bed_at_one_time_are_infeasible():
    visits = [tiny_visit("V1", bed_features=["telemetry"]),
              tiny_visit("V2", participant="P2", bed_features=["telemetry"])]
    result = run(tiny_instance(visits))
    assert result.status == "INFEASIBLE"
    text = " ".join(result.conflicts)
    assert "V1" in text and "V2" in text and "B3" in text


def test_h4_women_and_men_do_not_share_a_room_at_the_same_time():
    visits = [tiny_visit("V1", bed_features=["quiet"]),
              tiny_visit("V2", participant="P2", bed_features=["quiet"], earliest="09:00",
                         latest="14:00"),
              tiny_visit("V3", participant="P3", bed_features=["quiet"])]
    result = run(tiny_instance(visits))
    assert placed(result)["V1"]["start"] == placed(result)["V3"]["start"]  # two women share R1
    assert hour(placed(result)["V2"]["start"]) >= 11  # the man waits until they have left


def test_h4_sharing_policy_any_lets_them_overlap():
    visits = [tiny_visit("V1", bed_features=["quiet"]),
              tiny_visit("V2", participant="P2", bed_features=["quiet"], earliest="09:00",
                         latest="14:00", target_start=at("09:00"))]
    data = tiny_instance(visits)
    data["policies"]["room_sharing"] = "any"
    assert placed(run(data))["V2"]["start"] == at("09:00")


def test_h5_follower_respects_the_gap():
    visits = [tiny_visit("V1", earliest="08:00", latest="12:00", target_start=at("12:00")),
              tiny_visit("V2", participant="P2", earliest="08:00", latest="16:00",
                         target_start=at("08:00"))]
    data = tiny_instance(visits, precedences=[{"before": "V1", "after": "V2",
                                               "min_gap_minutes": 180}])
    result = run(data)
    got = placed(result)
    assert hour(got["V2"]["start"]) - hour(got["V1"]["start"]) >= 3


def test_h5_follower_of_a_left_out_visit_is_left_out():
    visits = [tiny_visit("V1", earliest="21:00", latest="21:00", mandatory=False),
              tiny_visit("V2", participant="P2", mandatory=False)]
    data = tiny_instance(visits, precedences=[{"before": "V1", "after": "V2", "min_gap_minutes": 0}])
    result = run(data)
    assert result.schedule["visits"] == []


def test_h6_roster_meets_minimum_staff_leave_and_rest():
    data = tiny_instance([tiny_visit("V1", duration=1200)])
    data["shifts"][0]["min_staff"] = {"RN": 2}
    data["staff"][2]["unavailable"] = [{"start": at("06:00"), "end": at("08:00")}]
    result = run(data)
    working = {(s["staff"], s["shift"]) for s in result.schedule["shifts"]}
    assert {("S1", "D"), ("S2", "D")} <= working and ("S3", "D") not in working
    assert not any(("S1", "D") in working and ("S1", "N") in working for _ in [0])


def test_h6_too_few_staff_for_the_minimum_is_infeasible():
    data = tiny_instance()
    data["shifts"][0]["min_staff"] = {"RN": 4}
    result = run(data)
    assert result.status == "INFEASIBLE"
    assert any("shift D needs 4 RN" in c for c in result.conflicts)


def test_h7_each_shift_has_a_skilled_primary_nurse_within_capacity():
    visits = [tiny_visit("V1", duration=600, earliest="13:00", latest="13:00",
                         nursing=[{"from_minutes": 0, "to_minutes": 300, "load_percent": 100,
                                   "skills": ["telemetry"]},
                                  {"from_minutes": 300, "to_minutes": 600, "load_percent": 25}]),
              tiny_visit("V2", participant="P2", nursing=[{"from_minutes": 0, "to_minutes": 120,
                                                          "load_percent": 100}])]
    result = run(tiny_instance(visits))
    nurses = {(r["visit"], r["shift"]): r["staff"] for r in result.schedule["primary_nurses"]}
    assert nurses[("V1", "D")] == "S1"  # the only nurse with telemetry
    assert nurses[("V1", "N")] != "S1"  # S1 must rest after a day shift
    assert nurses[("V2", "D")] != "S1"  # S1 is full at 100 %


def test_h7_no_nurse_with_the_skill_is_infeasible():
    visit = tiny_visit("V1", nursing=[{"from_minutes": 0, "to_minutes": 120, "load_percent": 50,
                                       "skills": ["chemo"]}])
    result = run(tiny_instance([visit]))
    assert result.status == "INFEASIBLE"
    assert any("chemo" in c for c in result.conflicts)


def test_h8_task_gets_staff_with_the_role_on_shift():
    task = {"id": "dose", "offset_minutes": 30, "duration_minutes": 15, "role": "MD", "count": 1}
    result = run(tiny_instance([tiny_visit("V1", tasks=[task])]))
    assert result.schedule["tasks"] == [{"visit": "V1", "task": "dose", "staff": ["M1"]}]
    assert {"staff": "M1", "shift": "D"} in result.schedule["shifts"]


def test_h8_task_needing_more_staff_than_exist_is_infeasible():
    task = {"id": "dose", "offset_minutes": 30, "duration_minutes": 15, "role": "MD", "count": 2}
    result = run(tiny_instance([tiny_visit("V1", tasks=[task])]))
    assert result.status == "INFEASIBLE"
    assert any("'dose'" in c and "MD" in c for c in result.conflicts)


def test_h8_overlapping_tasks_need_different_people():
    tasks = [{"id": "a", "offset_minutes": 30, "duration_minutes": 30, "role": "RN", "count": 1},
             {"id": "b", "offset_minutes": 40, "duration_minutes": 30, "role": "RN", "count": 1}]
    result = run(tiny_instance([tiny_visit("V1", tasks=tasks)]))
    staff = [t["staff"][0] for t in result.schedule["tasks"]]
    assert len(set(staff)) == 2


def test_h9_admissions_per_shift_are_capped():
    visits = [tiny_visit(f"V{i}", participant="P1", mandatory=False, priority=1,
                         earliest="08:00", latest="08:00", needs_bed=True) for i in (1, 2, 3)]
    data = tiny_instance(visits)
    data["policies"]["max_admissions_per_shift"] = 2
    data["policies"]["room_sharing"] = "any"
    result = run(data)
    assert len(result.schedule["visits"]) == 2
    assert result.cost_terms == {"unscheduled": 1000}
