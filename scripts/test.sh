#!/usr/bin/env bash
# The one test command: install everything, run the whole suite on SQLite, then the
# database-facing suite again on a real PostgreSQL server.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap-venv.sh requirements-dev.txt || exit 1
pg_url=$(bash scripts/ensure-services.sh | tail -n1)
export PYTHONDONTWRITEBYTECODE=1

echo "== tests on SQLite =="
.venv/bin/python -m pytest -p no:cacheprovider "$@"
sqlite_rc=$?
[ "$sqlite_rc" = 5 ] && sqlite_rc=0

pg_rc=0
if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL ($pg_url) =="
  TEST_DATABASE_URL="$pg_url" .venv/bin/python -m pytest -p no:cacheprovider -m "not browser and not slow" \
    --ignore=tests/solver "$@"
  pg_rc=$?
  [ "$pg_rc" = 5 ] && pg_rc=0
else
  echo "PostgreSQL unavailable: the PostgreSQL run was not made" >&2
  pg_rc=1
fi
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
