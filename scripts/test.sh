#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: ruff, mypy, then pytest twice (warnings are
# errors): on the embedded SQLite database, and on a throwaway PostgreSQL server on loopback that
# this script installs (Debian's postgresql) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check scheduler tests bench
.venv/bin/mypy --strict -p scheduler
.venv/bin/lint-imports --no-cache  # the layers contract in pyproject.toml
echo "== pytest on SQLite"
env -u DISPATCH_TEST_POSTGRES_URL -u DISPATCH_DATABASE_URL .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
echo "== pytest on PostgreSQL"
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop "$PG_TEST_DIR"' EXIT
env -u DISPATCH_DATABASE_URL DISPATCH_TEST_POSTGRES_URL="$DISPATCH_TEST_POSTGRES_URL" \
  .venv/bin/python -m pytest -q -p no:cacheprovider -m "not sqlite_only" "$@"
