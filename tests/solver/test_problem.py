"""Loading and validating instances: good ones load, bad ones are refused naming the field."""
import copy
import json

import pytest

from trc_scheduler.solver import ProblemError, load_problem, load_problem_file

from .conftest import INSTANCES_DIR, load_example, tiny_instance, tiny_visit


@pytest.mark.parametrize("name", ["example-small", "example-week", "example-overbooked",
                                  "example-dst-week", "example-infeasible"])
def test_every_example_instance_loads(name):
    problem = load_problem(load_example(name))
    assert problem.id == name
    assert problem.horizon_start < problem.horizon_end
    assert problem.shifts == tuple(sorted(problem.shifts, key=lambda s: s.start_min))


def test_times_are_kept_as_minutes_from_the_horizon_start():
    problem = load_problem(load_example("example-small"))
    assert problem.shifts[0].start_min == 0
    assert problem.shifts[0].end_min == 720
    assert problem.visits["V001"].earliest_min < 0  # a stay already in progress


def test_dst_night_shift_lasts_eleven_hours():
    problem = load_problem(load_example("example-dst-week"))
    lengths = {s.id: s.minutes for s in problem.shifts}
    assert lengths["2026-03-07-N"] == 660
    assert sorted(set(lengths.values())) == [660, 720]


def _error(data) -> ProblemError:
    with pytest.raises(ProblemError) as info:
        load_problem(data)
    return info.value


def test_unknown_fixed_bed_names_the_field():
    data = tiny_instance([tiny_visit("V1", fixed={"bed": "B99"})])
    err = _error(data)
    assert str(err) == "visits[0].fixed.bed: no bed 'B99'"
    assert err.field == "visits[0].fixed.bed" and err.message == "no bed 'B99'"


def test_unknown_participant_is_refused():
    err = _error(tiny_instance([tiny_visit("V1", participant="P42")]))
    assert str(err) == "visits[0].participant: no participant 'P42'"


def test_inverted_window_is_refused():
    err = _error(tiny_instance([tiny_visit("V1", earliest="12:00", latest="09:00")]))
    assert err.field == "visits[0].latest_start"
    assert "inverted" in err.message


def test_segment_ending_before_it_starts_is_refused():
    visit = tiny_visit("V1", nursing=[{"from_minutes": 60, "to_minutes": 60, "load_percent": 25}])
    err = _error(tiny_instance([visit]))
    assert err.field == "visits[0].nursing[0].to_minutes"
    assert "greater than from_minutes" in err.message


def test_overlapping_shifts_are_refused():
    data = tiny_instance()
    data["shifts"][1]["start"] = "2026-11-23T18:00:00-05:00"
    err = _error(data)
    assert err.field == "shifts[1]" and "overlaps shift 'D'" in err.message


def test_schema_type_error_reads_like_the_spec():
    err = _error(tiny_instance([tiny_visit("V1", duration=0)]))
    assert str(err) == "visits[0].duration_minutes: must be an integer >= 1, got 0"


def test_schema_errors_are_all_collected():
    data = tiny_instance([tiny_visit("V1", duration="long", priority=-1)])
    data["unit"]["colour"] = "blue"
    err = _error(data)
    fields = [f for f, _m in err.errors]
    assert "visits[0].duration_minutes" in fields and "visits[0].priority" in fields
    assert ("unit.colour", "is not a known field") in err.errors


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("beds"), "beds"),
    (lambda d: d.update(format="trc-instance/2"), "format"),
    (lambda d: d["policies"].update(room_sharing="never"), "policies.room_sharing"),
    (lambda d: d["horizon"].update(start="next monday"), "horizon.start"),
    (lambda d: d["unit"].update(admission_hours=["07:00"]), "unit.admission_hours"),
])
def test_schema_errors_name_the_field(mutate, field):
    data = tiny_instance()
    mutate(data)
    assert _error(data).field == field


def test_duplicate_ids_and_bad_anchor_are_refused():
    data = tiny_instance([tiny_visit("V1"), tiny_visit("V1")])
    assert "used twice" in _error(data).message
    data = tiny_instance([tiny_visit("V1"), tiny_visit("V2")],
                         precedences=[{"before": "V1", "after": "V2", "before_anchor": "dose",
                                       "min_gap_minutes": 0}])
    assert _error(data).field == "precedences[0].before_anchor"


def test_bedless_visit_with_fixed_bed_and_bad_admission_hours_are_refused():
    data = tiny_instance([tiny_visit("V1", needs_bed=False, fixed={"bed": "B1"})])
    assert _error(data).field == "visits[0].fixed.bed"
    data = tiny_instance()
    data["unit"]["admission_hours"] = ["20:00", "07:00"]
    assert _error(data).field == "unit.admission_hours"


def test_unreadable_and_non_json_files_are_refused(tmp_path):
    with pytest.raises(ProblemError, match="cannot read"):
        load_problem_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProblemError, match="is not JSON"):
        load_problem_file(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(tiny_instance()))
    assert load_problem_file(good).id == "tiny"
    assert load_problem_file(INSTANCES_DIR / "example-small.json").id == "example-small"


def test_raw_is_the_original_dict():
    data = tiny_instance()
    original = copy.deepcopy(data)
    problem = load_problem(data)
    assert problem.raw == original
