#!/usr/bin/env bash
# Sets up a fresh machine for dispatch without root: a virtual environment in .venv with every
# dependency pinned by constraints.txt (the CJK font comes with the `mplfonts` package, nothing else
# to fetch). pip runs only when constraints.txt or pyproject.toml changed since the last install
# (a stamp of their hash in .venv), so later runs need no network.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
STAMP=.venv/.dispatch-installed
WANT=$(cat constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] || ! .venv/bin/python -c "import scheduler" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
  echo "$WANT" > "$STAMP"
fi
