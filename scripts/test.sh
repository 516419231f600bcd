#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: ruff, mypy, then pytest twice (warnings are
# errors): on the embedded SQLite database, and on a throwaway PostgreSQL server on loopback that
# this script installs (Debian's postgresql) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# poppler-utils (pdftoppm, pdftotext, pdfinfo): the printout and brief tests rasterise and read back
# the PDFs; the tests only need it, not the tool (installed here, as root, when missing)
command -v pdftoppm >/dev/null || (apt-get update && apt-get install -y poppler-utils)
# Debian's Chromium: the web workplace's browser test drives it (Playwright, executable_path; never
# `playwright install`, which downloads a browser build of its own)
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
.venv/bin/ruff check scheduler tests bench
.venv/bin/mypy --strict -p scheduler
.venv/bin/lint-imports --no-cache  # the layers contract in pyproject.toml
# two pytest-xdist workers (CI has 2 cores; every test has its own database, folders and ports)
echo "== pytest on SQLite"
env -u DISPATCH_TEST_POSTGRES_URL -u DISPATCH_DATABASE_URL .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 "$@"
echo "== pytest on PostgreSQL"
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop "$PG_TEST_DIR"' EXIT
env -u DISPATCH_DATABASE_URL DISPATCH_TEST_POSTGRES_URL="$DISPATCH_TEST_POSTGRES_URL" \
  .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 -m "not sqlite_only" "$@"
