"""The solver package stays pure: standard library and ortools only."""
import ast
from pathlib import Path

import pytest

SOLVER = Path(__file__).resolve().parents[2] / "trc_scheduler" / "solver"
FORBIDDEN = ("flask", "sqlalchemy", "wtforms", "jsonschema")


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("path", sorted(SOLVER.glob("*.py")), ids=lambda p: p.name)
def test_solver_module_imports_no_web_or_database_code(path):
    for name in _imports(path):
        top = name.split(".")[0].lower()
        assert top not in FORBIDDEN and not top.startswith("flask_"), f"{path.name} imports {name}"
        if top == "trc_scheduler":
            assert name.startswith("trc_scheduler.solver"), f"{path.name} imports {name}"


def test_the_package_has_modules_to_check():
    assert len(list(SOLVER.glob("*.py"))) > 5
