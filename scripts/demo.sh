#!/usr/bin/env bash
# Sets up everything and runs the main job: the weekly run over the sample portfolio on the
# embedded database (var/dispatch.sqlite), writing the printout, the Gantt charts, the findings
# sheet and the alerts to the outbox (var/outbox/2026-W48/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
D=.venv/bin/dispatch
$D validate projects/
$D load projects/
# The previous week's run first, so that week-over-week changes and the escalation of items red
# for two weeks running (提请县政府专题研究) show, then this week's run (data date Monday 2026-11-23).
$D run --data-date 2026-11-16 --out var/outbox/2026-W47
$D run --data-date 2026-11-23 --out var/outbox/2026-W48
$D report-template --week 2026-W49 --out var/outbox/2026-W48/templates
echo
echo "outputs of this week's run: $(pwd)/var/outbox/2026-W48"
ls var/outbox/2026-W48
echo "alerts to the responsible units (var/outbox/*/alerts): $(ls var/outbox/*/alerts | grep -c -e '\.eml$' -e '\.json$')"
