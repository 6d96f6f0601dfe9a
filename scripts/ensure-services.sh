#!/usr/bin/env bash
# Make sure the test command has what it needs on a fresh Debian machine:
# Chromium for the browser tests, a PostgreSQL server on loopback, Redis.
# Prints the PostgreSQL URL to use on its last line.
set -uo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >&2 || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian chromium for the browser tests" >&2
  apt_install chromium || echo "WARNING: chromium could not be installed; browser tests will be skipped" >&2
fi

pg_url="postgresql+psycopg://postgres@127.0.0.1:5432/trc_test"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "installing PostgreSQL" >&2
    apt_install postgresql || true
  fi
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -n "$ver" ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 2>&1 || as_root pg_ctlcluster "$ver" main start >&2 2>&1 || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
  fi
fi
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    # A fresh Debian cluster wants a password over TCP: give the postgres role one.
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2 || true
    export PGPASSWORD=postgres
    pg_url="postgresql+psycopg://postgres:postgres@127.0.0.1:5432/trc_test"
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='trc_test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE trc_test" >&2
else
  pg_url=""
  echo "WARNING: no PostgreSQL server available" >&2
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  command -v redis-server >/dev/null || apt_install redis-server || true
  if command -v redis-server >/dev/null; then
    mkdir -p /tmp/trc-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/trc-redis >&2 || true
  fi
fi
echo "$pg_url"
