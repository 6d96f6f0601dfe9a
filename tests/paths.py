"""Where the team's shared spec lives: `../shared` beside the checkout (as in CI), or TRC_SHARED_DIR."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    for candidate in (os.environ.get("TRC_SHARED_DIR"), REPO.parent / "shared", "/work/shared"):
        if candidate and (Path(candidate) / "spec").is_dir():
            return Path(candidate)
    return REPO.parent / "shared"


SHARED = _shared()
SPEC_DIR = SHARED / "spec"
INSTANCES = SPEC_DIR / "instances"
