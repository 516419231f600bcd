#!/usr/bin/env bash
# Sets up (no root, no apt; pip only on the first run or when the pins change) and runs the main
# job: the weekly run over the sample portfolio on the embedded database (var/dispatch.sqlite) for
# the previous week and this one, writing the brief (周调度通报, PDF and .docx), a brief per county
# leader, the problem list sheet and one digest per unit to the outbox (var/outbox/2026-W48/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
D=.venv/bin/dispatch
LOG=var/demo.log
mkdir -p var
: > "$LOG"
$D validate projects/ >> "$LOG"
$D init >> "$LOG"                         # the database, once (no command creates one silently)
$D load projects/ >> "$LOG"
# The previous week's run first, so that week-over-week changes and the escalation of items red
# for two weeks running (提请县政府专题研究) show, then this week's run (data date Monday 2026-11-23).
$D run --data-date 2026-11-16 --out var/outbox/2026-W47 >> "$LOG"
COLUMNS=300 $D run --data-date 2026-11-23 --out var/outbox/2026-W48 > var/demo-w48.txt
cat var/demo-w48.txt >> "$LOG"
$D report-template --week 2026-W49 --out var/outbox/2026-W48/templates >> "$LOG"
OUT=$(pwd)/var/outbox/2026-W48
echo "== $(head -n 1 var/demo-w48.txt)"  # the run's own title: the week as people read it, the data date
grep -E "^(项目|问题|投资|提请|Projects|Findings|Investment|Escalated)" var/demo-w48.txt | sed 's/^/   /' || true
echo "== 输出 outputs: $OUT"
echo "   通报 brief:        $OUT/周调度通报_2026-W48.pdf  (.docx 同名)"
echo "   领导 leaders:      $(ls "$OUT"/周调度通报_2026-W48_*.pdf 2>/dev/null | wc -l) 份包联领导通报 in $OUT"
echo "   问题清单 sheet:    $OUT/问题清单_2026-W48.xlsx"
echo "   各单位提醒 digests: $(ls "$OUT"/alerts 2>/dev/null | wc -l) 条 in $OUT/alerts (一单位一周一条)"
echo "   填报模板 templates: $OUT/templates"
echo "   附件 annex (per-project pages, Gantt): .venv/bin/dispatch printout --annex"
echo "   full log: $(pwd)/$LOG"
