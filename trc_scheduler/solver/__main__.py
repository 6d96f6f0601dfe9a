"""Run the engine's command line: ``python -m trc_scheduler.solver --help``."""
import sys

from .cli import main

sys.exit(main())
