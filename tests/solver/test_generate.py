"""Generated instances: schema-valid, deterministic, realistic and feasible in principle."""
import json
from datetime import datetime

import jsonschema
import pytest

from trc_scheduler.solver import load_problem
from trc_scheduler.solver.generate import generate
from trc_scheduler.solver.greedy import greedy

from .conftest import SPEC_DIR

SCHEMA = json.loads((SPEC_DIR / "instance.schema.json").read_text())


@pytest.mark.parametrize("seed, beds, days, load", [
    (0, 18, 7, 1.0), (1, 18, 7, 0.7), (2, 18, 7, 1.3), (3, 4, 2, 1.0), (4, 2, 1, 1.0), (5, 36, 14, 1.0),
])
def test_generated_instances_are_schema_valid_and_accepted(seed, beds, days, load):
    instance = generate(seed, beds=beds, days=days, load=load)
    jsonschema.validate(instance, SCHEMA)
    problem = load_problem(instance)
    assert len(problem.raw["beds"]) == beds
    assert len(instance["shifts"]) == 2 * days


def test_same_seed_same_instance_and_other_seed_differs():
    assert generate(7) == generate(7)
    assert generate(7) != generate(8)


def test_week_starts_monday_07_local_with_day_and_night_shifts():
    instance = generate(1, start_date="2026-03-04")  # a Wednesday: the next Monday is the DST change week
    start = datetime.fromisoformat(instance["horizon"]["start"])
    assert (start.weekday(), start.hour) == (0, 7)
    assert instance["horizon"]["start"] == "2026-03-09T07:00:00-04:00"
    day, night = instance["shifts"][:2]
    assert day["start"].endswith("07:00:00-04:00") and night["start"].endswith("19:00:00-04:00")
    assert day["min_staff"]["MD"] == 1 and day["min_skill"] == {"charge": 1}


def test_week_has_the_phase_1_study_mix():
    instance = generate(3)
    studies = {v["study"] for v in instance["visits"]}
    assert {"FIH-SAD", "MAD", "PED-PK", "INFUSION", "CROSSOVER"} <= studies
    assert any("fixed" in v for v in instance["visits"])                      # in-progress stays
    assert any(v["needs_bed"] is False for v in instance["visits"])           # outpatient screenings
    assert any(p["before_anchor"] == "dose" for p in instance["precedences"])  # sentinel stagger
    roles = {r for s in instance["staff"] for r in s["roles"]}
    assert roles == {"RN", "MD", "pharmacist", "phlebotomist"}


def test_load_scales_the_bed_time_asked_for():
    def bed_minutes(instance):
        return sum(v["duration_minutes"] for v in instance["visits"] if v["needs_bed"])

    assert bed_minutes(generate(2, load=0.7)) < bed_minutes(generate(2, load=1.0)) < bed_minutes(generate(2, load=1.3))


@pytest.mark.parametrize("seed", range(4))
def test_mandatory_visits_are_placeable(seed):
    schedule = greedy(generate(seed, load=1.3))
    assert schedule["status"] == "FEASIBLE"
