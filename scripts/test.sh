#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: ruff, mypy, then pytest (warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check scheduler tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q
