"""Every user-facing label of tables, printouts, sheets and alerts, in one place: Chinese for the
county, English one switch away (`language = "en"` in config.toml)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # alerts (scheduler/alerts.py): subject, body lines, what to do per finding kind, `dispatch alerts`
    "alert.subject": {"zh": "【{light}预警】{week} {project}{item}：{kind}{days}",
                      "en": "[{light} alert] {week} {project}{item}: {kind}{days}"},
    "alert.subject.days": {"zh": "，滞后 {days} 个工作日", "en": ", {days} working days late"},
    "alert.subject.escalation": {"zh": "【提请县政府专题研究】{week} {project}：连续 {weeks} 周红灯",
                                 "en": "[Escalated to the county government] {week} {project}: red for "
                                       "{weeks} weeks"},
    "alert.greeting": {"zh": "{unit}：", "en": "To {unit}:"},
    "alert.intro": {"zh": "县发改局重大项目周调度（{week}）发现贵单位负责的以下事项亮红灯，请及时办理，"
                          "并在下次周调度前报送进展。",
                    "en": "The weekly project dispatch ({week}) found the following item of your unit in red. "
                          "Please act on it and report progress before the next weekly meeting."},
    "alert.project": {"zh": "项目：{project}", "en": "Project: {project}"},
    "alert.milestone": {"zh": "节点：{milestone}", "en": "Milestone: {milestone}"},
    "alert.factor": {"zh": "要素：{factor}", "en": "Factor: {factor}"},
    "alert.problem": {"zh": "问题：{kind}（{light}）", "en": "Problem: {kind} ({light})"},
    "alert.situation": {"zh": "情况：{message}", "en": "Situation: {message}"},
    "alert.days": {"zh": "滞后：{days} 个工作日", "en": "Late by: {days} working days"},
    "alert.weeks_red": {"zh": "已连续 {weeks} 周红灯", "en": "Red for {weeks} consecutive weeks"},
    "alert.first_seen": {"zh": "首次发现：{first}", "en": "First seen: {first}"},
    "alert.todo": {"zh": "办理要求：{todo}", "en": "What to do: {todo}"},
    "alert.todo.finish-overdue": {
        "zh": "节点已过计划完成时间仍未完成，请说明原因，明确完成时间和赶工措施。",
        "en": "The milestone is past its planned finish: give the reason, a finish date and the catch-up plan."},
    "alert.todo.start-overdue": {
        "zh": "节点已过计划开始时间仍未开始，请说明原因，明确开始时间。",
        "en": "The milestone is past its planned start: give the reason and a start date."},
    "alert.todo.slip": {
        "zh": "预计完成时间晚于计划，请制定赶工措施，压缩后续工期，确保按期完成。",
        "en": "The forecast finish is later than planned: plan how to catch up and keep the date."},
    "alert.todo.deadline": {
        "zh": "按当前进度将突破时限要求，请立即研究调整方案并报县发改局。",
        "en": "At the current pace the deadline will be missed: work out a remedy and report to the bureau."},
    "alert.todo.factor": {
        "zh": "要素保障手续未按期批复，请加快办理，明确批复时间；确有困难的，请书面报告县发改局协调。",
        "en": "The approval is late: speed it up and give an approval date; if blocked, report in writing "
              "to the bureau for coordination."},
    "alert.todo.investment": {
        "zh": "投资完成滞后于序时进度，请加快投资进度，据实报送投资完成情况。",
        "en": "Investment is behind the plan to date: speed it up and report the actual figures."},
    "alert.todo.physical": {
        "zh": "形象进度滞后于序时进度，请增加施工力量，加快推进。",
        "en": "Physical progress is behind the plan to date: add resources and speed up."},
    "alert.todo.escalation": {
        "zh": "相关事项已连续 {weeks} 周红灯，将提请县政府专题研究，请于会前准备情况说明（问题、原因、需协调事项）。",
        "en": "Items have been red for {weeks} weeks and go to the county government's special meeting: "
              "prepare a note (problem, cause, what needs coordination)."},
    "alert.footer": {"zh": "（本消息由重大项目周调度系统于 {week} 自动发送，请勿直接回复。）",
                     "en": "(Sent automatically by the weekly project dispatch for {week}; do not reply.)"},
    "alert.report": {"zh": "预警：送达 {delivered}，写入发件箱 {written}，待重试 {retrying}，失败 {failed}，"
                           "他处已处理 {skipped}",
                     "en": "alerts: {delivered} delivered, {written} written to the outbox, {retrying} to "
                           "retry, {failed} failed, {skipped} taken by another process"},
    "alert.title": {"zh": "预警发件箱", "en": "Alert outbox"},
    "alert.none": {"zh": "没有预警", "en": "no alerts"},
    "alert.retried": {"zh": "{n} 条失败预警已重新排队", "en": "{n} failed alerts queued again"},
    "alert.col.week": {"zh": "周次", "en": "Week"},
    "alert.col.channel": {"zh": "渠道", "en": "Channel"},
    "alert.col.address": {"zh": "地址", "en": "Address"},
    "alert.col.attempts": {"zh": "尝试", "en": "Tries"},
    "alert.col.next": {"zh": "下次尝试", "en": "Next try"},
    "alert.col.error": {"zh": "最近错误", "en": "Last error"},
    "alert.col.subject": {"zh": "主题", "en": "Subject"},
    "alert.status.pending": {"zh": "待发送", "en": "pending"},
    "alert.status.delivered": {"zh": "已送达", "en": "delivered"},
    "alert.status.failed": {"zh": "失败", "en": "failed"},
    "alert.channel.email": {"zh": "邮件", "en": "email"},
    "alert.channel.webhook": {"zh": "群机器人", "en": "webhook"},
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
