"""Shared fixtures of the solver tests (no app, no database)."""
import json
from pathlib import Path

import pytest

SPEC_DIR = Path("/work/shared/spec")
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
