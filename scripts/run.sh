#!/usr/bin/env bash
# The one run command: install, migrate, seed the demo unit, start the solve worker and serve on :5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap-venv.sh requirements.txt
export FLASK_APP=wsgi.py TRC_ENV="${TRC_ENV:-development}"
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
.venv/bin/huey_consumer trc_scheduler.tasks.huey -w 1 -k process -m 2 &
worker=$!
trap 'kill $worker 2>/dev/null' EXIT INT TERM
echo "TRC Scheduler on http://127.0.0.1:${PORT:-5000}  (worker pid $worker)"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
