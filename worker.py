"""Run the solve worker: `.venv/bin/python worker.py [extra huey_consumer options]`.

Same as `.venv/bin/huey_consumer trc_scheduler.tasks.huey -w 1 -k process -d 0.1 -m 2`; later
options win (e.g. `python worker.py -w 2`). The queue and database come from the environment
(REDIS_URL or HUEY_SQLITE_PATH, DATABASE_URL, TRC_ENV, SECRET_KEY), as for the web app.
"""
import sys
from pathlib import Path

from huey.bin.huey_consumer import consumer_main

DEFAULTS = ["trc_scheduler.tasks.huey", "-w", "1", "-k", "process", "-d", "0.1", "-m", "2"]

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.argv = [sys.argv[0], *DEFAULTS, *sys.argv[1:]]
    consumer_main()
