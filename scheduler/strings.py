"""Every user-facing label of tables, printouts, sheets and alerts, in one place: Chinese for the
county, English one switch away (`language = "en"` in config.toml)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # schedule table
    "col.id": {"zh": "编号", "en": "ID"},
    "col.name": {"zh": "名称", "en": "Name"},
    "col.early_start": {"zh": "最早开始", "en": "Early start"},
    "col.early_finish": {"zh": "最早完成", "en": "Early finish"},
    "col.late_start": {"zh": "最迟开始", "en": "Late start"},
    "col.late_finish": {"zh": "最迟完成", "en": "Late finish"},
    "col.total_float": {"zh": "总时差", "en": "Total float"},
    "col.free_float": {"zh": "自由时差", "en": "Free float"},
    "col.critical": {"zh": "关键", "en": "Critical"},
    "col.unit": {"zh": "责任单位", "en": "Unit"},
    "col.lead_unit": {"zh": "牵头单位", "en": "Lead unit"},
    "col.project": {"zh": "项目", "en": "Project"},
    "col.milestones": {"zh": "节点数", "en": "Milestones"},
    "col.factors": {"zh": "要素", "en": "Factors"},
    "col.finish": {"zh": "预计完成", "en": "Forecast finish"},
    "col.calendar": {"zh": "日历", "en": "Calendar"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.baseline": {"zh": "基线", "en": "Baseline"},
    "col.variance": {"zh": "偏差(工作日)", "en": "Variance (wd)"},
    "schedule.title": {"zh": "{name}（{id}）进度计划 · 数据日期 {date}",
                       "en": "{name} ({id}) schedule · data date {date}"},
    "schedule.plan": {"zh": "计划", "en": "plan"},
    "critical.mark": {"zh": "★", "en": "*"},
    "validate.ok": {"zh": "{n} 个项目文件校验通过", "en": "{n} project files valid"},
    "validate.bad": {"zh": "{n} 个项目文件有误", "en": "{n} project files refused"},
    # lights
    "light.red": {"zh": "红灯", "en": "red"},
    "light.yellow": {"zh": "黄灯", "en": "yellow"},
    "light.green": {"zh": "绿灯", "en": "green"},
    # weekly check (scheduler/check.py): finding kinds and messages
    "kind.finish-overdue": {"zh": "逾期未完成", "en": "Finish overdue"},
    "kind.start-overdue": {"zh": "逾期未开始", "en": "Start overdue"},
    "kind.slip": {"zh": "进度推迟", "en": "Slip"},
    "kind.deadline": {"zh": "时限节点", "en": "Deadline"},
    "kind.factor": {"zh": "要素保障", "en": "Factor approval"},
    "kind.investment": {"zh": "投资序时进度", "en": "Investment vs plan"},
    "kind.physical": {"zh": "形象序时进度", "en": "Physical progress vs plan"},
    "kind.escalation": {"zh": "提请县政府专题研究", "en": "Escalated to the county government"},
    "xun.upper": {"zh": "上旬", "en": "1st dekad"},
    "xun.middle": {"zh": "中旬", "en": "2nd dekad"},
    "xun.lower": {"zh": "下旬", "en": "3rd dekad"},
    "finding.finish_overdue": {
        "zh": "{name}（{mid}）基线计划 {baseline} 完成，至今未完成，已滞后 {days} 个工作日",
        "en": "{name} ({mid}) was due to finish {baseline} and is not finished: {days} working days late"},
    "finding.start_overdue": {
        "zh": "{name}（{mid}）基线计划 {baseline} 开始，至今未开始，已滞后 {days} 个工作日",
        "en": "{name} ({mid}) was due to start {baseline} and has not started: {days} working days late"},
    "finding.slip": {
        "zh": "{name}（{mid}）预计 {forecast} 完成，较基线 {baseline} 推迟 {days} 个工作日",
        "en": "{name} ({mid}) forecast to finish {forecast}, {days} working days after baseline {baseline}"},
    "finding.deadline": {
        "zh": "{name}（{mid}）要求{deadline}，按当前预测 {start} 开始、{finish} 完成，超出 {days} 个工作日",
        "en": "{name} ({mid}) must {deadline}; forecast {start} to {finish}: {days} working days over"},
    "deadline.start_by": {"zh": " {date} 前开始", "en": "start by {date}"},
    "deadline.finish_by": {"zh": " {date} 前完成", "en": "finish by {date}"},
    "finding.factor": {
        "zh": "{kind}：{fname}（{fid}）{status}，{name}（{mid}）需于 {needed} 具备条件（{when}），"
              "预计批复 {expected}",
        "en": "{kind}: {fname} ({fid}) {status}; {name} ({mid}) needs it on {needed} ({when}), "
              "expected approval {expected}"},
    "factor.overdue": {"zh": "已逾期 {days} 个工作日", "en": "{days} working days overdue"},
    "factor.due_in": {"zh": "尚余 {days} 个工作日", "en": "{days} working days to go"},
    "factor.no_expected": {"zh": "未明确", "en": "not given"},
    "factor.blocker": {"zh": "；堵点：{blocker}", "en": "; blocker: {blocker}"},
    "finding.investment": {
        "zh": "年度投资完成 {done} 万元，序时计划 {plan} 万元，差 {gap} 万元，落后年度计划 {points} 个百分点",
        "en": "investment completed {done} (10k CNY) against {plan} planned to date: {gap} short, "
              "{points} points of the annual plan behind"},
    "finding.physical": {
        "zh": "形象进度 {actual}%，序时计划 {planned}%，落后 {points} 个百分点",
        "en": "physical progress {actual}% against {planned}% planned to date: {points} points behind"},
    "finding.escalation": {
        "zh": "连续 {weeks} 周及以上红灯事项 {n} 项，提请县政府专题研究：{items}",
        "en": "{n} items red for {weeks} or more weeks, for the county government's special meeting: {items}"},
}


def t(key: str, lang: str = "zh", **kw: object) -> str:
    """The label `key` in `lang` (falls back to Chinese, then to the key itself), formatted."""
    entry = STRINGS.get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(lang) or entry.get("zh") or key
    return text.format(**kw) if kw else text
