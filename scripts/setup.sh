#!/usr/bin/env bash
# Sets up a fresh machine for dispatch: a virtual environment in .venv with every dependency
# pinned by constraints.txt (the CJK font comes with the `mplfonts` package, nothing else to fetch).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
# poppler-utils (pdftoppm, pdftotext): the printout tests rasterise and read back the PDF
command -v pdftoppm >/dev/null || (apt-get update && apt-get install -y poppler-utils)
