#!/usr/bin/env bash
# The web workplace on the sample portfolio: set up, load projects/, run the weeks 2026-W47 and
# 2026-W48, create two demo accounts (office / demo-office-1, the 县交通运输局 clerk jiaotong /
# demo-unit-1; kept if they exist), then serve http://127.0.0.1:8000 (Ctrl-C stops it).
# Extra arguments go to `dispatch web` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
D=.venv/bin/dispatch
$D load projects/ >/dev/null
$D run --data-date 2026-11-16 --no-outputs >/dev/null
$D run --data-date 2026-11-23 --no-outputs >/dev/null
$D user add office --role office --name 专班办公室 --password demo-office-1 2>/dev/null || true
$D user add jiaotong --role unit --unit 县交通运输局 --name 交通运输局填报员 --password demo-unit-1 2>/dev/null || true
echo "web workplace: http://127.0.0.1:8000  (office / demo-office-1, unit: jiaotong / demo-unit-1)"
exec $D web "$@"
