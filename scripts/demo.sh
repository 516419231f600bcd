#!/usr/bin/env bash
# Sets up everything and runs the main job: the weekly run over the sample portfolio on the
# embedded database, writing the printout, the charts, the sheets and the alerts to the outbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/dispatch validate projects/
.venv/bin/dispatch load projects/
.venv/bin/dispatch schedule projects/YGG-RAIL.toml --data-date 2026-11-23 --format table
