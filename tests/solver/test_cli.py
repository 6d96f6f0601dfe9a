"""The engine's command line, run as a real subprocess."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import INSTANCES_DIR

ROOT = Path(__file__).resolve().parents[2]
SMALL = str(INSTANCES_DIR / "example-small.json")


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "trc_scheduler.solver", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=120)


def test_solve_writes_a_schedule_that_check_accepts(tmp_path):
    out = tmp_path / "schedule.json"
    solved = run("solve", SMALL, "--time-limit", "5", "--workers", "2", "-o", str(out))
    assert solved.returncode == 0, solved.stderr
    assert "objective" in solved.stderr and "Traceback" not in solved.stderr
    schedule = json.loads(out.read_text())
    assert schedule["status"] in ("OPTIMAL", "FEASIBLE")
    checked = run("check", SMALL, str(out))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith(f"OK; recomputed cost {schedule['objective']}")


def test_check_reports_violations_with_exit_1(tmp_path):
    schedule = json.loads((INSTANCES_DIR / "example-small.schedule.json").read_text())
    schedule["visits"][1]["bed"] = "B02"  # V002 needs isolation
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(schedule))
    checked = run("check", SMALL, str(path))
    assert checked.returncode == 1
    assert "H2 bed features: V002 needs isolation, which B02 lacks" in checked.stdout


def test_infeasible_instance_exits_2_with_conflicts():
    solved = run("solve", str(INSTANCES_DIR / "example-infeasible.json"), "--time-limit", "5")
    assert solved.returncode == 2
    assert "INFEASIBLE" in solved.stderr and "conflict:" in solved.stderr


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read instance"),
    ("{not json", "is not valid JSON"),
    ('{"format": "trc-instance/1"}', "refused"),
])
def test_bad_input_gives_one_line_and_exit_1(tmp_path, content, expected):
    path = tmp_path / "instance.json"
    if content is not None:
        path.write_text(content)
    for command in (["solve", str(path)], ["greedy", str(path)], ["check", str(path), str(path)]):
        result = run(*command)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr


def test_generate_then_greedy_then_check(tmp_path):
    instance, schedule = tmp_path / "week.json", tmp_path / "greedy.json"
    assert run("generate", "--seed", "3", "--beds", "6", "--days", "3", "-o", str(instance)).returncode == 0
    assert json.loads(instance.read_text())["format"] == "trc-instance/1"
    assert run("greedy", str(instance), "-o", str(schedule)).returncode == 0
    assert run("check", str(instance), str(schedule)).returncode == 0
