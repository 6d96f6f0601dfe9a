"""Shared fixtures of the solver tests (no app, no database)."""
import json

import pytest

from tests.paths import SPEC_DIR
INSTANCES_DIR = SPEC_DIR / "instances"


def load_example(name: str) -> dict:
    """Return a fresh copy of a spec example instance (or schedule) by file stem."""
    return json.loads((INSTANCES_DIR / f"{name}.json").read_text())


@pytest.fixture
def small_instance() -> dict:
    """The spec's example-small instance (a fresh copy per test)."""
    return load_example("example-small")


@pytest.fixture
def small_schedule() -> dict:
    """The spec's valid schedule for example-small (a fresh copy per test)."""
    return load_example("example-small.schedule")


# --- tiny hand-built instances for the CP-SAT rule tests (test_rules.py, test_solve.py) ---

DAY = "2026-11-23"


def at(hhmm: str, day: str = DAY) -> str:
    """Return a local datetime string of the tiny instance's unit (EST, -05:00)."""
    return f"{day}T{hhmm}:00-05:00"


def tiny_visit(vid: str, participant: str = "P1", earliest: str = "09:00", latest: str = "09:00",
               duration: int = 120, **extra) -> dict:
    """Return a visit of the tiny instance (mandatory, 60-minute grid, 25 % load) with overrides."""
    visit = {"id": vid, "participant": participant, "duration_minutes": duration,
             "earliest_start": at(earliest), "latest_start": at(latest), "start_step_minutes": 60,
             "mandatory": True, "priority": 1,
             "nursing": [{"from_minutes": 0, "to_minutes": duration, "load_percent": 25}]}
    visit.update(extra)
    return visit


def tiny_instance(visits: list[dict] | None = None, **overrides) -> dict:
    """Return a small valid instance: one day (day and night shift), 3 beds in 2 rooms, 3 RNs, 1 MD."""
    staff = [{"id": f"S{i}", "roles": ["RN"], "skills": ["charge"] + (["telemetry"] if i == 1 else []),
              "max_shifts": 2, "max_minutes": 1440, "min_rest_minutes": 660} for i in (1, 2, 3)]
    staff.append({"id": "M1", "roles": ["MD"], "skills": [], "max_shifts": 2, "max_minutes": 1440,
                  "min_rest_minutes": 0})
    data = {
        "format": "trc-instance/1", "id": "tiny",
        "unit": {"name": "Tiny unit", "timezone": "America/New_York", "turnover_minutes": 60,
                 "admission_hours": ["07:00", "20:00"]},
        "horizon": {"start": at("07:00"), "end": at("07:00", "2026-11-24")},
        "policies": {"room_sharing": "same_sex_same_age_group", "default_load_percent": 25,
                     "max_admissions_per_shift": 4},
        "weights": {"unscheduled": 1000, "target_hour": 1, "continuity": 5, "preferred_off": 20,
                    "changed_visit": 200, "changed_shift": 30},
        "rooms": [{"id": "R1"}, {"id": "R2"}],
        "beds": [{"id": "B1", "room": "R1", "features": ["quiet"]},
                 {"id": "B2", "room": "R1", "features": ["quiet"]},
                 {"id": "B3", "room": "R2", "features": ["telemetry"]}],
        "shifts": [{"id": "D", "start": at("07:00"), "end": at("19:00"), "min_staff": {"RN": 1}},
                   {"id": "N", "start": at("19:00"), "end": at("07:00", "2026-11-24"),
                    "min_staff": {"RN": 1}}],
        "staff": staff,
        "participants": [{"id": "P1", "sex": "F", "age_group": "adult"},
                         {"id": "P2", "sex": "M", "age_group": "adult"},
                         {"id": "P3", "sex": "F", "age_group": "adult"}],
        "visits": visits if visits is not None else [tiny_visit("V1")],
        "precedences": [],
    }
    data.update(overrides)
    return data
