"""Every user-facing label of tables, printouts, sheets and alerts, in one place: Chinese for the
county, English one switch away (`language = "en"` in config.toml)."""

from __future__ import annotations

import re
from typing import Any

STRINGS: dict[str, dict[str, str]] = {
    # alerts (delivery/messages.py): greeting, what to do per problem kind, footer, `dispatch alerts`
    "alert.greeting": {"zh": "{unit}：", "en": "To {unit}:"},
    "alert.todo.finish-overdue": {
        "zh": "节点已过计划完成时间仍未完成，请说明原因，明确完成时间和赶工措施。",
        "en": "The milestone is past its planned finish: give the reason, a finish date and the catch-up plan."},
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
    "alert.deferred": {"zh": "，本轮未尝试（服务器故障、超过本轮时限或正在停止）{n}",
                       "en": ", {n} left for the next pass (server down, pass deadline or shutdown)"},
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
    "alert.col.next": {"zh": "下次尝试", "en": "Next try"},
    "alert.col.subject": {"zh": "主题", "en": "Subject"},
    "alert.col.attempts.value": {"zh": "（第{n}次）", "en": " (attempt {n})"},
    "alert.status.pending": {"zh": "待发送", "en": "pending"},
    "alert.status.delivered": {"zh": "已送达", "en": "delivered"},
    "alert.status.written": {"zh": "已写入发件箱（未发送）", "en": "written to the outbox (not sent)"},
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
    "col.finish": {"zh": "预计完成", "en": "Forecast finish"},
    "col.calendar": {"zh": "日历", "en": "Calendar"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.baseline": {"zh": "基线", "en": "Baseline"},
    "schedule.title": {"zh": "{name}（{id}）进度计划 · 数据日期 {date}",
                       "en": "{name} ({id}) schedule · data date {date}"},
    "schedule.plan": {"zh": "计划", "en": "plan"},
    "critical.mark": {"zh": "★", "en": "*"},
    "validate.ok": {"zh": "{n} 个项目文件校验通过", "en": "{n} project files valid"},
    "validate.bad": {"zh": "{n} 个项目文件有误", "en": "{n} project files refused"},
    # storage: load, projects, baseline
    "load.title": {"zh": "项目入库（{n} 个文件）", "en": "Load ({n} files)"},
    "load.added": {"zh": "新增", "en": "Added"},
    "load.updated": {"zh": "更新", "en": "Updated"},
    "load.unchanged": {"zh": "未变", "en": "Unchanged"},
    "load.count": {"zh": "个数", "en": "Count"},
    "load.projects": {"zh": "项目", "en": "Projects"},
    "init.done": {"zh": "数据库已就绪：{url}", "en": "database ready: {url}"},
    "projects.title": {"zh": "在库项目（{n} 个）", "en": "Projects in the database ({n})"},
    "projects.none": {"zh": "库中还没有项目，请先运行 dispatch load", "en": "no projects yet: run dispatch load"},
    "col.plan_finish": {"zh": "计划完成", "en": "Plan finish"},
    "baseline.new": {"zh": "项目 {id} 已重新设定基线：第 {version} 版（原因：{reason}）",
                     "en": "project {id}: new baseline version {version} (reason: {reason})"},
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
    "kind.payment": {"zh": "资金支付序时进度", "en": "Fund payment vs plan"},
    "kind.statistics": {"zh": "入库纳统", "en": "Statistics registration"},
    "kind.quantity": {"zh": "实物量序时进度", "en": "Quantities vs plan"},
    "finding.finish_overdue": {
        "zh": "{name}（{mid}）基线计划{baseline}完成，至今未完成，已滞后{days}",
        "en": "{name} ({mid}) was due to finish {baseline} and is not finished: {days} late"},
    "finding.start_overdue": {
        "zh": "{name}（{mid}）基线计划{baseline}开始，至今未开始，已滞后{days}",
        "en": "{name} ({mid}) was due to start {baseline} and has not started: {days} late"},
    "finding.slip": {
        "zh": "{name}（{mid}）预计{forecast}完成，较基线{baseline}推迟{days}",
        "en": "{name} ({mid}) forecast to finish {forecast}, {days} after baseline {baseline}"},
    # a deadline (start_by / finish_by): {planned} and {forecast}/{actual} are joined pieces
    # (deadline.piece, deadline.date_piece); an event's name is its verb (原定10月底前开工，预计12月19日开工)
    "finding.deadline": {"zh": "{name}（{mid}）原定{planned}，预计{forecast}，超出{days}",
                         "en": "{name} ({mid}) due to {planned}; forecast to {forecast}: {days} over"},
    "finding.deadline.event": {"zh": "原定{planned}{name}（{mid}），预计{forecast}{name}，超出{days}",
                               "en": "{name} ({mid}) due {planned}; forecast {forecast}: {days} over"},
    "finding.deadline.missed": {"zh": "{name}（{mid}）原定{planned}，已于{actual}，超期{days}",
                                "en": "{name} ({mid}) was due to {planned} and did {actual}: {days} late"},
    "finding.deadline.missed.event": {"zh": "原定{planned}{name}（{mid}），已于{actual}{name}，超期{days}",
                                      "en": "{name} ({mid}) was due {planned} and happened {actual}: {days} late"},
    "deadline.piece": {"zh": "{by}{verb}", "en": "{verb} {by}"},
    "deadline.date_piece": {"zh": "{date}{verb}", "en": "{verb} {date}"},
    "deadline.date_piece.actual": {"zh": "{date}{verb}", "en": "{verb} on {date}"},
    "finding.factor": {
        "zh": "{kind}：{fname}（{fid}）{status}，{name}（{mid}）需于{needed}具备条件（{when}），"
              "预计批复：{expected}",
        "en": "{kind}: {fname} ({fid}) {status}; {name} ({mid}) needs it on {needed} ({when}), "
              "expected approval {expected}"},
    "factor.overdue": {"zh": "已逾期{days}", "en": "{days} overdue"},
    "factor.due_in": {"zh": "尚余{days}", "en": "{days} to go"},
    "factor.no_expected": {"zh": "未明确", "en": "not given"},
    "factor.blocker": {"zh": "；堵点：{blocker}", "en": "; blocker: {blocker}"},
    "finding.investment": {
        "zh": "年度投资完成 {done} 万元，序时计划 {plan} 万元，差 {gap} 万元，落后年度计划 {points} 个百分点",
        "en": "investment completed {done} (10k CNY) against {plan} planned to date: {gap} short, "
              "{points} points of the annual plan behind"},
    "finding.physical": {
        "zh": "形象进度 {actual}%，序时计划 {planned}%，落后 {points} 个百分点",
        "en": "physical progress {actual}% against {planned}% planned to date: {points} points behind"},
    "finding.payment": {
        "zh": "资金已下达 {issued} 万元、已支付 {paid} 万元，支付率 {rate}%，序时进度 {planned}%，"
              "落后 {points} 个百分点",
        "en": "funds issued {issued}, paid {paid} (10k CNY): payment rate {rate}% against {planned}% planned to date, "
              "{points} points behind"},
    "finding.statistics": {
        "zh": "{commenced}开工已满 {months} 个月，入库纳统状态：{status}，请抓紧纳统报数",
        "en": "commenced {commenced}, {months} months ago, statistics status: {status}; register it"},
    "statistics.none": {"zh": "未填报", "en": "not reported"},
    "finding.quantity": {"zh": "实物量滞后：{items}", "en": "quantities behind: {items}"},
    "finding.quantity_item": {
        "zh": "{name} {done}/{target} {measure}（序时 {planned}，差 {gap}）",
        "en": "{name} {done}/{target} {measure} (planned {planned}, {gap} short)"},
    "finding.escalation.short": {"zh": "连续 {weeks} 周及以上红灯事项 {n} 项，提请县政府专题研究",
                                 "en": "{n} items red for {weeks} or more weeks, for the county government's "
                                       "special meeting"},
    # weekly report workbook (scheduler/reports.py): always written in Chinese, checked on ingest
    "report.title": {"zh": "{unit}  重大项目要素保障周调度报表  {week}", "en": "{unit} weekly report {week}"},
    "report.help": {
        "zh": "浅黄色单元格为填报项：日期填 2026-11-20 格式；完成百分比填 0-100 的数字；办理状态从下拉列表选择；"
              "堵点问题填“无”表示已解决；投资、资金下达/到位/支付为本周发生额（万元）；实物量填截至本周的累计完成量。"
              "空白表示本周无变化。灰色列为编号和参考信息，请勿修改。",
        "en": "Fill in the yellow cells: dates as 2026-11-20; percent 0-100; status from the list; blocker "
              "\"无\" = resolved; investment and fund amounts = this week's (10k CNY); quantities = cumulative "
              "done to date. Blank = no change."},
    "report.sheet.milestones": {"zh": "节点进度", "en": "节点进度"},
    "report.sheet.factors": {"zh": "要素保障", "en": "要素保障"},
    "report.sheet.investment": {"zh": "投资", "en": "投资"},
    "report.kind.milestone": {"zh": "节点", "en": "milestone"},
    "report.kind.factor": {"zh": "要素", "en": "factor"},
    "report.kind.project": {"zh": "投资", "en": "investment"},
    "report.col.project_id": {"zh": "项目编号", "en": "Project ID"},
    "report.col.project_name": {"zh": "项目名称", "en": "Project"},
    "report.col.milestone_id": {"zh": "节点编号", "en": "Milestone ID"},
    "report.col.milestone_name": {"zh": "节点名称", "en": "Milestone"},
    "report.col.plan_start": {"zh": "计划开始", "en": "Planned start"},
    "report.col.plan_finish": {"zh": "计划完成", "en": "Planned finish"},
    "report.col.actual_start": {"zh": "实际开始", "en": "Actual start"},
    "report.col.actual_finish": {"zh": "实际完成", "en": "Actual finish"},
    "report.col.percent": {"zh": "完成百分比(0-100)", "en": "Percent complete"},
    "report.col.factor_id": {"zh": "要素编号", "en": "Factor ID"},
    "report.col.factor_kind": {"zh": "要素类型", "en": "Kind"},
    "report.col.factor_name": {"zh": "审批事项", "en": "Approval"},
    "report.col.factor_milestone": {"zh": "关联节点", "en": "For milestone"},
    "report.col.factor_status": {"zh": "办理状态", "en": "Status"},
    "report.col.expected": {"zh": "预计批复日期", "en": "Expected approval"},
    "report.col.blocker": {"zh": "堵点问题", "en": "Blocker"},
    "report.col.annual_plan": {"zh": "年度计划投资(万元)", "en": "Annual plan"},
    "report.col.completed_to_date": {"zh": "已报累计完成(万元)", "en": "Completed so far"},
    "report.col.investment_week": {"zh": "本周完成投资(万元)", "en": "Completed this week"},
    "report.written": {"zh": "已生成 {n} 份{week}周报模板：", "en": "{n} report templates for {week}:"},
    "ingest.bad": {"zh": "{n} 个文件被拒收（均未保存），请按提示修改后重新报送",
                   "en": "{n} files refused (nothing of them stored)"},
    # the weekly run (scheduler/runner.py) and `dispatch run` / `dispatch findings`
    "run.done": {"zh": "{week}调度完成：数据日期 {date}，运行 #{id}",
                 "en": "weekly run {week} done: data date {date}, run #{id}"},
    "run.replaced": {"zh": "（替换本周此前的运行 {ids}，历史保留）",
                     "en": " (replaces this week's earlier run {ids}; history kept)"},
    "run.outputs": {"zh": "输出文件：{path}", "en": "outputs: {path}"},
    "run.no_outputs": {"zh": "（打印稿与图表模块尚未安装，未生成输出文件）",
                       "en": "(the printout module is not installed: no output files)"},
    "run.alerts": {"zh": "新增提醒 {n} 条", "en": "{n} alerts queued"},
    "run.projects": {"zh": "项目 {n} 个：红灯 {red}、黄灯 {yellow}、绿灯 {green}",
                     "en": "{n} projects: {red} red, {yellow} yellow, {green} green"},
    "run.problems": {"zh": "问题清单 {n} 项（红灯 {red}、黄灯 {yellow}）",
                     "en": "problem list: {n} ({red} red, {yellow} yellow)"},
    "run.findings": {"zh": "检查发现 {n} 项（红 {red}、黄 {yellow}）；"
                           "较上周新增 {new}、已解决 {resolved}、持续 {persisting}",
                     "en": "{n} findings ({red} red, {yellow} yellow); vs last week {new} new, {resolved} "
                           "resolved, {persisting} persisting"},
    "run.investment": {"zh": "投资：年度计划 {plan} 万元，序时计划 {to_date} 万元，"
                             "累计完成 {done} 万元（序时完成率 {pct}）",
                       "en": "investment: annual plan {plan}, planned to date {to_date}, completed {done} "
                             "(10k CNY; {pct} of the plan to date)"},
    "run.escalated": {"zh": "提请县政府专题研究：{names}", "en": "for the county government's meeting: {names}"},
    "run.red_title": {"zh": "红灯事项", "en": "Red items"},
    "runs.title": {"zh": "周调度运行记录：{scope}（{n} 次）", "en": "Weekly runs: {scope} ({n})"},
    "runs.all": {"zh": "全部周次", "en": "all weeks"},
    "runs.none": {"zh": "没有已保存的周调度运行（{scope}）", "en": "no stored weekly run ({scope})"},
    "runs.col.run": {"zh": "运行", "en": "Run"},
    "runs.col.week": {"zh": "周次", "en": "Week"},
    "runs.col.data_date": {"zh": "数据日期", "en": "Data date"},
    "runs.col.started": {"zh": "运行时间", "en": "Ran at"},
    "runs.col.lights": {"zh": "项目灯色", "en": "Projects"},
    "runs.current": {"zh": "当前", "en": "current"},
    "runs.replaced": {"zh": "已被重新运行替换", "en": "replaced by a re-run"},
    "runs.lights": {"zh": "红灯 {red}、黄灯 {yellow}、绿灯 {green}", "en": "{red} red, {yellow} yellow, {green} green"},
    "findings.title": {"zh": "{week}调度问题清单（运行 #{id}，数据日期 {date}）",
                       "en": "Findings {week} (run #{id}, data date {date})"},
    "findings.none": {"zh": "本周无问题事项", "en": "no findings this week"},
    "col.kind": {"zh": "类型", "en": "Kind"},
    "col.light": {"zh": "灯", "en": "Light"},
    "col.days": {"zh": "天数", "en": "Days"},
    "col.first_seen": {"zh": "首次发现", "en": "First seen"},
    "col.weeks_red": {"zh": "连续红灯(周)", "en": "Weeks red"},
    "col.message": {"zh": "情况说明", "en": "Details"},
    "col.item": {"zh": "节点/要素", "en": "Item"},
    # who reported (core/reporting.py, app/reporting.py): the printout, `dispatch reporting`, reminders
    "out.pdf.missing": {"zh": "未按时报送单位（{n} 个）", "en": "Units that did not report on time ({n})"},
    "out.pdf.missing_note": {"zh": "以下单位未报送本周报表：其负责事项不按零进度计算，灯色沿用上周结果并标注“未报送”。",
                             "en": "These units sent no report this week: their items are not read as zero "
                                   "progress; they keep last week's light, marked \"not reported\"."},
    "out.pdf.stale_mark": {"zh": "【未报送·沿用{week}】", "en": "[not reported · as of {week}] "},
    "out.pdf.project_stale": {"zh": "未报送单位：{units}（相关事项灯色沿用上周结果）",
                              "en": "Did not report: {units} (their items keep last week's light)"},
    "reporting.title": {"zh": "{week}周报报送情况（截止 {deadline}）",
                        "en": "Weekly reports of {week} (due {deadline})"},
    "reporting.not_required": {"zh": "（早于 [reporting] first_week，不要求报送）",
                               "en": " (before [reporting] first_week: reports not required)"},
    "reporting.col.received": {"zh": "首次报送时间", "en": "First received"},
    "reporting.col.version": {"zh": "版本", "en": "Version"},
    "reporting.status.on_time": {"zh": "按时报送", "en": "on time"},
    "reporting.status.late": {"zh": "逾期报送", "en": "late"},
    "reporting.status.missing": {"zh": "未报送", "en": "missing"},
    "reporting.counts": {"zh": "按时 {on_time}，逾期 {late}，未报送 {missing}",
                         "en": "{on_time} on time, {late} late, {missing} missing"},
    "reminder.subject": {"zh": "【报表催报】请于 {deadline} 前报送{week}重大项目周调度报表",
                         "en": "[Reminder] send the weekly project report of {week} by {deadline}"},
    "reminder.body": {"zh": "{unit}：\n\n贵单位尚未报送{week}重大项目要素保障周调度报表（模板：{code}_{unit}.xlsx），"
                            "请于 {deadline} 前填报并报送县发改局。逾期未报送的，周调度会将列为“未按时报送”，"
                            "相关事项沿用上周灯色。\n\n（本消息由重大项目周调度系统自动发送，请勿直接回复。）\n",
                      "en": "To {unit}:\n\nYour unit has not yet sent its weekly project report of {week} "
                            "(template {code}_{unit}.xlsx). Please send it to the bureau by {deadline}. Units that "
                            "do not report are listed as not reporting at the weekly meeting and their items keep "
                            "last week's light.\n\n(Sent automatically by the weekly project dispatch; do not "
                            "reply.)\n"},
    "not_reported.subject": {"zh": "【逾期未报送】{week}重大项目周调度报表未在 {deadline} 前报送",
                             "en": "[Not reported] the weekly project report of {week} was due by {deadline}"},
    "not_reported.body": {"zh": "{unit}：\n\n贵单位{week}重大项目要素保障周调度报表应于 {deadline} 前报送，"
                                "截至本周调度尚未收到，已列为“未按时报送”。贵单位负责事项本周沿用上周数据（标注【未报送】），"
                                "不作零进度处理。请尽快补报（模板：{code}_{unit}.xlsx）：逾期报送的报表仍予采用，"
                                "重新调度后更新。\n\n（本消息由重大项目周调度系统自动发送，请勿直接回复。）\n",
                          "en": "To {unit}:\n\nYour unit's weekly project report of {week} was due by {deadline} and "
                                "had not arrived when the week was run: it is listed as not reporting, and this week "
                                "your items keep last week's data (marked not reported, never read as zero progress). "
                                "Please send it now (template {code}_{unit}.xlsx): a late report is still applied "
                                "when the week is run again.\n\n(Sent automatically by the weekly project dispatch; "
                                "do not reply.)\n"},
    # the weekly sheet's problem sheets and the ingest receipt (io/reports.py, app/ingest.py)
    "report.sheet.answers": {"zh": "问题整改", "en": "问题整改"},
    "report.sheet.raise": {"zh": "新增问题", "en": "新增问题"},
    "report.col.approved": {"zh": "实际批复日期", "en": "Approved on"},
    "report.col.problem_id": {"zh": "问题编号", "en": "Problem ID"},
    "report.col.problem": {"zh": "问题", "en": "Problem"},
    "report.col.light": {"zh": "灯色", "en": "Light"},
    "report.col.due": {"zh": "完成时限", "en": "Due"},
    "report.col.situation": {"zh": "情况说明", "en": "Situation"},
    "report.col.measures": {"zh": "整改措施", "en": "Measures"},
    "report.col.promised": {"zh": "承诺完成时间", "en": "Promised date"},
    "report.col.description": {"zh": "问题描述", "en": "What is wrong"},
    "report.col.needs_county": {"zh": "需县级协调(是/否)", "en": "Needs the county"},
    "report.col.county_matters": {"zh": "需协调事项", "en": "What to coordinate"},
    "report.problem_days": {"zh": "，滞后{days}", "en": ", {days} late"},
    "report.problem.unknown": {"zh": "没有编号为 {id} 的问题", "en": "there is no problem {id}"},
    "report.problem.not_yours": {"zh": "问题 {id} 的责任单位是 {unit}，只能答复本单位的问题",
                                 "en": "problem {id} belongs to {unit}: a unit answers its own problems only"},
    "report.raise.incomplete": {"zh": "新增问题须填写项目编号和问题描述",
                                "en": "a new problem needs its project and what is wrong"},
    "report.raise.not_yours": {"zh": "{unit} 不负责项目 {project} 的任何事项，不能对其提出问题",
                               "en": "{unit} answers for nothing of project {project}: it cannot raise a problem "
                                     "on it"},
    "receipt.head": {"zh": "已接收 {file}：{unit} {week}周报第 {version} 版（{status}）",
                     "en": "received {file}: {unit} {week} version {version} ({status})"},
    "receipt.same": {"zh": "与已接收的第 {version} 版相同，未重复保存",
                     "en": "identical to version {version}: not stored again"},
    "receipt.read": {"zh": "读取：节点 {milestones} 行，要素 {factors} 行，投资 {projects} 行，"
                           "问题答复 {answers} 条，新增问题 {raised} 条",
                     "en": "read: {milestones} milestone rows, {factors} factor rows, {projects} investment rows, "
                           "{answers} answers, {raised} new problems"},
    "receipt.changed": {"zh": "变更 {n} 项：", "en": "{n} changes:"},
    "receipt.change": {"zh": "  {item} {field}：{old} → {new}", "en": "  {item} {field}: {old} -> {new}"},
    "receipt.cleared": {"zh": "（已清除）", "en": "(cleared)"},
    "receipt.answered": {"zh": "  问题 {id}：已记录本周答复", "en": "  problem {id}: this week's answer recorded"},
    "receipt.raised": {"zh": "  新增问题 {id}", "en": "  new problem {id}"},
    "receipt.ignored": {"zh": "未采用 {n} 项（请核实后重新报送）：",
                        "en": "{n} values not applied (check and send again):"},
    "receipt.ignore": {"zh": "  {sheet}!{cell} {item} {field} = {value}：{why}",
                       "en": "  {sheet}!{cell} {item} {field} = {value}: {why}"},
    "receipt.why.future": {"zh": "日期晚于报表周（{monday} 至 {sunday}），不可能已发生",
                           "en": "the date is after the report's week ({monday}..{sunday}): it cannot have "
                                 "happened yet"},
    "receipt.why.backwards": {"zh": "完成百分比倒退（已报 {old}%）",
                              "en": "percent complete goes backwards (was {old}%)"},
    "receipt.why.yuan": {"zh": "是当月计划 {plan} 万元的 {ratio} 倍，疑似按“元”填报（折合 {wan} 万元），请按万元填报",
                         "en": "{ratio} times the month's plan of {plan} (10k yuan): looks like yuan typed for 10k "
                               "yuan ({wan})"},
    "receipt.why.closed": {"zh": "该问题已办结或销号，答复未记录",
                           "en": "the problem is no longer open: the answer is not recorded"},
    "report.invalid.title": {"zh": "填报有误", "en": "Invalid entry"},
    "report.invalid.status": {"zh": "请从下拉列表选择：未启动、办理中、已批复",
                              "en": "Choose 未启动, 办理中 or 已批复"},
    "report.invalid.date": {"zh": "请填写日期，如 2026-11-20", "en": "Enter a date such as 2026-11-20"},
    "report.invalid.percent": {"zh": "请填写 0 到 100 之间的数字", "en": "Enter a number from 0 to 100"},
    "report.invalid.money": {"zh": "请填写不小于 0 的金额（万元）", "en": "Enter an amount >= 0"},
    "report.invalid.quantity": {"zh": "请填写不小于 0 的累计完成量", "en": "Enter the cumulative amount done (>= 0)"},
    "report.invalid.stage": {"zh": "请从下拉列表选择：签约、前期、新开工、续建、竣工",
                             "en": "Choose 签约, 前期, 新开工, 续建 or 竣工"},
    "report.invalid.statistics": {"zh": "请从下拉列表选择：未入库、已入库、已纳统",
                                  "en": "Choose 未入库, 已入库 or 已纳统"},
    # the weekly sheet's money, quantity and 纳统 sheets (format version 3, issue 12)
    "report.sheet.funds": {"zh": "资金支付", "en": "资金支付"},
    "report.sheet.quantities": {"zh": "实物量", "en": "实物量"},
    "report.sheet.statistics": {"zh": "项目阶段与纳统", "en": "项目阶段与纳统"},
    "report.kind.fund": {"zh": "资金", "en": "fund"},
    "report.kind.quantity": {"zh": "实物量", "en": "quantity"},
    "report.kind.statistics": {"zh": "阶段与纳统", "en": "stage and statistics"},
    "report.col.fund_id": {"zh": "资金编号", "en": "Fund ID"},
    "report.col.fund_kind": {"zh": "资金类别", "en": "Fund kind"},
    "report.col.fund_name": {"zh": "资金名称", "en": "Fund"},
    "report.col.issued_to_date": {"zh": "已报累计下达(万元)", "en": "Issued so far"},
    "report.col.received_to_date": {"zh": "已报累计到位(万元)", "en": "Received so far"},
    "report.col.paid_to_date": {"zh": "已报累计支付(万元)", "en": "Paid so far"},
    "report.col.issued_week": {"zh": "本周下达(万元)", "en": "Issued this week"},
    "report.col.received_week": {"zh": "本周到位(万元)", "en": "Received this week"},
    "report.col.paid_week": {"zh": "本周支付(万元)", "en": "Paid this week"},
    "report.col.quantity_id": {"zh": "指标编号", "en": "Quantity ID"},
    "report.col.quantity_name": {"zh": "实物量指标", "en": "Quantity"},
    "report.col.measure": {"zh": "计量单位", "en": "Measure"},
    "report.col.target": {"zh": "目标", "en": "Target"},
    "report.col.done_before": {"zh": "已报累计完成", "en": "Done so far"},
    "report.col.quantity_done": {"zh": "累计完成", "en": "Done to date"},
    "report.col.stage": {"zh": "项目阶段", "en": "Stage"},
    "report.col.commenced": {"zh": "实际开工日期", "en": "Commenced on"},
    "report.col.statistics": {"zh": "入库纳统状态", "en": "Statistics status"},
    "report.col.statistics_date": {"zh": "入库/纳统日期", "en": "Statistics date"},
    "receipt.read_money": {"zh": "读取：资金 {funds} 行，实物量 {quantities} 行，阶段与纳统 {statistics} 行",
                           "en": "read: {funds} fund rows, {quantities} quantity rows, {statistics} stage and "
                                 "statistics rows"},
    "receipt.why.fund_yuan": {"zh": "是该资金已下达 {ref} 万元的 {ratio} 倍，疑似按“元”填报（折合 {wan} 万元），"
                                    "请按万元填报",
                              "en": "{ratio} times the {ref} (10k yuan) issued for this fund: looks like yuan typed "
                                    "for 10k yuan ({wan})"},
    "receipt.why.qty_backwards": {"zh": "累计完成倒退（已报 {old}）",
                                  "en": "the cumulative done goes backwards (was {old})"},
    "receipt.why.qty_over": {"zh": "超过目标 {target} 的 {ratio} 倍，疑似填错（请核实计量单位）",
                             "en": "more than {ratio} times the target {target}: check the measure"},
    # outputs people read (views, charts, printout, sheets): out.*
    "import.start": {"zh": "导入计划开始", "en": "Start of the imported programme"},  # io/interop.py's START event
    "week.label": {"zh": "{year}年第{n}周（{monday}至{sunday}）", "en": "{week} ({monday} to {sunday})"},
    "week.label.short": {"zh": "{year}年第{n}周", "en": "{week}"},
    "tz.Asia/Shanghai": {"zh": "北京时间", "en": "Asia/Shanghai"},
    "out.title": {"zh": "{week}重大项目要素保障周调度", "en": "Major projects weekly dispatch {week}"},
    "out.light.red": {"zh": "红", "en": "Red"},
    "out.light.yellow": {"zh": "黄", "en": "Yellow"},
    "out.light.green": {"zh": "绿", "en": "Green"},
    "out.fact.lead_unit": {"zh": "牵头单位", "en": "Lead unit"},
    "out.fact.leader": {"zh": "分管县领导", "en": "County leader"},
    "out.fact.units": {"zh": "责任单位", "en": "Units"},
    "out.fact.calendar": {"zh": "工作日历", "en": "Calendar"},
    "out.fact.target": {"zh": "年度目标", "en": "Target"},
    "out.fact.start": {"zh": "项目开始", "en": "Start"},
    "out.fact.baseline_finish": {"zh": "基线完成", "en": "Baseline finish"},
    "out.fact.forecast_finish": {"zh": "预计完成", "en": "Forecast finish"},
    "out.fact.variance": {"zh": "完成偏差", "en": "Variance"},
    "out.fact.variance.value": {"zh": "{n} 个工作日", "en": "{n} working days"},
    "out.fact.variance.days": {"zh": "{n} 天（施工日历，按日历天计）", "en": "{n} days (construction calendar)"},
    "out.fact.deadline": {"zh": "时限要求", "en": "Deadline"},
    "out.fact.deadline.open": {"zh": "{by}（{mid}），预计{date}", "en": "{by} ({mid}), forecast {date}"},
    "out.fact.deadline.met": {"zh": "{by}（{mid}）：已按期（{date}）", "en": "{by} ({mid}): met ({date})"},
    "out.fact.deadline.late": {"zh": "{by}（{mid}）：未按期（{date}）", "en": "{by} ({mid}): missed ({date})"},
    "out.fact.light": {"zh": "本周灯色", "en": "Light"},
    "out.fact.percent": {"zh": "形象进度", "en": "Physical progress"},
    "out.fact.investment": {"zh": "投资（万元）", "en": "Investment (10k CNY)"},
    "out.fact.investment.value": {
        "zh": "总投资 {total}；年度计划 {annual}；序时计划 {plan}，已完成 {done}（{pct}）",
        "en": "total {total}; annual plan {annual}; plan to date {plan}, completed {done} ({pct})"},
    "out.gantt.title": {"zh": "{name} 进度甘特图（数据日期 {date}）", "en": "{name}: schedule (data date {date})"},
    "out.gantt.portfolio_title": {"zh": "重大项目总览（{n} 个项目，数据日期 {date}）",
                                  "en": "Portfolio overview ({n} projects, data date {date})"},
    "out.gantt.data_date": {"zh": "数据日期 {date}", "en": "data date {date}"},
    "out.gantt.holiday.spring": {"zh": "春节", "en": "Spring Festival"},
    "out.gantt.holiday.national": {"zh": "国庆", "en": "National Day"},
    "out.gantt.holiday.labour": {"zh": "五一", "en": "May Day"},
    "out.gantt.legend.baseline": {"zh": "基线计划", "en": "Baseline"},
    "out.gantt.legend.forecast": {"zh": "预测（颜色为灯色）", "en": "Forecast (colour = light)"},
    "out.gantt.legend.forecast_project": {"zh": "项目预测（颜色为灯色）", "en": "Project forecast (colour = light)"},
    "out.gantt.legend.done": {"zh": "已完成部分", "en": "Done"},
    "out.gantt.legend.critical": {"zh": "关键路径", "en": "Critical path"},
    "out.gantt.legend.negative_float": {"zh": "时限难保（负时差）", "en": "Deadline at risk (negative float)"},
    "out.gantt.legend.event": {"zh": "事件节点", "en": "Event"},
    "out.gantt.legend.deadline": {"zh": "时限要求", "en": "Deadline"},
    "out.gantt.legend.data_date": {"zh": "数据日期", "en": "Data date"},
    "out.gantt.legend.holiday": {"zh": "节假日停工", "en": "Holiday break"},
    "out.glance.projects": {"zh": "调度项目", "en": "Projects"},
    "out.glance.projects.value": {"zh": "{n} 个（红灯 {red}，黄灯 {yellow}，绿灯 {green}）",
                                  "en": "{n} (red {red}, yellow {yellow}, green {green})"},
    "out.glance.annual": {"zh": "年度计划投资（万元）", "en": "Annual plan (10k CNY)"},
    "out.glance.plan_to_date": {"zh": "序时计划投资（万元）", "en": "Planned to date (10k CNY)"},
    "out.glance.completed": {"zh": "完成投资（万元）", "en": "Completed (10k CNY)"},
    "out.glance.completed.value": {"zh": "{done}（序时进度的 {pct}，年度计划的 {annual}）",
                                   "en": "{done} ({pct} of plan to date, {annual} of the annual plan)"},
    "out.glance.changes": {"zh": "较上周", "en": "Since last week"},
    "out.glance.changes.value": {"zh": "新增问题 {new} 项，已解决 {resolved} 项，持续 {persisting} 项",
                                 "en": "{new} new, {resolved} resolved, {persisting} persisting"},
    "out.glance.findings": {"zh": "本周问题", "en": "Findings this week"},
    "out.glance.findings.value": {"zh": "{n} 项，其中红灯 {red} 项", "en": "{n}, of which {red} red"},
    "out.glance.blockers": {"zh": "要素保障待办事项", "en": "Approvals pending"},
    "out.glance.escalations": {"zh": "提请县政府专题研究", "en": "For the county government"},
    "out.pdf.running_head": {"zh": "{title} · 数据日期 {date}", "en": "{title} · data date {date}"},
    "out.pdf.page": {"zh": "第 {n} 页 / 共 {total} 页", "en": "Page {n} of {total}"},
    "out.pdf.cover_title": {"zh": "重大项目要素保障周调度", "en": "Major projects: weekly dispatch"},
    "out.pdf.cover_week": {"zh": "{week}工作专班调度材料", "en": "Task force meeting, {week}"},
    "out.pdf.cover_dates": {"zh": "数据日期 {date}　·　生成时间 {generated}",
                            "en": "Data date {date} · generated {generated}"},
    "out.pdf.glance": {"zh": "总体情况", "en": "At a glance"},
    "out.pdf.light_count": {"zh": "{light} {n} 个", "en": "{light}: {n}"},
    "out.pdf.notes": {"zh": "说明", "en": "Note"},
    "out.pdf.overview": {"zh": "项目一览", "en": "Projects"},
    "out.pdf.portfolio": {"zh": "项目总览甘特图", "en": "Portfolio Gantt chart"},
    "out.pdf.overview_legend": {"zh": "按灯色排列（红、黄、绿）。偏差：预计完成较基线完成推迟的工作日数；"
                                      "完成：形象进度。",
                                "en": "Red first, then yellow, green. Var.: forecast finish minus baseline finish, "
                                      "working days; Done: physical progress."},
    "out.pdf.escalation_matter": {"zh": "{id}\n事由：{reason}\n需协调事项：{matters}\n建议：{proposal}",
                                  "en": "{id}\nWhy: {reason}\nTo coordinate: {matters}\nProposal: {proposal}"},
    "out.pdf.red_list": {"zh": "一、红灯清单（按牵头单位）", "en": "1. Red list by lead unit"},
    "out.pdf.red_group": {"zh": "{unit}（{n} 项）　分管县领导：{leaders}",
                          "en": "{unit} ({n}) · county leader: {leaders}"},
    "out.pdf.blockers": {"zh": "二、要素保障堵点（用地、用林、用能、环评）",
                         "en": "2. Factor-guarantee blockers (land, forest, energy, EIA)"},
    "out.pdf.blocker_group": {"zh": "{kind}（{n} 项）", "en": "{kind} ({n})"},
    "out.pdf.escalations": {"zh": "三、提请县政府专题研究事项", "en": "3. For the county government's special meeting"},
    "out.pdf.expected_unknown": {"zh": "未明确", "en": "not known"},
    "out.pdf.none": {"zh": "本周无。", "en": "None this week."},
    # issue 12: money, statistics, quantities (outputs/money_view.py, printout)
    "out.pdf.levels": {"zh": "四、以旬保月、以月保季、以季保年（计划与完成，万元）",
                       "en": "4. Dekad, month, quarter, year: plan against done (10k CNY)"},
    "out.pdf.unit_targets": {"zh": "以旬保月：各牵头单位本旬（至 {end}）需完成",
                             "en": "To hold the month: what each lead unit must complete by {end}"},
    "out.pdf.unit_target_line": {"zh": "{unit}：本旬末前需完成投资 {inv} 万元、资金支付 {pay} 万元（{projects}）",
                                 "en": "{unit}: complete {inv} of investment and pay {pay} (10k CNY) by the end of "
                                       "this dekad ({projects})"},
    "out.pdf.funds": {"zh": "五、三类资金项目资金支付", "en": "5. Payment of the three kinds of funds"},
    "out.pdf.funds_note": {
        "zh": "支付率 = 已支付 / 已下达；序时 = 自首次下达当月1日至支付期限（默认当年12月31日）按日历天数的进度；"
              "“合计”为项目各类资金之和。",
        "en": "Rate = paid / issued; plan = the calendar days elapsed from the first issue month to the pay-by "
              "date (default 31 December); 'all' sums a project's kinds."},
    "out.pdf.statistics": {"zh": "六、项目阶段与入库纳统", "en": "6. Stage and statistics registration"},
    "out.pdf.statistics_note": {"zh": "开工超过 1 个月未纳统为黄灯，超过 2 个月为红灯（阈值见 config.toml [check]）。",
                                "en": "Commenced more than 1 month ago and not registered: yellow; more than 2: red "
                                      "(thresholds in config.toml [check])."},
    "out.pdf.quantities": {"zh": "七、实物量进度", "en": "7. Physical quantities"},
    "out.pdf.cumulative": {"zh": "开工以来累计完成投资", "en": "Investment since the start"},
    "out.level.xun": {"zh": "本旬（以旬保月）", "en": "This dekad (holds the month)"},
    "out.level.month": {"zh": "本月（以月保季）", "en": "This month (holds the quarter)"},
    "out.level.quarter": {"zh": "本季（以季保年）", "en": "This quarter (holds the year)"},
    "out.level.year": {"zh": "全年", "en": "The year"},
    "out.level_short.xun": {"zh": "本旬", "en": "Dekad"},
    "out.level_short.month": {"zh": "本月", "en": "Month"},
    "out.level_short.quarter": {"zh": "本季", "en": "Quarter"},
    "out.level_short.year": {"zh": "全年", "en": "Year"},
    "out.col.inv_plan": {"zh": "投资计划", "en": "Invest. due"},
    "out.col.inv_done": {"zh": "投资完成", "en": "Invested"},
    "out.col.inv_rate": {"zh": "完成率", "en": "Rate"},
    "out.col.pay_plan_amt": {"zh": "支付计划", "en": "Pay due"},
    "out.col.pay_done": {"zh": "已支付", "en": "Paid"},
    "out.col.pay_rate_lv": {"zh": "支付率", "en": "Rate"},
    "out.what.investment": {"zh": "投资", "en": "Investment"},
    "out.what.payment": {"zh": "资金支付", "en": "Payment"},
    "out.col.what": {"zh": "类别", "en": "What"},
    "out.col.level": {"zh": "时段", "en": "Period"},
    "out.col.period": {"zh": "起止", "en": "Dates"},
    "out.col.plan": {"zh": "计划（本旬为旬末应完成）", "en": "Plan (dekad: due by its end)"},
    "out.col.plan_to_date": {"zh": "序时计划", "en": "Plan to date"},
    "out.col.done": {"zh": "完成", "en": "Done"},
    "out.col.gap": {"zh": "差额", "en": "Short"},
    "out.col.rate": {"zh": "完成率", "en": "Rate"},
    "out.col.fund_kind": {"zh": "资金类别", "en": "Fund"},
    "out.col.issued": {"zh": "下达", "en": "Issued"},
    "out.col.received": {"zh": "到位", "en": "Received"},
    "out.col.paid": {"zh": "支付", "en": "Paid"},
    "out.col.pay_rate": {"zh": "支付率", "en": "Paid %"},
    "out.col.pay_plan": {"zh": "序时", "en": "Plan %"},
    "out.col.all_funds": {"zh": "合计", "en": "All"},
    "out.col.stage": {"zh": "阶段", "en": "Stage"},
    "out.col.commenced": {"zh": "开工日期", "en": "Commenced"},
    "out.col.stats_status": {"zh": "入库纳统", "en": "Statistics"},
    "out.col.stats_date": {"zh": "入库/纳统日期", "en": "Since"},
    "out.col.months": {"zh": "开工月数", "en": "Months"},
    "out.col.quantity": {"zh": "实物量指标", "en": "Quantity"},
    "out.col.progress": {"zh": "完成/目标", "en": "Done/target"},
    "out.col.quantity_plan": {"zh": "序时", "en": "Plan to date"},
    "out.pdf.new_mark": {"zh": "【新】", "en": "[new] "},
    "out.pdf.project_findings": {"zh": "本周问题（{n} 项）", "en": "Findings this week ({n})"},
    "out.pdf.milestones": {"zh": "节点计划", "en": "Milestones"},
    "out.pdf.critical_mark": {"zh": "★", "en": "★"},
    "out.pdf.event_mark": {"zh": "◆", "en": "◆"},
    "out.pdf.finished": {"zh": "已完成", "en": "done"},
    "out.pdf.milestone_legend": {
        "zh": "★ 关键路径节点　◆ 事件节点　偏差、总时差单位为工作日（偏差为正表示较基线推迟）",
        "en": "★ critical path  ◆ event  variance and float in working days (positive variance = later than baseline)"},
    "out.col.item": {"zh": "事项", "en": "Item"},
    "out.col.value": {"zh": "内容", "en": "Value"},
    "out.col.leader": {"zh": "分管县领导", "en": "County leader"},
    "out.col.issue": {"zh": "问题", "en": "Issue"},
    "out.col.kind": {"zh": "类别", "en": "Kind"},
    "out.col.light": {"zh": "灯色", "en": "Light"},
    "out.col.weeks_red": {"zh": "连续红灯（周）", "en": "Weeks red"},
    "out.col.weeks_open": {"zh": "挂账（周）", "en": "Weeks open"},
    "out.col.requirement": {"zh": "要素事项", "en": "Approval"},
    "out.col.project_milestone": {"zh": "项目 / 节点", "en": "Project / milestone"},
    "out.col.needed_by": {"zh": "需具备日期", "en": "Needed by"},
    "out.col.expected": {"zh": "预计批复", "en": "Expected"},
    "out.col.blocker": {"zh": "堵点问题", "en": "Blocker"},
    "out.col.matter": {"zh": "事由", "en": "Matter"},
    "out.col.milestone": {"zh": "节点", "en": "Milestone"},
    "out.col.bl_start": {"zh": "基线开始", "en": "Baseline start"},
    "out.col.bl_finish": {"zh": "基线完成", "en": "Baseline finish"},
    "out.col.fc_start": {"zh": "预测开始", "en": "Forecast start"},
    "out.col.fc_finish": {"zh": "预测完成", "en": "Forecast finish"},
    "out.col.variance": {"zh": "偏差", "en": "Var."},
    "out.col.total_float": {"zh": "总时差", "en": "Float"},
    "out.col.percent": {"zh": "完成", "en": "Done"},
    "out.col.days": {"zh": "天数", "en": "Days"},  # calendar days or working days: brief.days.note
    "out.col.new": {"zh": "新增", "en": "New"},
    "out.col.factor": {"zh": "要素编号", "en": "Factor"},
    "out.col.factor_kind": {"zh": "要素类别", "en": "Kind"},
    "out.col.factor_id": {"zh": "编号", "en": "ID"},
    "out.col.first_seen": {"zh": "首次发现", "en": "First seen"},
    "out.col.project_id": {"zh": "项目编号", "en": "Project ID"},
    "out.sheet.red": {"zh": "红灯清单", "en": "Red list"},
    "out.sheet.blockers": {"zh": "要素保障", "en": "Factor blockers"},
    "out.sheet.escalations": {"zh": "提请专题研究", "en": "Special meeting"},
    "out.sheet.all": {"zh": "全部问题", "en": "All findings"},
    "out.sheet.about": {"zh": "说明", "en": "About"},
    "out.sheet.title": {"zh": "{title} · {section}（{n} 项）· 数据日期 {date}",
                        "en": "{title} · {section} ({n}) · data date {date}"},
    "out.sheet.new": {"zh": "新", "en": "new"},
    "out.sheet.week": {"zh": "调度周", "en": "Week"},
    "out.sheet.data_date": {"zh": "数据日期", "en": "Data date"},
    "out.sheet.generated": {"zh": "生成时间", "en": "Generated"},
    # a stored report row the week's overlay skipped (scheduler/core/reports.py), said by the run
    "report.note": {"zh": "第{id}号报表（{unit} {week} 第{version}版）{item}：{what}，未采用",
                    "en": "report {id} ({unit} {week} v{version}) {item}: {what}, not applied"},
    "report.note.week": {"zh": "周次无法识别", "en": "week not recognised"},
    "report.note.year": {"zh": "投资不在项目的计划年度内", "en": "investment outside the project's plan year"},
    "report.note.total": {"zh": "{amount} 万元将超过项目总投资 {total} 万元",
                          "en": "{amount} 万元 would exceed the project's total investment {total}"},
    "report.note.gone": {"zh": "项目中已无此项（{kind}）", "en": "no such {kind} any more"},
    "report.note.bad": {"zh": "{detail}", "en": "{detail}"},
    "report.note.investment": {"zh": "项目 {project}：填报的投资未采用（{detail}）",
                               "en": "project {project}: reported investment not applied ({detail})"},
    "cli.warning": {"zh": "提示：{text}", "en": "warning: {text}"},
    "cli.warning.project": {"zh": "{project}：{text}", "en": "{project}: {text}"},
    "out.note.provisional": {
        "zh": "日历“{title}”（{name}）：{years}年的国务院节假日安排尚未公布，相关日期按暂行规则推算"
              "（仅计可推算的法定节假日，不含调休）；公布后补入 calendar/{name}.toml 即可。",
        "en": "calendar {name}: {years} scheduled on the provisional rule; add the announced arrangement to "
              "calendar/{name}.toml"},
    # config.toml refused (scheduler/io/config.py): `ITEM: RULE (got VALUE)`, one line
    "config.refused": {"zh": "{item}：{rule}（实际为 {got}）", "en": "{item}: {rule} (got {got})"},
    "config.refused.key": {"zh": "{item}：{rule}", "en": "{item}: {rule}"},
    "config.rule.unknown": {"zh": "未知的配置项（是否拼写有误？）", "en": "unknown key (misspelt?)"},
    "config.rule.table": {"zh": "须为表（[节]）", "en": "must be a table ([section])"},
    "config.rule.int": {"zh": "须为 {lo} 到 {hi} 之间的整数", "en": "must be an integer between {lo} and {hi}"},
    "config.rule.number": {"zh": "须为 {lo} 到 {hi} 之间的数", "en": "must be a number between {lo} and {hi}"},
    "config.rule.bool": {"zh": "须为 true 或 false（不加引号）", "en": "must be true or false (without quotes)"},
    "config.rule.text": {"zh": "须为文本", "en": "must be text"},
    "config.rule.path": {"zh": "须为文件夹路径（非空文本，不含控制字符）",
                         "en": "must be a folder path (non-empty text without control characters)"},
    "config.rule.database_url": {"zh": "须为数据库 URL（如 postgresql+psycopg://用户@主机/库）或留空",
                                 "en": "must be a database URL (such as postgresql+psycopg://user@host/db) or empty"},
    "config.rule.calendar": {"zh": "须为 calendar/ 下的日历名（字母、数字、_ 或 -）",
                             "en": "must be the name of a calendar under calendar/ (letters, digits, _ or -)"},
    "config.rule.cron": {"zh": "须为五段 crontab 表达式（如 \"30 8 * * mon\"）",
                         "en": "must be a five-field crontab expression (such as \"30 8 * * mon\")"},
    "config.rule.timezone": {"zh": "须为 IANA 时区名（如 Asia/Shanghai）",
                             "en": "must be an IANA time zone name (such as Asia/Shanghai)"},
    "config.rule.week": {"zh": "须为 ISO 周次（如 \"2026-W49\"）或留空",
                         "en": "must be an ISO week (e.g. \"2026-W49\") or empty"},
    "config.rule.deadline": {"zh": "须为星期几和时刻（如 \"fri 17:00\"）",
                             "en": "must be a weekday and a time (e.g. \"fri 17:00\")"},
    "config.rule.portfolio": {"zh": "须为组合标识（1 到 64 个字母、数字、_ . -）",
                              "en": "must be a portfolio key (1 to 64 letters, digits, _ . -)"},
    "config.rule.language": {"zh": "须为 \"zh\" 或 \"en\"", "en": "must be \"zh\" or \"en\""},
    "config.rule.host": {"zh": "须为主机名或 IP 地址", "en": "must be a host name or IP address"},
    "config.rule.sender": {"zh": "须为一个邮箱地址", "en": "must be an e-mail address"},
    "config.rule.email": {"zh": "须为邮箱地址或邮箱地址列表", "en": "must be an e-mail address or a list of them"},
    "config.rule.secret": {"zh": "须为钉钉机器人加签密钥（SEC 开头的可见字符）",
                           "en": "must be the DingTalk robot's signing secret (printable characters, SEC…)"},
    "config.rule.mobiles": {"zh": "须为手机号码列表", "en": "must be a list of mobile numbers"},
    "config.rule.url": {"zh": "须为 http:// 或 https:// 开头的网址", "en": "must be a URL starting with http:// or https://"},
    "config.rule.unit_name": {"zh": "单位名称须为非空文本，不含控制字符",
                              "en": "a unit's name must be non-empty text without control characters"},
    "config.rule.order": {"zh": "不得小于 {other}（{other_value}）",
                          "en": "must not be less than {other} ({other_value})"},
}


# the weekly digest per unit (delivery/messages.py)
STRINGS.update({
    "digest.subject": {"zh": "【周调度提醒】截至{date} {unit}：红灯{red}项、黄灯{yellow}项",
                       "en": "[Weekly dispatch] as of {date}, {unit}: {red} red, {yellow} yellow"},
    "digest.intro": {"zh": "县发改局重大项目周调度（截至{date}）涉及贵单位的事项共{n}项："
                           "红灯{red}项（本周新增{new}项），黄灯{yellow}项。按紧急程度排列如下。",
                     "en": "The weekly project dispatch (as of {date}) lists {n} items of your unit: {red} red ({new} "
                           "new this week), {yellow} yellow, most urgent first."},
    "digest.first": {"zh": "请首先办理：{item}——{message}。{todo}", "en": "Act first on: {item}: {message}. {todo}"},
    "digest.red": {"zh": "一、红灯事项（{n}项）", "en": "Red items ({n})"},
    "digest.yellow": {"zh": "二、黄灯事项（{n}项）", "en": "Yellow items ({n})"},
    "digest.escalation": {"zh": "【提请县政府专题研究】{project}：{n}项红灯事项已连续{weeks}周未解决，将提请县政府"
                                "专题研究，请于会前准备情况说明（问题、原因、需协调事项）。",
                          "en": "[Escalated] {project}: {n} red items unresolved for {weeks} weeks go to the county "
                                "government's special meeting: prepare a note (problem, cause, what needs "
                                "coordination)."},
    "digest.mark.new": {"zh": "【新】", "en": "[new] "},
    "digest.mark.weeks": {"zh": "【连续{weeks}周红灯】", "en": "[red {weeks} weeks] "},
    "digest.tail": {"zh": "请于下次周调度会（{date}）前报送进展；本单位问题清单见附件（Excel）。",
                    "en": "Please report progress before the next meeting ({date}); your part of the problem list "
                          "is attached (Excel)."},
    "digest.symptoms": {"zh": "（连带 {n} 项）", "en": " ({n} knock-on items)"},
    "digest.col.todo": {"zh": "办理要求", "en": "What to do"},
    "digest.supervision": {"zh": "县政府督查室", "en": "County supervision office"},
    "copy.subject": {"zh": "【抄送】截至{date} 提请县政府专题研究事项{n}项",
                     "en": "[Copy] as of {date}: {n} matters for the county government's special meeting"},
    "copy.intro": {"zh": "县发改局重大项目周调度（截至{date}）提请县政府专题研究的事项共{n}项，抄送如下：",
                   "en": "The weekly project dispatch (as of {date}) takes {n} matters to the county government's "
                         "special meeting:"},
    "copy.item": {"zh": "{k}. {project} · {id}（责任单位：{unit}）\n事由：{reason}\n需协调事项：{matters}\n"
                        "建议：{proposal}",
                  "en": "{k}. {project} · {id} (responsible: {unit})\nWhy: {reason}\nTo coordinate: {matters}\n"
                        "Proposal: {proposal}"},
    "digest.more": {"zh": "……另有{n}项未列出，完整内容见：{where}", "en": "… {n} more items; the full digest: {where}"},
    "digest.at.email": {"zh": "发给本单位的周调度邮件及其附件 {file}",
                        "en": "the unit's weekly e-mail and its attachment {file}"},
    "digest.at.outbox": {"zh": "发件箱 {folder} 中本单位{week}的邮件（附件 {file}）",
                         "en": "the unit's {week} e-mail in the outbox {folder} (attachment {file})"},
    "digest.at.office": {"zh": "县发改局周调度通报及问题清单", "en": "the bureau's weekly brief and problem list"},
})

# the weekly brief (outputs/brief.py: 周调度通报)
STRINGS.update({
    "projects.status": {"zh": "红灯 {red} 项、黄灯 {yellow} 项", "en": "{red} red, {yellow} yellow"},
    "projects.status.escalated": {"zh": " · 提请专题研究", "en": " · escalated"},
    "projects.ok": {"zh": "正常", "en": "on track"},
    "projects.not_run": {"zh": "尚未调度", "en": "not run yet"},
    "printout.no_leader": {"zh": "没有由“{leader}”包联的项目", "en": "no project names the county leader {leader!r}"},
    "printout.no_project": {"zh": "本周调度中没有项目 {ids}", "en": "no project {ids} in this week's run"},
    "brief.title": {"zh": "重大项目周调度通报", "en": "Major projects: weekly brief"},
    "brief.title.leader": {"zh": "（{leader}包联项目）", "en": " (projects of {leader})"},
    "brief.issue": {"zh": "{year}年第{n}期", "en": "{year}, no. {n}"},
    "brief.byline": {"zh": "{office}　　截至{date}", "en": "{office}, as of {date}"},
    "brief.office": {"zh": "县发改局（重大项目工作专班办公室）",
                     "en": "County Development and Reform Bureau (task force office)"},
    "brief.running_head": {"zh": "{title} · 截至{date}", "en": "{title} · as of {date}"},
    "brief.section": {"zh": "{n}、{title}", "en": "{n}. {title}"},
    "brief.overview": {"zh": "总体情况", "en": "Overview"},
    "brief.problems": {"zh": "问题清单（红灯事项）", "en": "Problem list (red items)"},
    "brief.progress": {"zh": "项目进展（本周进展 / 下周计划）", "en": "Progress (this week / next week)"},
    "brief.ten_day": {"zh": "以旬保月、以月保季、以季保年（万元；本旬为旬末应完成）",
                      "en": "Dekad, month, quarter, year (10k CNY; the dekad: due by its end)"},
    "brief.escalations": {"zh": "提请县政府专题研究", "en": "For the county government's special meeting"},
    "brief.missing": {"zh": "未按时报送单位", "en": "Units that did not report"},
    "brief.missing.tail": {"zh": "。请以上单位于下次调度会前补报。",
                           "en": ". Please report before the next meeting."},
    "brief.closed": {"zh": "本周办结", "en": "Closed this week"},
    "brief.closed.item": {"zh": "{project}{item}", "en": "{project}: {item}"},
    "brief.overview.projects": {"zh": "本期调度重大项目{n}个，其中红灯{red}个、黄灯{yellow}个、绿灯{green}个。",
                                "en": "{n} projects this week: {red} red, {yellow} yellow, {green} green. "},
    "brief.overview.investment": {
        "zh": "年度计划投资{annual}万元，截至{date}序时计划投资{plan}万元，完成投资{done}万元，为序时进度的{pct}、"
              "年度计划的{pa}。",
        "en": "Annual plan {annual} (10k CNY); planned to {date} {plan}, completed {done}: {pct} of the plan to "
              "date, {pa} of the year. "},
    "brief.overview.items": {
        "zh": "本周需协调推进事项{n}项，其中红灯{red}项（涉及{projects}个项目）、黄灯{yellow}项",
        "en": "{n} items need action, {red} of them red (in {projects} projects) and {yellow} yellow"},
    "brief.overview.changes": {"zh": "；较上周新增{new}项、办结{closed}项、持续{persisting}项",
                               "en": "; since last week {new} new, {closed} closed, {persisting} still open"},
    "brief.overview.tail": {"zh": "。要素保障待批事项{blockers}项，提请县政府专题研究{esc}项。",
                            "en": ". {blockers} approvals pending; {esc} matters for the county government."},
    "brief.overview.missing": {"zh": "{n}个单位未按时报送本周进展。",
                               "en": " {n} units did not report this week."},
    "brief.col.count": {"zh": "个数", "en": "Count"},
    "brief.col.projects": {"zh": "项目", "en": "Projects"},
    "brief.col.no": {"zh": "序号", "en": "No."},
    "brief.col.problem": {"zh": "问题", "en": "Problem"},
    "brief.col.unit": {"zh": "责任单位", "en": "Unit"},
    "brief.col.due": {"zh": "完成时限", "en": "Due"},
    "brief.col.coord": {"zh": "需协调事项", "en": "To coordinate"},
    "brief.col.percent": {"zh": "形象进度", "en": "Progress"},
    "brief.col.this_week": {"zh": "本周进展", "en": "This week"},
    "brief.col.next_week": {"zh": "下周计划", "en": "Next week"},
    "brief.none.red": {"zh": "本周无红灯事项。", "en": "No red items this week."},
    "brief.yellow.listed": {"zh": "上表第{rows}项为黄灯问题，因其下有红灯事项（如逾期的要素审批）一并列出。",
                            "en": "Rows {rows} above are yellow problems, listed for a red item under them "
                                  "(such as an overdue approval)."},
    "brief.yellow": {"zh": "另有黄灯事项{n}项（涉及{projects}个项目），见问题清单（Excel）。",
                     "en": "Also {n} yellow items (in {projects} projects): see the problem list workbook."},
    "brief.days.seven": {"zh": "{n}天", "en": "{n} days"},
    "brief.days.note": {"zh": "滞后天数：施工日历（每天施工，春节停工）的项目按日历天计，机关日历的项目按工作日计。",
                        "en": "Days late: calendar days for projects on the construction calendar (every day but "
                              "the Spring Festival break), working days on the office calendar."},
    "brief.problem.more": {"zh": "受前序节点影响，{n}个后续节点推迟，其中",
                           "en": "{n} later milestones held up by earlier ones; the worst, "},
    "brief.days.working": {"zh": "{n}个工作日", "en": "{n} working days"},
    "brief.before": {"zh": "{date}前", "en": "by {date}"},
    "brief.verb.start": {"zh": "开始", "en": "start"},
    "brief.verb.finish": {"zh": "完成", "en": "finish"},
    "brief.state.not_started": {"zh": "至今未开始，", "en": "not started yet, "},
    "brief.state.not_finished": {"zh": "至今未完成，", "en": "not finished yet, "},
    "brief.problem.milestone": {"zh": "{name}：原定{planned}{verb}，{state}预计{forecast}{verb}",
                                "en": "{name}: planned to {verb} on {planned}, {state}forecast {forecast}"},
    "brief.problem.event": {"zh": "原定{planned}{name}，预计{forecast}{name}",
                            "en": "{name}: planned {planned}, forecast {forecast}"},
    "brief.problem.late": {"zh": "，滞后{days}", "en": ", {days} late"},
    "brief.problem.deadline": {"zh": "，将突破{date}的时限要求", "en": ", missing the {date} deadline"},
    "brief.problem.factor": {"zh": "{req}（{kind}）{status}，{milestone}需于{needed}具备条件，预计批复{expected}",
                             "en": "{req} ({kind}) {status}; {milestone} needs it by {needed}; expected {expected}"},
    "brief.problem.overdue": {"zh": "，已逾期{days}", "en": ", overdue by {days}"},
    "brief.problem.investment": {"zh": "年度投资完成{done}万元，序时计划{plan}万元，为序时进度的{pct}",
                                 "en": "investment {done} against {plan} planned to date ({pct})"},
    "brief.expected.unknown": {"zh": "时间未明确", "en": "not known"},
    "brief.due.report": {"zh": "{date}前报措施", "en": "plan by {date}"},
    "brief.coord.escalated": {"zh": "提请专题研究", "en": "to the county government"},
    "brief.progress.done": {"zh": "完成{name}", "en": "finished {name}"},
    "brief.progress.going": {"zh": "{name}完成{pct}%", "en": "{name} {pct}% done"},
    "brief.progress.none": {"zh": "本周无节点完成", "en": "no milestone finished"},
    "brief.plan.start": {"zh": "{date}开始{name}", "en": "start {name} on {date}"},
    "brief.plan.finish": {"zh": "{date}完成{name}", "en": "finish {name} on {date}"},
    "brief.plan.next": {"zh": "推进{name}（预计{date}完成）", "en": "{name} (forecast {date})"},
    "brief.progress.event": {"zh": "已{name}", "en": "{name} reached"},
    "brief.plan.event": {"zh": "预计{date}{name}", "en": "{name} forecast on {date}"},
    "brief.plan.complete": {"zh": "各节点已完成", "en": "all milestones done"},
    "brief.escalation": {
        "zh": "{k}. {project}（{unit}，{leader}）：{n}个问题提请研究{refs}，主要是{reason}。需协调事项：{matters}；"
              "建议：{proposal}。",
        "en": "{k}. {project} ({unit}, {leader}): {n} problems to decide{refs}, mainly {reason}. To coordinate: "
              "{matters}; proposal: {proposal}."},
    "brief.escalations.intro": {
        "zh": "以下问题连续多周红灯或需县级协调，提请县政府专题研究，明确责任单位和完成时限：",
        "en": "These problems have stayed red for weeks or need the county's help: for the county government to "
              "decide who does what by when:"},
    "brief.escalation.refs": {"zh": "（问题清单第{a}项）", "en": " (problem list nos. {a})"},
    "brief.escalation.ref": {"zh": "（问题清单第{a}项）", "en": " (problem list no. {a})"},
    "brief.footer": {"zh": "生成时间：{generated}（{tz}）。附件：问题清单（Excel）；"
                           "项目明细见附件本（dispatch printout --annex）。",
                     "en": "Generated {generated} ({tz}). Attached: problem list (Excel); project pages in the annex "
                           "(dispatch printout --annex)."},
})

# the problem list (问题清单, core/problems.py): kinds, statuses, what is wrong, what it drags,
# the `dispatch problems` table and the printout's/sheet's problem sections
PROBLEM_STRINGS: dict[str, dict[str, str]] = {
    "problem.kind.factor": {"zh": "要素保障", "en": "Factor approval"},
    "problem.kind.milestone": {"zh": "节点滞后", "en": "Milestone late"},
    "problem.kind.deadline": {"zh": "时限节点", "en": "Deadline at risk"},
    "problem.kind.investment": {"zh": "投资序时进度", "en": "Investment vs plan"},
    "problem.kind.physical": {"zh": "形象序时进度", "en": "Physical progress vs plan"},
    "problem.kind.manual": {"zh": "反映问题", "en": "Raised by hand"},
    "problem.kind.payment": {"zh": "资金支付序时进度", "en": "Fund payment vs plan"},
    "problem.kind.statistics": {"zh": "入库纳统", "en": "Statistics registration"},
    "problem.kind.quantity": {"zh": "实物量序时进度", "en": "Quantities vs plan"},
    "problem.status.open": {"zh": "办理中", "en": "open"},
    "problem.status.done": {"zh": "已办结", "en": "done"},
    "problem.status.closed": {"zh": "销号", "en": "closed"},
    "problem.what.factor": {"zh": "{kind}：{fname}（{fid}）未批复，{mname}（{mid}）所需{when}；预计批复：{expected}",
                            "en": "{kind}: {fname} ({fid}) not approved; {mname} ({mid}){when}; expected {expected}"},
    # {days}: brief.days.seven (天) on a calendar working every day, else brief.days.working (个工作日)
    # ... {when}: empty for a problem with no size this week (已办结)
    "problem.what.factor.overdue": {"zh": "，已逾期{days}", "en": " needed it {days} ago"},
    "problem.what.factor.due_in": {"zh": "，尚余{days}", "en": " needs it in {days}"},
    "problem.what.milestone": {"zh": "{mname}（{mid}）滞后{days}",
                               "en": "{mname} ({mid}) {days} late"},
    "problem.what.item": {"zh": "{mname}（{mid}）", "en": "{mname} ({mid})"},  # no size this week (已办结)
    "problem.what.deadline": {"zh": "{mname}（{mid}）时限节点有延误风险",
                              "en": "{mname} ({mid}): deadline at risk"},
    "problem.what.investment": {"zh": "投资完成落后序时进度 {points} 个百分点",
                                "en": "investment {points} points behind the time-proportional plan"},
    "problem.what.payment": {"zh": "资金支付落后序时进度 {points} 个百分点",
                             "en": "fund payment {points} points behind the time-proportional plan"},
    "problem.what.statistics": {"zh": "已开工，尚未入库纳统", "en": "commenced, not yet registered for statistics"},
    "problem.what.quantity": {"zh": "实物量落后序时进度", "en": "quantities behind the time-proportional plan"},
    "problem.what.physical": {"zh": "形象进度落后序时进度 {points} 个百分点",
                              "en": "physical progress {points} points behind the time-proportional plan"},
    "problem.blocker": {"zh": "；堵点：{text}", "en": "; blocker: {text}"},
    "problem.held_by": {"zh": "（该节点另待 {other} 批复，本项暂不单独影响工期）",
                        "en": " (the milestone waits longer for {other}: this one costs no time on its own yet)"},
    "problem.drags": {"zh": "带动 {n} 个节点滞后", "en": "drags {n} milestones"},
    "problem.drags.deadline": {"zh": "{mname}（{mid}，{by}{what}）{days}",  # {by}: 10月底前 (brief.before)
                               "en": "{mname} ({mid}, {what} {by}) by {days}"},
    "problem.drags.deadlines": {"zh": "影响时限：{items}", "en": "costs deadlines: {items}"},
    "problem.start": {"zh": "开始", "en": "start"},
    "problem.finish": {"zh": "完成", "en": "finish"},
    "problem.symptoms": {"zh": "{n} 项", "en": "{n}"},
    "problem.exempt": {"zh": "正当理由（{by}）：{reason}", "en": "justified ({by}): {reason}"},
    # a problem's history (its events): what was done, as the office says it
    "problem.action.raise": {"zh": "提出", "en": "raised"},
    "problem.action.close": {"zh": "销号", "en": "closed"},
    "problem.action.reopen": {"zh": "重新打开", "en": "reopened"},
    "problem.action.exempt": {"zh": "豁免", "en": "exempted"},
    "problem.action.unexempt": {"zh": "取消豁免", "en": "exemption withdrawn"},
    "problem.action.escalate": {"zh": "提请县政府专题研究", "en": "escalated"},
    "problem.action.decide": {"zh": "记录研究意见", "en": "decision recorded"},
    "problem.action.merge": {"zh": "并入", "en": "merged"},
    "problem.action.answer": {"zh": "单位答复", "en": "answered"},
    "problem.action.edit": {"zh": "修改", "en": "edited"},
    "problem.closed": {"zh": "{by} 于 {at} 销号：{reason}", "en": "closed by {by} on {at}: {reason}"},
    "problem.decision": {"zh": "县政府专题研究意见：{text}", "en": "county meeting decided: {text}"},
    "problem.refused.reason": {"zh": "必须填写理由（--reason）", "en": "a reason is required (--reason)"},
    "problems.title": {"zh": "{week}问题清单（{n} 项，红灯 {red} 项）",
                       "en": "Problem list {week} ({n}, {red} red)"},
    "problems.none": {"zh": "本周无问题", "en": "no problems this week"},
    "problems.col.id": {"zh": "编号", "en": "ID"},
    "problems.col.what": {"zh": "问题", "en": "Problem"},
    "problems.col.status": {"zh": "状态", "en": "Status"},
    "problems.col.due": {"zh": "完成时限", "en": "Due"},
    "problems.col.symptoms": {"zh": "计入表现", "en": "Symptoms"},
    "problems.col.drags": {"zh": "带动", "en": "Drags"},
    "out.glance.problems": {"zh": "问题清单", "en": "Problem list"},
    "out.glance.problems.value": {"zh": "{n} 项，其中红灯 {red} 项（计入其下的表现 {findings} 项）",
                                  "en": "{n}, {red} red ({findings} findings counted under them)"},
    "problems.col.escalate": {"zh": "提请研究", "en": "Escalate"},
    "problems.col.weeks_red": {"zh": "连续红灯周数", "en": "Weeks red"},
    "problems.col.measures": {"zh": "整改措施", "en": "Measures"},
    "problems.col.person": {"zh": "责任人", "en": "Person"},
    "problems.col.partners": {"zh": "配合单位", "en": "Partners"},
    "problems.col.county": {"zh": "需县级协调", "en": "County help"},
    "problems.escalate.reason": {"zh": "{what}；{weeks}", "en": "{what}; {weeks}"},
    "problems.escalate.weeks": {"zh": "已连续 {n} 周红灯", "en": "red for {n} weeks running"},
    "problems.escalate.county": {"zh": "责任单位提出需县级协调", "en": "the unit asks for the county's help"},
    "problems.escalate.matters": {"zh": "请县政府协调{unit}{partners}加快办理",
                                  "en": "the county to press {unit}{partners}"},
    "problems.escalate.proposal": {"zh": "明确完成时限，纳入县级督办，每周调度",
                                   "en": "set a date; county-level supervision, weekly follow-up"},
    "problem.done": {"zh": "已记录：{id} {action}", "en": "recorded: {id} {action}"},
    "problem.raised": {"zh": "已登记问题 {id}", "en": "problem {id} raised"},
    "out.sheet.problems": {"zh": "问题清单", "en": "Problem list"},
    "out.pdf.problems": {"zh": "问题清单（按根源归并，表现计入其下）",
                         "en": "Problem list (root causes, symptoms under them)"},
}
STRINGS.update(PROBLEM_STRINGS)


# errors as the CLI and the service log print them (error_text below): a Chinese name per kind,
# else per class, so every line under zh says in Chinese what went wrong
ERROR_KINDS: dict[str, str] = {
    "user-exists": "账号已存在",
    "weak-password": "密码过短",
    "bad-login": "账号或密码错误",
    "throttled": "登录失败次数过多",
    "control-character": "含有控制字符",
    "not-a-file": "不是普通文件",
    "too-large": "文件过大",
    "zip-bomb": "文件解压后过大（疑似压缩炸弹）",
    "formula": "单元格含公式",
    "not-sender": "报送单位不符",
    "no-database": "数据库不存在，未自动新建",
    "outputs-unwritten": "输出文件无法写入",
    "bad-calendar": "日历文件有误",
    "database-unreachable": "数据库无法连接",
    "date-out-of-range": "日期超出日历范围",
    "bad-value": "取值有误",
    "bad-layout": "表格格式有误",
    "bad-investment": "投资数据有误",
    "bad-fund": "资金数据有误",
    "bad-money": "金额有误",
    "bad-quantity": "实物量有误",
    "bad-stage": "项目阶段有误",
    "bad-statistics": "入库纳统状态有误",
    "future-date": "日期晚于报表周",
    "unknown-fund": "未知的资金来源",
    "unknown-quantity": "未知的实物量指标",
    "bad-xer": "XER 文件有误",
    "unreadable": "文件无法读取",
    "unknown-calendar": "未知的日历",
    "toml-syntax": "TOML 语法错误",
    "bad-link": "搭接关系有误",
    "no-project": "没有该项目",
    "duplicate-project": "项目编号重复",
    "bad-date": "日期有误",
    "unknown-project": "未知的项目",
    "unknown-predecessor": "未知的前置节点",
    "missing-name": "缺少名称",
    "encoding": "文件编码不是 UTF-8",
    "bad-relation-type": "搭接类型有误",
    "bad-option": "参数有误",
    "bad-database-url": "数据库地址有误",
    "write-refused": "数据库拒绝写入",
    "unknown-version": "未知的版本",
    "unknown-unit": "未登记的单位",
    "unknown-milestone": "未知的节点",
    "truncated": "文件不完整",
    "no-run": "没有该周的调度运行",
    "missing-id": "缺少编号",
    "exists": "已存在",
    "bad-task": "任务有误",
    "bad-project": "项目有误",
    "bad-percent": "完成百分比有误",
    "bad-milestone": "节点有误",
    "bad-id": "编号有误",
    "bad-factor": "要素有误",
    "xml-dtd": "XML 含 DTD（拒绝处理）",
    "unwritable": "无法写入",
    "unknown-format": "未知的文件格式",
    "unknown-factor": "未知的要素",
    "unit-required": "须指定单位",
    "run-locked": "另一个周调度正在运行",
    "reason-required": "须说明原因",
    "read-failed": "读取失败",
    "percent-without-start": "有完成百分比却没有实际开始日期",
    "not-xml": "不是 XML 文件",
    "not-xlsx": "不是 Excel（.xlsx）文件",
    "not-xer": "不是 XER 文件",
    "not-mspdi": "不是 MS Project XML 文件",
    "no-such-file": "文件不存在",
    "no-projects": "尚未导入项目",
    "no-problem": "没有该问题",
    "no-leader": "没有该县领导包联的项目",
    "no-fallback-font": "缺少后备字体",
    "no-config": "找不到配置文件",
    "no-cjk-font": "缺少中文字体",
    "missing-start": "缺少开始日期",
    "missing-project-id": "缺少项目编号",
    "missing-project": "缺少项目",
    "missing-milestone-id": "缺少节点编号",
    "missing-milestone": "缺少节点",
    "missing-kind": "缺少类别",
    "missing-factor-id": "缺少要素编号",
    "migration-failed": "数据库升级失败",
    "finish-without-start": "有实际完成日期却没有实际开始日期",
    "duplicate-row": "行重复",
    "duplicate-milestone": "节点编号重复",
    "duplicate-link": "搭接关系重复",
    "duplicate-factor": "要素编号重复",
    "description-required": "须填写问题描述",
    "cycle": "节点网络有循环",
    "bad-config": "配置有误",
    "permission": "无权填报",
    "bad-duration": "工期有误",
    "bad-lag": "搭接时距有误",
    "finish-before-start": "实际完成早于实际开始",
    "complete-without-finish": "已完成却没有实际完成日期",
    "bad-project-id": "项目编号有误",
    "bad-factor-status": "要素状态有误",
    "bad-weight": "权重有误",
    "bad-lead-unit": "牵头单位有误",
    "bad-units": "责任单位有误",
    "bad-fund-kind": "资金来源类别有误",
    "missing-fund-id": "缺少资金来源编号",
    "missing-quantity-id": "缺少实物量指标编号",
    "duplicate-fund": "资金来源编号重复",
    "duplicate-quantity": "实物量指标编号重复",
    "no-investment-plan": "没有投资计划",
    "bad-week": "周次有误",
    "bad-status": "状态有误",
    "bad-text": "文字有误",
    "bad-yesno": "是否栏有误",
    "not-responsible": "无权填报该事项",
    "unknown-problem": "未知的问题",
    "no-user": "没有该账号",
    "changed-meanwhile": "项目在读取期间被修改",
    "project-of-other-portfolio": "项目属于另一项目库",
    "bad-merge": "问题合并有误",
    "bad-action": "操作有误",
    "answer-required": "须填写答复",
    "bad-role": "角色有误",
    "negative-lag": "搭接有提前量（负时距）",
    "unknown-successor": "未知的紧后作业",
    "no-milestones": "没有可保留的里程碑",
    "no-tasks": "没有任务",
    "already-closed": "问题已销号",
    "unreadable-font": "字体文件无法读取",
    "bad-username": "账号名有误",
    "usage": "命令行用法有误",
}
ERROR_CLASSES: dict[str, str] = {
    "ProjectFileError": "项目文件有误",
    "CycleError": "节点网络有循环",
    "CalendarError": "日历文件有误",
    "ConfigError": "配置有误",
    "ReportError": "报表有误",
    "PermissionRefused": "无权填报该事项",
    "StorageError": "数据库错误",
    "RunLocked": "周调度正在运行",
    "NotFound": "未找到",
    "AccountError": "账号有误",
    "DispatchError": "出错",
    "FontError": "字体缺失",
    "InteropError": "进度计划文件有误",
    "ProblemError": "问题操作有误",
    "OutputError": "输出文件无法写入",
}


# the Chinese detail of an error line (error_detail below): `err.<kind>` or `err.<kind>.<case>`,
# filled with the error's params; the English detail is the error's own message
ERROR_DETAILS: dict[str, str] = {
    # project files (io/projectfile.py, core/model.py)
    "err.missing-project": "文件中没有 [project] 表",
    "err.missing-project-id": "[project] 缺少编号 id，或 id 不是文字",
    "err.missing-name.project": "[project] 的名称 name 缺失或为空",
    "err.missing-name.milestone": "节点须有非空的名称 name",
    "err.missing-start": "[project] 缺少开始日期 start（项目最早开始日期）",
    "err.bad-units": "units 须为单位名称的列表",
    "err.bad-milestone": "节点须写成 [[milestone]] 表",
    "err.bad-factor": "要素须写成 [[factor]] 表",
    "err.bad-table": "{table} 须写成 [[{table}]] 表",
    "err.missing-milestone-id": "第 {n} 个节点没有编号 id",
    "err.missing-factor-id": "第 {n} 个要素没有编号 id",
    "err.missing-fund-id": "第 {n} 个资金来源没有编号 id",
    "err.missing-quantity-id": "第 {n} 个实物量指标没有编号 id",
    "err.required": "缺少必填项 {key}",
    "err.not-text": "{key} = {value} 应为文字",
    "err.not-one-of": "{key} = {value} 不是可选值（{choices}）之一",
    "err.control-character": "{key} 含有控制字符（{bad}）：名称和文字须为可打印字符",
    "err.bad-date": "{key} = {value} 不是日期（应为 YYYY-MM-DD）",
    "err.bad-id": "编号 {value} 不合规则（只能由字母、数字和 _ . - 组成，即 [A-Za-z0-9_.-]+）",
    "err.bad-project-id": "项目编号 {value} 不合规则（只能由字母、数字和 _ . - 组成，即 [A-Za-z0-9_.-]+）",
    "err.bad-lead-unit": "牵头单位 lead_unit = {value} 应为文字",
    "err.bad-link.not-list": "after = {value} 应为前置节点编号的列表，或 {{id, type, lag}} 表",
    "err.bad-link.no-id": "搭接关系 {value} 缺少前置节点编号 id",
    "err.bad-link.bad-item": "前置节点 {value} 应为编号或 {{id, type, lag}} 表",
    "err.bad-link.empty": "前置节点编号须为非空文字（实际为 {value}）",
    "err.bad-relation-type": "来自 {pred} 的搭接类型 {value} 不是 FS、SS、FF、SF 之一",
    "err.bad-lag.not-int": "来自 {pred} 的搭接时距 {value} 不是非负整数（工作日）",
    "err.bad-lag.too-big": "来自 {pred} 的搭接时距 {value} 超出任何日历的范围（最多 {limit} 个工作日）",
    "err.bad-duration.missing": "缺少工期 duration（非负整数，单位为工作日）",
    "err.bad-duration.not-int": "工期 duration = {value} 不是非负整数（工作日）",
    "err.bad-duration.too-big": "工期 {value} 超出任何日历的范围（最多 {limit} 个工作日）",
    "err.bad-percent": "完成百分比 percent = {value} 不是 0 到 100 之间的数",
    "err.finish-without-start": "填了实际完成日期 actual_finish，却没有实际开始日期 actual_start",
    "err.finish-before-start": "实际完成日期 {finish} 早于实际开始日期 {start}",
    "err.percent-without-start": "填了完成百分比 percent，却没有实际开始日期 actual_start",
    "err.complete-without-finish": "完成百分比为 100，却没有实际完成日期 actual_finish（已完成的节点须填实际完成日期）",
    "err.bad-weight": "权重 weight = {value} 须为正数",
    "err.cycle": "节点构成循环：{path}",
    "err.cycle.self": "节点 {id} 把自己列为前置节点",
    "err.duplicate-link": "前置节点 {pred} 以同一搭接类型 {type} 列了两次",
    "err.missing-kind": "要素须有类别 kind（用地、用林、用能、环评 …）",
    "err.missing-milestone": "要素须指明所挂的节点 milestone",
    "err.bad-factor-status": "要素状态 {value} 不是 未启动、办理中、已批复 之一",
    "err.duplicate-milestone": "节点编号 {id} 用了两次",
    "err.duplicate-factor": "要素编号 {id} 用了两次",
    "err.duplicate-fund": "资金来源编号 {id} 用了两次",
    "err.duplicate-quantity": "实物量指标编号 {id} 用了两次",
    "err.unknown-predecessor": "前置节点 {pred} 不是本项目的节点",
    "err.unknown-milestone.factor": "要素 {id} 所挂的节点 {milestone} 不存在",
    "err.unknown-milestone.quantity": "实物量指标 {id} 所挂的节点 {milestone} 不存在",
    "err.unknown-milestone.report": "项目 {project} 没有节点 {milestone}",
    "err.unknown-calendar": "日历 {value} 不存在（已有：{known}）",
    "err.unknown-calendar.key": "calendar = {value} 须为日历名称",
    "err.unknown-calendar.undefined": "日历 {value} 未在日历目录 calendar/ 中定义",
    "err.date-out-of-range.date": "{value} 超出日历 {calendar} 的范围（{first} 至 {last}）",
    "err.date-out-of-range.after": "日历 {calendar} 中 {value} 及以后没有工作日",
    "err.date-out-of-range.before": "日历 {calendar} 中 {value} 及以前没有工作日",
    "err.date-out-of-range.index": "第 {value} 个工作日超出日历 {calendar} 的范围（{first} 至 {last}）",
    "err.date-out-of-range.late": ("进度计划超过日历 {calendar} 的最后一天 {last}："
                                   "请缩短工期和搭接时距，或延长日历的年份范围"),
    "err.date-out-of-range.early": ("进度计划早于日历 {calendar} 的第一天 {first}："
                                    "请缩短工期和搭接时距，或延长日历的年份范围"),
    "err.bad-calendar.years-order": "first_year {first} 晚于 last_year {last}",
    "err.bad-calendar.official": "official = {value}：只支持 \"CN\"",
    "err.bad-calendar.closed": "closed = {value}：只支持 \"spring-festival\"（春节停工）",
    "err.bad-calendar.closed-base": "closed = \"spring-festival\" 须同时指定 base 日历",
    "err.bad-calendar.other-year": "[years.{year}] 列出了 {value}，不是该年的日期",
    "err.bad-calendar.no-work": "日历 {calendar} 没有工作日",
    "err.date-out-of-range": "{key} {value} 超出日历 {calendar} 的范围（{first} 至 {last}）",
    "err.duplicate-project": "项目编号 {id} 已被 {other} 使用",
    "err.no-such-file": "文件或文件夹不存在",
    "err.encoding": "不是 UTF-8 编码的文本（第 {byte} 个字节）",
    "err.bad-investment.table": "[investment] 须为表",
    "err.bad-investment.months": "investment.{key} 须为 \"YYYY-MM\" = 金额 的表",
    "err.bad-investment.completed-before": "completed_before = {value} 须为非负数",
    "err.bad-investment.total": "总投资 total = {value} 须为正数",
    "err.bad-investment.year": "投资年度 year = {value} 不是年份",
    "err.bad-investment.annual-plan": "年度计划投资 annual_plan = {value} 须为非负数",
    "err.bad-investment.month": "investment.{key} 的月份 {value} 不是 {year} 年内的 YYYY-MM",
    "err.bad-investment.amount": "investment.{key}[{month}] = {value} 须为非负数",
    "err.bad-investment.plan-sum": "investment.plan 各月合计 {sum}，与年度计划投资 annual_plan {plan} 不符",
    "err.bad-investment.year-outside": "报表周 {week} 不在投资计划年度 {year} 内",
    "err.bad-investment.over-total": "本周完成投资 {value} 万元，加上已完成的 {done} 万元，超过项目总投资 {total} 万元",
    "err.no-investment-plan": "项目 {project} 没有投资计划",
    "err.bad-fund.months": "{key} 须为 \"YYYY-MM\" = 金额 的表",
    "err.bad-fund.month": "{key} 的月份 {value} 不是 YYYY-MM",
    "err.bad-fund.amount": "{key}[{month}] = {value} 须为非负数",
    "err.bad-fund.total": "资金来源金额 amount = {value} 须为非负数",
    "err.bad-fund.received": "资金来源 {id}：到位 {received} 超过下达 {issued}（到位不能超过下达）{after}",
    "err.bad-fund.paid": "资金来源 {id}：支付 {paid} 超过到位 {received}（支付不能超过到位）{after}",
    "err.bad-fund-kind": "资金来源类别 {value} 不是可选值（{choices}）之一",
    "err.bad-quantity.name": "实物量指标 {id} 须有非空的 {key}",
    "err.bad-quantity.target": "实物量目标 target = {value} 须为正数",
    "err.bad-quantity.done": "实物量完成 done = {value} 须为非负数",
    "err.bad-quantity.plan": "实物量指标 {id} 须有所挂节点 milestone 或完成时限 finish_by（用于计算序时进度）",
    # calendar files (io/calendarfiles.py)
    "err.bad-calendar.dates": "{key} 须为日期列表",
    "err.bad-calendar.name": "日历文件须有名称 name",
    "err.bad-calendar.weekend": "weekend = {value} 须列出星期几（Mon 至 Sun）",
    "err.bad-calendar.years": "[years] 须为 [years.YYYY] 表",
    "err.bad-calendar.year": "[years.{key}] 不是年份表",
    "err.bad-calendar.int": "{key} 须为整数年份",
    "err.bad-calendar.loop": "日历的 base 链循环：{path}",
    "err.bad-calendar.named": "文件 {file} 定义的日历名为 {name}",
    # weekly report sheets (io/reports.py, app/ingest.py, the web form)
    "err.cell.not-date": "{item}{header}：{value} 不是日期（应为 YYYY-MM-DD）",
    "err.cell.date-range": "{item}{header}：{value} 超出日历年份范围（{first} 至 {last}）",
    "err.cell.not-number": "{item}{header}：{value} 不是数字",
    "err.cell.number-range": "{item}{header}：{value} 超出数值范围（绝对值不超过 {limit}）",
    "err.cell.percent-range": "{item}{header}：完成百分比 {value} 不在 0 到 100 之间",
    "err.cell.negative": "{item}{header}：{value} 不能为负数",
    "err.cell.yesno": "{item}{header}：{value} 应填“是”或“否”",
    "err.cell.enum": "{item}{header}：{value} 不是可选值（{choices}）之一",
    "err.cell.control": "{item}{header}：文字含有控制字符（{bad}）",
    "err.cell.too-long": "{item}{header}：文字有 {n} 个字符（最多 {limit} 个）",
    "err.bad-week": "{value} 不是 ISO 周（如 2026-W48）",
    "err.bad-week.range": "第 {value} 周超出日历年份范围（{first} 至 {last} 年）",
    "err.unknown-unit.template": "单位 {unit} 在已导入的项目中没有负责的节点、要素或投资（已有单位：{known}）",
    "err.unknown-unit": "单位 {unit} 未在 config.toml 的 [units] 中登记：只接收已登记单位的报表",
    "err.not-sender": "这是 {unit} 的报表，却由 {sender}（--unit）报送：各单位只能报送本单位的报表",
    "err.unreadable.missing": "文件不存在",
    "err.unreadable": "无法读取文件（{reason}）",
    "err.not-a-file": "不是普通文件（而是设备、管道、套接字或文件夹）：请给出 .xlsx 文件本身",
    "err.too-large": "文件有 {size} 字节，报表最多 {limit} 字节（[ingest] max_file_mb）",
    "err.not-xlsx": "不是可读取的 .xlsx 工作簿（文件已损坏，或不是 Excel 文件）",
    "err.zip-bomb.members": "工作簿含 {n} 个部件（最多 {limit} 个）：未读取即拒收",
    "err.zip-bomb.size": "工作簿解压后 {size} 字节（最多 {limit} 字节，[ingest] max_unpacked_mb）：未读取即拒收",
    "err.zip-bomb.ratio": ("部件 {part} 解压后是压缩大小的 {ratio} 倍（最多 {limit} 倍，[ingest] max_ratio）："
                           "未读取即拒收"),
    "err.formula": "单元格含公式（{value}）：请直接填写数值",
    "err.bad-layout.meta": ("不是周调度报表：缺少记录单位和周次的隐藏工作表 {sheet}"
                            "（请用 dispatch report-template 生成模板）"),
    "err.bad-layout.format": "工作表 {sheet} 不是本系统的周报表",
    "err.bad-layout.version": "报表格式版本 {value} 不是 {version}：请重新领取模板填写",
    "err.bad-layout.unit": "报表没有写明单位",
    "err.bad-layout.sheet": "缺少工作表 {sheet}（现有工作表：{sheets}）",
    "err.bad-layout.header": "第 {column} 列的表头应为 {header}，实际为 {got}：表格格式被改动",
    "err.bad-layout.form": "表单中没有类别为 {value} 的工作表",
    "err.control-character.unit": "单位名称含有控制字符（{bad}）",
    "err.missing-id.values": "该行填了数值，却没有项目编号和事项编号",
    "err.missing-id.row": "该行缺少项目编号或事项编号",
    "err.missing-id.answer": "该行填了答复，却没有问题编号",
    "err.duplicate-row": "{item} 已在第 {row} 行报过",
    "err.duplicate-row.twice": "{item} 报了两次",
    "err.duplicate-row.answer": "问题 {id} 已在第 {row} 行答复过",
    "err.unknown-project": "没有已导入的项目 {project}",
    "err.unknown-project.cli": "{value} 既不是文件，也不是 {folder} 中的项目编号",
    "err.unknown-factor": "项目 {project} 没有要素 {factor}",
    "err.unknown-fund": "项目 {project} 没有资金来源 {fund}",
    "err.unknown-quantity": "项目 {project} 没有实物量指标 {quantity}",
    "err.not-responsible": "{unit} 只能填报本单位负责的事项，以下 {n} 项不归其负责：{items}",
    "err.future-date": "入库/纳统日期 {value} 晚于报表周的星期日 {sunday}（入库/纳统日期不能晚于报表周）",
    # the command line and the database
    "err.no-config": "该文件不存在（可用 --config 或环境变量 DISPATCH_CONFIG 指明）",
    "err.no-projects": "尚未导入任何项目：请先运行 dispatch load projects/",
    "err.no-project": "没有已导入的项目 {project}",
    "err.no-run": "数据库中没有 {week} 的周调度运行（请运行 dispatch run）",
    "err.no-run.none": "数据库中还没有周调度运行（请运行 dispatch run）",
    "err.no-run.problems": "数据库中还没有问题清单（请运行 dispatch run）",
    "err.no-problem": "数据库中没有问题 {id}（dispatch problems 可列出全部问题）",
    "err.no-user": "没有账号 {user}",
    "err.run-locked": "另一个周调度（开始于 {started}）正在运行{waited}；请等它结束后再试（{freed}）",
    "err.database-unreachable": "{why}（驱动程序的原话：“{reason}”）",
    "err.database-unreachable.open": "无法连接数据库 {url}：{why}（驱动程序的原话：“{reason}”）",
    "err.database-unreachable.folder": "数据库无法连接：无法创建 {path} 所在的文件夹（{reason}）",
    "err.database-unreachable.jobs": "定时任务库无法连接：{why}（驱动程序的原话：“{reason}”）",
    "err.bad-database-url": "数据库地址 {url} 不是有效的数据库 URL",
    "err.bad-database-url.use": "无法使用数据库 {url}：不支持该数据库类型，或未安装其驱动程序（原话：“{reason}”）",
    "err.migration-failed": "无法准备数据库 {url}：{why}（驱动程序的原话：“{reason}”）",
    "err.write-refused": "数据库拒绝写入：{why}（驱动程序的原话：“{reason}”）",
    "err.read-failed": "无法读取数据库：{why}（驱动程序的原话：“{reason}”）",
    "err.no-database": "{url} 处没有调度数据库：新安装请运行 dispatch init 创建；原有数据库请恢复（未新建任何数据库）",
    "err.changed-meanwhile": "读取文件期间项目 {project} 在数据库中被修改：请重新导入",
    "err.outputs-unwritten": ("无法把输出文件写入 {folder}（{reason}）；本次运行已存入数据库："
                              "腾出空间后运行 dispatch printout"),
}
STRINGS.update({key: {"zh": text} for key, text in ERROR_DETAILS.items()})
OS_REASONS: dict[str, str] = {
    "ENOENT": "文件不存在", "EACCES": "没有权限", "EPERM": "操作不被允许", "EISDIR": "这是文件夹",
    "ENOTDIR": "路径中有一段不是文件夹", "ENOSPC": "磁盘已满", "EROFS": "只读文件系统", "EDQUOT": "超出磁盘配额",
    "EIO": "输入输出错误", "ENAMETOOLONG": "文件名过长", "ELOOP": "符号链接循环", "EMFILE": "打开的文件过多",
    "ETXTBSY": "文件正被使用", "EBUSY": "设备或资源忙", "ENXIO": "设备不存在", "EEXIST": "文件已存在",
}
"""An OSError's reason in Chinese, by its errno's name (errors.os_params)."""
DB_CAUSES: dict[str, str] = {
    "auth": "数据库拒绝了账号或密码（请核对 config.toml [database] url 中的用户名和密码）",
    "no-database": "数据库服务器上没有地址中所写的数据库（请核对库名，或先建库）",
    "host": "找不到数据库服务器（地址中的主机名无法解析）",
    "refused": "连不上数据库服务器（服务器未启动、地址或端口有误，或网络不通）",
    "too-many": "数据库服务器的连接数已满，请稍后再试",
    "disk-full": "数据库所在的磁盘已满（腾出空间后再试）",
    "read-only": "数据库文件或其所在磁盘是只读的（请检查文件权限或挂载方式）",
    "locked": "数据库正被其他程序锁住，等待超时",
    "not-a-database": "该文件不是数据库，或已损坏（请从备份恢复）",
    "cannot-open": "无法打开数据库文件（文件夹不存在或没有权限）",
    "io": "读写数据库文件时出现磁盘错误",
    "": "原因见驱动程序的原话",
}
"""The cause a database driver's reason names (store.db.db_cause), said in Chinese before the
driver's own words."""
STRINGS.update({
    "error.id.project": {"zh": "项目", "en": "project"},
    "error.id.milestone": {"zh": "节点", "en": "milestone"},
    "error.id.factor": {"zh": "要素", "en": "factor"},
})

INTEROP_DETAILS: dict[str, str] = {
    # schedule imports and exports (io/mspdi.py, io/xer.py, io/interop.py): the file's own element,
    # table and field names (SaveVersion, PredecessorUID, task_id, plan_start_date …) stay as written
    "err.not-xml.utf16": "不是 XML：UTF-16 编码的文本已损坏",
    "err.not-xml.parse": "不是格式正确的 XML（第 {column} 列；解析器原话：“{reason}”）",
    "err.xml-dtd": ("拒收：文件含 <!{token}> 声明。MS Project XML 没有这类声明，而实体声明可以无限膨胀（“XML 炸弹”）"
                    "或读取本机的其他文件，故不予读取"),
    "err.truncated.empty": "文件是空的",
    "err.truncated.xml": "XML 在最后一个元素闭合之前就结束了（文件不完整，可能只传了一部分）",
    "err.truncated.xer": "文件没有 %E 结束标记就结束了（文件不完整，可能只传了一部分）",
    "err.bad-value.datetime": "{what} 的值 {value} 不是日期时间",
    "err.bad-value.duration": "{what} 的值 {value} 不是 ISO 8601 时长（如 PT8H0M0S）",
    "err.bad-value.task-duration": "任务 {task} 的 {what} 值 {value} 不是 ISO 8601 时长（如 PT8H0M0S）",
    "err.bad-value.years": "{what} 的值 {value} 以年或月计：年、月不是工作时间",
    "err.bad-value.task-years": "任务 {task} 的 {what} 值 {value} 以年或月计：年、月不是工作时间",
    "err.bad-value.number": "{what} 的值 {value} 不是数字",
    "err.bad-value.xer-date": "{what} 的值 {value} 不是日期（应为 YYYY-MM-DD HH:MM）",
    "err.bad-value.exception-span": "日历例外 {first} 至 {last} 跨越十年以上",
    "err.not-mspdi": "根元素是 <{root}>，不是 MS Project 的 <Project>",
    "err.unknown-version.mspdi": "本程序不认识 MS Project XML 的版本 SaveVersion {value}（认识的版本：{known}）",
    "err.unknown-version.xer": "本程序不认识 P6 XER 的版本 {value}（认识 3.x 至 8.x、15.x 至 25.x）",
    "err.bad-task.no-uid": "有一个 <Task> 没有 <UID>",
    "err.bad-task.twice": "任务 UID {uid} 出现了两次",
    "err.bad-link.no-pred-uid": "任务 {task} 的 <PredecessorLink> 缺少 <PredecessorUID>",
    "err.unknown-predecessor.mspdi": "任务 {task}（UID {uid}）的前置任务 UID {pred} 不是本文件中的任务",
    "err.unknown-predecessor.task": "任务 {task} 的前置任务 {pred} 不是本文件中的任务",
    "err.unknown-predecessor.xer": "搭接关系 {relation} 的紧前作业 {id} 不在文件的 TASK 表中",
    "err.unknown-successor.xer": "搭接关系 {relation} 的紧后作业 {id} 不在文件的 TASK 表中",
    "err.bad-relation-type.mspdi": "任务 {task} 的搭接类型 {value} 不是 0 至 3（FF、FS、SF、SS）",
    "err.bad-relation-type.xer": "搭接类型 {value} 不是 PR_FS、PR_SS、PR_FF、PR_SF 之一",
    "err.bad-project.no-start": "文件没有项目开始日期 <StartDate>，也没有任何任务有开始日期 <Start>",
    "err.bad-project.xer": "项目 {project} 没有计划开始日期 plan_start_date，也没有任何作业有开始日期",
    "err.encoding.xer": ("无法按 {encoding} 编码读取文件（第 {byte} 个字节无法解码）："
                         "请确认 --encoding 给出的是文件实际的编码"),
    "err.encoding.xer-lookup": "不认识的编码名称 {encoding}（可用 utf-8、gb18030、cp1252 等）",
    "err.not-xer.xer": "不是 P6 XER 文件：文件开头不是 ERMHDR",
    "err.bad-xer.after-end": "%E 结束标记之后还有内容",
    "err.bad-xer.fields-first": "%F 字段行出现在任何 %T 表之前",
    "err.bad-xer.row-first": "%R 数据行出现在其表的 %F 字段行之前",
    "err.bad-xer.row-long": "表 {table} 的这一行有 {n} 个值，而该表只有 {fields} 个字段",
    "err.bad-xer.tag": "行首是 {tag}，不是 %T、%F、%R、%E 之一",
    "err.bad-xer.twice": "作业 task_id {id} 出现了两次",
    "err.no-project.xer": "XER 文件没有 PROJECT 表的数据行",
    "err.no-project.xer-flag": "XER 文件中没有要导出的项目（project_flag 为 Y 的项目）",
    "err.unknown-calendar.no-match": ("calendar/ 中没有与文件日历 {name} 工作日相同的日历，"
                                      "默认日历 {default} 也未定义：请用 --write-calendar 保留文件自己的日历"),
    "err.negative-lag": ("任务 {pred} 到 {succ} 的 {type} 搭接有提前量（负时距）{days} 个工作日，"
                         "而文件格式规范不允许负时距：可用 --leads clamp 按时距 0 导入"),
    "err.bad-lag.import": ("任务 {pred} 到 {succ} 的搭接时距 {value} 个工作日，"
                           "超出任何日历的范围（最多 {limit} 个工作日）"),
    "err.bad-duration.negative": "任务 {task} 的工期为负数",
    "err.cycle.import": "导入的任务网络有循环：{path}",
    "err.cycle.roll-up": "汇总到第 {level} 层 WBS 后的网络有循环：{path}",
    "err.cycle.milestones-only": "只保留里程碑后的网络有循环：{path}",
    "err.bad-option.keep": "--keep {value}：文件中没有该编号或代码的任务",
    "err.bad-option.level": "--level {value}：WBS 层级从 1 开始",
    "err.bad-option.project-id": "文件含 {n} 个项目，--project-id 只能为一个项目命名（不写则各项目沿用自己的编号）",
    "err.bad-option.out": "文件含 {n} 个项目：--out 须为存放各项目文件的文件夹",
    "err.bad-option.format": "--format {value}：只能是 mspdi 或 xer",
    "err.no-milestones": "文件中没有可保留的里程碑：请用 --keep 指明关键任务，或用 --level N 按 WBS 层级汇总",
    "err.no-tasks": "项目中没有任务",
    "err.bad-project-id.import": ("项目编号 {value} 不合规则（只能由字母、数字和 _ . - 组成）："
                                  "请用 --project-id 指定"),
    "err.date-out-of-range.import": "文件中的日期从 {value} 开始，早于日历 {calendar} 的范围（{first} 至 {last}）",
    "err.hint.write-calendar": "（--write-calendar 可保留文件自己的日历）",
    "err.unknown-format.import": "既不是 MS Project XML 文件（<Project …>），也不是 P6 XER 文件（ERMHDR …）",
    "err.unwritable": "无法写入文件（{reason}）",
    "err.duplicate-project.import": "文件中有两个项目对应同一个项目编号 {id}",
    "err.exists.file": "文件已存在：用 --force 覆盖",
    "err.exists.calendar": "已有同名但内容不同的日历文件：用 --calendar 指定日历，或用 --force 覆盖",
}
STRINGS.update({key: {"zh": text} for key, text in INTEROP_DETAILS.items()})
ACCOUNT_DETAILS: dict[str, str] = {
    # accounts (app/accounts.py, store/users.py) and problem actions (store/problems.py, app/workplace.py)
    "err.weak-password": "密码至少须有 {min} 个字符",
    "err.bad-username": "账号须有名称",
    "err.bad-role": "角色 {value} 不是 office（办公室）、unit（单位）、leader（县领导）、viewer（查看）之一",
    "err.bad-login": "账号或密码错误（或账号已停用）",
    "err.throttled": "登录失败次数过多：请 15 分钟后再试",
    "err.user-exists": "账号 {user} 已存在",
    "err.unit-required.account": "单位账号须指明所属单位（--unit）",
    "err.unit-required.problem": "手工提出的问题须写明责任单位",
    "err.reason-required": "该处理决定（{action}）须说明理由（--reason 文字）",
    "err.reason-required.close": "销号须说明理由（--reason 文字）",
    "err.reason-required.reopen": "重新打开须说明理由（--reason 文字）",
    "err.reason-required.exempt": "豁免须说明正当理由（--reason 文字）",
    "err.reason-required.unexempt": "取消豁免须说明理由（--reason 文字）",
    "err.reason-required.escalate": "提请县政府专题研究须说明事由（--reason 文字）",
    "err.reason-required.decide": "记录研究意见须写明意见内容（--reason 文字）",
    "err.reason-required.merge": "合并须说明理由（--reason 文字）",
    "err.already-closed": "问题 {id} 已于 {at} 由 {by} 销号：如需再次销号，请先重新打开（--reopen）",
    "err.bad-merge": "合并须指明要并入的另一个问题（--into 问题编号）",
    "err.bad-action": "{action} 不是办公室的处理决定",
    "err.description-required": "手工提出的问题须写明问题描述",
    "err.answer-required": "答复须填写情况说明或整改措施",
    "err.no-leader": "没有由“{leader}”包联的项目",
    # fonts (outputs/fonts.py)
    "err.no-cjk-font": "找不到中文字体：请安装 mplfonts 包（scripts/setup.sh），打印件和图表才能显示中文",
    "err.no-fallback-font": "matplotlib 自带的后备字体 DejaVuSans.ttf 不在 {path}：请重新安装 matplotlib",
    "err.unreadable-font": "无法读取字体文件 {path}（{reason}）：请重新安装 mplfonts 包（scripts/setup.sh）",
    "err.unreadable-font.format": ("字体文件 {path} 不是字体，或已损坏（文件不完整）："
                                   "请重新安装 mplfonts 包（scripts/setup.sh）"),
}
STRINGS.update({key: {"zh": text} for key, text in ACCOUNT_DETAILS.items()})
STRINGS.update({key: {"zh": text} for key, text in {
    # the parsers' and validators' own reasons, quoted after the Chinese rule
    "err.toml-syntax": "不是有效的 TOML（解析器原话：“{reason}”）",
    "err.toml-syntax.nesting": "不是有效的 TOML：数组或表嵌套过深",
    "err.bad-config": "{said}",
    "err.bad-calendar.needs-base": "日历 {calendar} 须指定 base 日历",
    "err.bad-calendar.base-years": "base 日历 {base} 没有覆盖 {first} 至 {last} 年",
    "err.bad-fund.table": "[[fund]] 须写成表",
    "err.bad-quantity.table": "[[quantity]] 须写成表",
    "err.unknown-problem": "没有编号为 {id} 的问题",
    "err.project-of-other-portfolio": ("项目编号 {project} 已属于本数据库的另一个项目库 {other}（不是 {portfolio}）："
                                       "项目编号在一个数据库中须唯一"),
}.items()})

STRINGS.update({key: {"zh": text} for key, text in {
    # MS Project / P6 import and export warnings (io/interop.py, io/xer.py, io/mspdi.py): the English
    # sentence is the warning itself (a Said), these say it in Chinese
    "warn.ids": "编号：不是由 [A-Za-z0-9_.-] 组成的唯一编号的任务代码已更改：{items}",
    "warn.calendar.asked-differs": ("日历：文件的项目日历 {name} 与按要求采用的 calendar/{cal}.toml "
                                    "在 {a} 至 {b} 不同：{diff}"),
    "warn.calendar.same": "日历：文件的项目日历 {name} 在 {a} 至 {b} 与 calendar/{cal}.toml 工作日相同；项目采用 {cal}",
    "warn.calendar.written": ("日历：calendar/ 下没有与文件日历 {name} 在 {a} 至 {b} 工作日相同的日历；"
                              "已写为 calendar/{cal}.toml，项目采用该日历"),
    "warn.calendar.differs": ("日历：文件的项目日历 {name} 与项目采用的 calendar/{cal}.toml 在 {a} 至 {b} "
                              "不同：{diff}；日期将与文件中的不同（用 --write-calendar 保留文件的日历）"),
    "warn.calendar.tasks": ("日历：任务 {items} 在文件中使用各自的日历 {name}，与 {cal} 不同：{diff}；"
                            "规范一个项目只有一个日历，这些任务按 {cal} 排程"),
    "warn.rounding": "取整：以小时计的工期和搭接时间已取整为整工作日：{items}",
    "warn.leads": "提前量：负的搭接时间已改为 0（--leads clamp）：{items}",
    "warn.links-merged": "关系：同一对任务之间同类型的两条关系已合并，保留较大的搭接时间：{items}",
    "warn.summary-links": "摘要任务关系：摘要任务 {items} 上的关系已转到其下的每个任务（规范只在节点之间建立关系）",
    "warn.elapsed": "任务 {task}：{days} 个日历天的持续工期（elapsed）按 {d} 个工作日计",
    "warn.resource-driven": "任务 {task}：资源驱动，取其排程跨度 {span} 个工作日（工期字段为 {d}）",
    "warn.short": "任务 {task}：工期 {hours} 小时不足半天；按 1 个工作日计（为 0 则成为事件）",
    "warn.constraint-dropped": "任务 {task}：约束 {label}{on} 已舍弃：规范没有这种约束（其日期由网络计算）",
    "warn.no-actual-start": "任务 {task}：有实际完成日期而没有实际开始日期；实际开始日期取 {date}",
    "warn.milestone-reached": "任务 {task}：有实际日期的里程碑视为已达成：实际完成日期 = 实际开始日期 {date}",
    "warn.percent-dropped": "任务 {task}：没有实际开始日期却已完成 {percent}%；完成百分比已舍弃",
    "warn.no-remaining": ("任务 {task}：已开始、剩余工期为 0 但没有实际完成日期；按剩余 1 个工作日计"
                          "（规范须有实际完成日期才算完成）"),
    "warn.remaining-exceeds": "任务 {task}：剩余工期 {r} 超过工期 {d}；完成百分比取 0",
    "warn.percent-written": ("任务 {task}：写入完成百分比 {percent}，使剩余工期保持 {r} 天；"
                             "未采用文件中的实物完成百分比 {physical}"),
    "warn.rollup-none": "汇总：没有第 {level} 级 WBS 元素；未汇总",
    "warn.rollup": ("汇总：WBS 第 {level} 级：{tasks} 个任务汇总为 {milestones} 个节点；"
                    "每个 WBS 元素的工期为其在导入计划中的跨度；其任务与其他元素任务之间的关系取约束最紧的一条，"
                    "转到元素的起止端，搭接时间按相关任务在元素内的位置调整；期限同样处理"),
    "warn.rollup-retyped": "汇总：转移后搭接时间为负（提前量）的关系改为在相同约束下搭接时间不为负的类型：{items}",
    "warn.milestones-leads": "仅保留节点：桥接路径长度为负（提前量）的关系改为开始-开始(SS)搭接 0：{items}",
    "warn.milestones-kept": ("仅保留节点：{tasks} 个任务中保留 {kept} 个；{links} 条关系桥接经过被舍弃任务的路径"
                             "（搭接时间 = 路径长度，按工作日计）"),
    "warn.milestones-kept.start": ("仅保留节点：{tasks} 个任务中保留 {kept} 个；{links} 条关系桥接经过被舍弃任务的路径"
                                   "（搭接时间 = 路径长度，按工作日计）；首批保留节点之前的工作挂在 START 事件下"
                                   "（{starts} 条关系）"),
    "warn.milestones-lost": "仅保留节点：被舍弃任务的期限或进度未转入：{items}",
    "warn.project-id": ("文件的项目编号 {hint} 含 [A-Za-z0-9_.-] 以外的字符；项目编号取 {pid}"
                        "（可用 --project-id 另行指定）"),
    "warn.export-lost": "{project}：{items} 不属于进度计划交换的内容，不写出",
    "warn.calendar-unreadable": "日历 {name}：无法读取其日历数据；按周一至周五工作计",
    "warn.encoding": "文件不是 UTF-8 编码，已按 {used} 读取",
    "warn.xer-no-calendar": "日历：项目未指定文件中的日历；按周一至周五工作计",
    "warn.level-of-effort": "作业 {code}：配合作业（level of effort）；按其排程跨度作为任务保留",
    "warn.wbs-summary": "WBS 汇总作业及其关系已舍弃（其日期随所属 WBS）：{items}",
    "warn.cross-project": "与其他项目作业之间的关系已舍弃（一个文件一个项目）：{items}",
    "warn.two-constraints": "{project} {milestone}：P6 只能保存两个约束；start_by {date} 未写出",
    "warn.recurring": ("日历 {calendar}：周期性例外 {name}（每周、每月或每年）未读取；"
                       "请将其日期逐一列为单日例外"),
    "warn.no-save-version": "文件未写明 SaveVersion；按 MS Project 2010 XML 读取",
    "warn.inactive": "未激活的任务及其关系已舍弃（MS Project 不把它们排入进度）：{items}",
    "warn.cross-project-links": "与其他项目的关系（CrossProject）已舍弃：{items}",
    "warn.mspdi-no-calendar": "日历：文件未指定项目日历；按周一至周五工作计",
    # the values inside them (Said too): the few items a warning lists, and the words among them
    "warn.some": "{items}{more}",
    "warn.some.more": "…（共 {n} 项）",
    "warn.item.task": "任务 {code}",
    "warn.item.lag": "{pred}->{succ} 的搭接时间",
    "warn.item.remaining": "任务 {code} 的剩余工期",
    "warn.item.rounded": "{what} {value}->{n}",
    "warn.item.link": "{pred}->{succ} {type}",
    "warn.item.retyped": "{pred}->{succ} {old}->{new}",
    "warn.days": "共 {n} 天，如 {days}{more}",
    "warn.days.more": "…",
    "warn.day": "{date}（文件中{file}，{ours}）",
    "warn.day.worked": "工作",
    "warn.day.off": "休息",
    "warn.day.in": "{cal} 中{state}",
    "warn.day.outside": "超出 {cal} 的年份",
    "warn.lost.factors": "要素保障事项",
    "warn.lost.investment": "投资计划",
    "warn.lost.weights": "权重",
    "warn.lost.notes": "备注",
    # link types and constraint names as the Chinese editions of MS Project and P6 call them
    "link.FS": "完成-开始(FS)",
    "link.SS": "开始-开始(SS)",
    "link.FF": "完成-完成(FF)",
    "link.SF": "开始-完成(SF)",
    "constraint.as-late-as-possible": "“越晚越好”",
    "constraint.must-start-on": "“必须开始于”",
    "constraint.must-finish-on": "“必须完成于”",
    "constraint.start-no-earlier-than": "“不得早于…开始”",
    "constraint.start-no-later-than": "“不得晚于…开始”",
    "constraint.finish-no-earlier-than": "“不得早于…完成”",
    "constraint.finish-no-later-than": "“不得晚于…完成”",
    "constraint.deadline": "“期限”",
    "constraint.start-on-or-after": "“开始不早于”",
    "constraint.start-on-or-before": "“开始不晚于”",
    "constraint.finish-on-or-before": "“完成不晚于”",
    "constraint.start-on": "“开始于”",
    "constraint.finish-on": "“完成于”",
    "constraint.finish-on-or-after": "“完成不早于”",
    "constraint.mandatory-start": "“强制开始”",
    "constraint.mandatory-finish": "“强制完成”",
}.items()})
STRINGS["list.sep"] = {"zh": "、", "en": ", "}


class Said(str):
    """A sentence written in English where the language is not known yet (the schedule's warnings)
    that keeps its label key and values, so that the CLI says it in the configured language (`say`)."""

    key: str
    params: dict[str, object]

    def __new__(cls, text: str, key: str, **params: object) -> Said:
        self = super().__new__(cls, text)
        self.key, self.params = key, params
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, object]]:
        """Pickled whole (the weekly run's worker processes)."""
        return (str(self), self.key), self.params


def say(text: str, lang: str = "zh") -> str:
    """`text` in `lang`: a `Said` sentence from its label, its values said in `lang` too
    (`said_value`); anything else as it is."""
    if isinstance(text, Said) and lang != "en":
        return t(text.key, lang, **{k: said_value(v, lang) for k, v in text.params.items()})
    return str(text)


def said_value(value: object, lang: str) -> object:
    """A value inside a Said sentence, in `lang`: a Said (a link type, a constraint's name, an item)
    by its own label, a tuple as a list of them (、 between items in Chinese), anything else as it is."""
    if isinstance(value, tuple):
        return t("list.sep", lang).join(str(said_value(v, lang)) for v in value)
    return say(value, lang) if isinstance(value, Said) else value


def t(key: str, lang: str = "zh", **kw: object) -> str:
    """The label `key` in `lang` (falls back to Chinese, then to the key itself), formatted."""
    entry = STRINGS.get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(lang) or entry.get("zh") or key
    return text.format(**kw) if kw else text


def error_text(e: Any, lang: str = "zh") -> str:
    """The one line a DispatchError is shown as (CLI stderr, the web form, the service log). English:
    `error: where: ids: [kind] message`, the stable shape scripts and tests read. Chinese, for the
    county's clerks: `错误：where：项目 X，节点 M：<rule in Chinese>［kind］：<detail>`, the detail
    from the template `err.<kind>` filled with the error's params, else its own message."""
    if lang != "zh":
        return f"error: {e.format()}"
    ids = [f"{t(f'error.id.{name}', lang)} {value}" for name in ("project", "milestone", "factor")
           if (value := getattr(e, name, None))]
    head = "：".join(part for part in (e.where(), "，".join(ids)) if part)
    detail = error_detail(e, lang)
    body = f"{error_rule(e)}［{e.kind}］" + (f"：{detail}" if detail else "")
    return f"错误：{head}：{body}" if head else f"错误：{body}"


def error_message(e: Any, lang: str = "zh") -> str:
    """An error as a page shows it (the web form): the line without its `error:` / `错误：` lead."""
    return error_text(e, lang).removeprefix("错误：") if lang == "zh" else e.format()


def error_rule(e: Any) -> str:
    """The rule an error broke, named in Chinese: by its kind, else by its class."""
    return ERROR_KINDS.get(e.kind) or next((ERROR_CLASSES[c.__name__] for c in type(e).__mro__
                                           if c.__name__ in ERROR_CLASSES), "出错")


def error_detail(e: Any, lang: str = "zh") -> str:
    """What exactly is wrong, in `lang`: the template `err.<kind>` (`err.<kind>.<case>` when the
    error's params name a case) filled with its params; without a template (or a value it needs),
    the error's own message."""
    params: dict[str, object] = {k: say(v, lang) if isinstance(v, Said) else v
                                 for k, v in (getattr(e, "params", None) or {}).items()}  # a link type
    if isinstance(params.get("bad"), str):  # core.text.control_char: "U+0000 at character 2"
        params["bad"] = re.sub(r"(U\+[0-9A-F]+) at character (\d+)", r"第 \2 个字符为 \1", str(params["bad"]))
    if params.get("errno"):
        params["reason"] = OS_REASONS.get(str(params["errno"]), params.get("reason", ""))
    if "cause" in params:
        params["why"] = DB_CAUSES.get(str(params["cause"]), DB_CAUSES[""])
    case = params.get("case")
    key = str(params.get("template") or (f"err.{e.kind}.{case}" if case else f"err.{e.kind}"))
    entry = STRINGS.get(key)
    if entry is not None and lang in entry:
        try:
            return entry[lang].format(**params) + (t(str(params["also"]), lang) if params.get("also") else "")
        except (KeyError, IndexError, ValueError):
            pass
    return str(e.message)


# click's own usage errors (a missing argument, an unknown option, a bad option value), said in
# Chinese under zh (usage_text below): click's English message matched whole, its values kept
USAGE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Missing argument (?P<a>.+?)\.(?: .*)?", "缺少参数 {a}"),
    (r"Missing option (?P<a>.+?)\.(?: .*)?", "缺少选项 {a}"),
    (r"Missing parameter:? (?P<a>.+?)\.?", "缺少参数 {a}"),
    (r"Missing command\.", "缺少子命令"),
    (r"No such option:? (?P<a>\S+?)\.?(?:\s+Did you mean (?P<b>\S+?)\?)?", "没有选项 {a}{b}"),
    (r"No such option:? (?P<a>\S+?)\.?\s+\(Possible options: (?P<b>.+)\)", "没有选项 {a}（可能是：{b}）"),
    (r"No such command (?P<a>.+?)\.", "没有命令 {a}"),
    (r"Got unexpected extra arguments? \((?P<a>.*)\)", "多余的参数：{a}"),
    (r"Option (?P<a>\S+) requires an argument\.", "选项 {a} 需要一个值"),
    (r"Option (?P<a>\S+) requires (?P<n>\d+) arguments\.", "选项 {a} 需要 {n} 个值"),
    (r"Option (?P<a>\S+) does not take a value\.", "选项 {a} 不接受取值"),
    (r"Invalid value for (?P<a>.+?): (?P<m>.*)", "{a} 的取值有误：{m}"),
    (r"Invalid value: (?P<m>.*)", "取值有误：{m}"),
    (r"(?P<v>.+) is not one of (?P<c>.+)\.", "{v} 不是可选值（{c}）之一"),
    (r"(?P<v>.+) is not (?P<c>'[^']*')\.", "{v} 不是 {c}"),
    (r"(?P<v>.+) is not a valid integer\.", "{v} 不是整数"),
    (r"(?P<v>.+) is not a valid float\.", "{v} 不是数字"),
    (r"(?P<v>.+) is not a valid (?:boolean|bool)\..*", "{v} 不是布尔值（true/false）"),
    (r"(?P<v>.+) is not in the range (?P<r>.+)\.", "{v} 不在范围 {r} 内"),
    (r"(?P<v>.+) is not a date \(YYYY-MM-DD\)", "{v} 不是日期（应为 YYYY-MM-DD）"),
    (r"(?:File|Directory|Path) (?P<v>.+) does not exist\.", "{v} 不存在"),
    (r"(?:File|Directory|Path) (?P<v>.+) is a directory\.", "{v} 是文件夹，不是文件"),
    (r"(?:File|Directory|Path) (?P<v>.+) is a file\.", "{v} 是文件，不是文件夹"),
    (r"(?:File|Directory|Path) (?P<v>.+) is not readable\.", "{v} 不可读"),
    (r"(?:File|Directory|Path) (?P<v>.+) is not writable\.", "{v} 不可写"),
    (r"give the reason for the new baseline", "请说明新基线的原因"),
    (r"(?P<a>\S+) and (?P<b>\S+) exclude each other", "{a} 与 {b} 不能同时使用"),
    (r"(?P<a>\S+) names key tasks to keep with (?P<b>\S+)", "{a} 须与 {b} 一起使用（指明要保留的关键任务）"),
)


def usage_message(message: str, lang: str = "zh") -> str:
    """click's usage message `message` in `lang`: matched against USAGE_MESSAGES (the value part
    of `Invalid value for X: …` translated the same way); unknown messages stay as they are."""
    if lang != "zh":
        return message
    for pattern, zh in USAGE_MESSAGES:
        m = re.fullmatch(pattern, message.strip(), re.S)
        if m is not None:
            parts = {k: v or "" for k, v in m.groupdict().items()}
            if "m" in parts:
                parts["m"] = usage_message(parts["m"], lang)
            if parts.get("b") and "{a}{b}" in zh:
                parts["b"] = f"（是否想用 {parts['b']}？）"
            return zh.format(**parts)
    return message


def usage_text(message: str, usage: str, help_hint: str, lang: str = "zh") -> str:
    """The one line a click usage error is shown as under zh: `错误：命令行用法有误［usage］：…`
    with the command's usage and where its help is."""
    return f"错误：{ERROR_KINDS['usage']}［usage］：{usage_message(message, lang)}（用法：{usage}；帮助：{help_hint}）"


WEB_REFUSALS: tuple[tuple[str, str], ...] = (
    (r"no such project", "没有该项目"),
    (r"no such problem", "没有该问题"),
    (r"no such document", "没有该文件"),
    (r"no weekly run yet", "还没有周调度运行"),
    (r"no weekly run of this project yet", "该项目还没有周调度运行"),
    (r"only the dispatch office \(办公室\) may do this", "只有调度办公室可以进行此操作（当前账号的角色不能）"),
    (r"only the responsible unit answers this problem", "只有该问题的责任单位可以答复"),
    (r"unknown decision", "未知的处理决定"),
    (r"a unit reports for itself only", "单位只能报送本单位的报表"),
    (r"only units and the office submit reports", "只有各单位和办公室可以报送报表"),
    (r"choose the unit \(\?unit=…\)", "请选择单位（?unit=…）"),
    (r"choose the filled \.xlsx file", "请选择填好的 .xlsx 文件"),
    (r"a report workbook is at most (?P<n>\d+) MB", "报表文件最大 {n} MB"),
    (r"reports are the units' and the office's", "报表只由各单位和办公室查看"),
    (r"the week's documents are the office's", "本周文件只由办公室查看"),
    (r"only the office changes another account's password", "只有办公室可以修改其他账号的密码"),
    (r"invalid or revoked token", "令牌无效或已撤销"),
    (r"CSRF token missing or wrong: reload the page and submit again",
     "页面已过期（CSRF 校验失败）：请刷新页面后重新提交"),
    (r"CSRF token missing or wrong: reload the sign-in page", "页面已过期（CSRF 校验失败）：请刷新登录页"),
    (r"Not Found", "页面不存在"),
    (r"Method Not Allowed", "不支持该请求方法"),
)
"""The web workplace's refusals (HTTP 4xx, web/app.py and web/auth.py), said on the page in
Chinese under zh (web_refusal); the API keeps the English for machine clients."""


def web_refusal(detail: str, lang: str = "zh") -> str:
    """A web refusal's text in `lang`: matched whole against WEB_REFUSALS; unknown ones as they are."""
    if lang != "zh":
        return detail
    for pattern, zh in WEB_REFUSALS:
        m = re.fullmatch(pattern, detail)
        if m is not None:
            return zh.format(**m.groupdict())
    return detail


WEB_STRINGS: dict[str, dict[str, str]] = {
    # the web workplace (scheduler/web/)
    "web.title": {"zh": "重大项目周调度工作台", "en": "Major projects dispatch workplace"},
    "web.login": {"zh": "登录", "en": "Sign in"},
    "web.logout": {"zh": "退出", "en": "Sign out"},
    "web.username": {"zh": "账号", "en": "Account"},
    "web.password": {"zh": "密码", "en": "Password"},
    "web.nav.week": {"zh": "本周总览", "en": "The week"},
    "web.nav.problems": {"zh": "问题清单", "en": "Problems"},
    "web.nav.report": {"zh": "周报填报", "en": "Weekly report"},
    "web.nav.reports": {"zh": "报送记录", "en": "Reports received"},
    "web.nav.users": {"zh": "账号管理", "en": "Accounts"},
    "web.nav.audit": {"zh": "操作日志", "en": "Audit log"},
    "web.role.office": {"zh": "办公室", "en": "office"},
    "web.role.unit": {"zh": "单位", "en": "unit"},
    "web.role.leader": {"zh": "县领导", "en": "leader"},
    "web.role.viewer": {"zh": "查看", "en": "viewer"},
    "web.role.cli": {"zh": "命令行", "en": "command line"},  # the audit log's entries made by `dispatch`
    # the audit log's actions in words (web audit page); problem.<action>: audit.action.problem with
    # problem.action.<action>; a code with no label is shown as stored
    "audit.action.login": {"zh": "登录", "en": "signed in"},
    "audit.action.logout": {"zh": "退出登录", "en": "signed out"},
    "audit.action.report.store": {"zh": "报送周报", "en": "weekly report stored"},
    "audit.action.user.add": {"zh": "新建账号", "en": "account added"},
    "audit.action.user.passwd": {"zh": "修改密码", "en": "password changed"},
    "audit.action.user.disable": {"zh": "停用账号", "en": "account disabled"},
    "audit.action.user.enable": {"zh": "启用账号", "en": "account enabled"},
    "audit.action.token.add": {"zh": "新建接口令牌", "en": "API token added"},
    "audit.action.week.run": {"zh": "运行周调度", "en": "week run"},
    "audit.action.problem": {"zh": "问题：{action}", "en": "problem {action}"},
    "web.week": {"zh": "{week}周调度（数据日期 {date}）", "en": "Week {week} (data date {date})"},
    "web.no_run": {"zh": "尚未运行周调度。", "en": "No weekly run yet."},
    "web.projects": {"zh": "项目", "en": "Projects"},
    "web.counts": {"zh": "共 {n} 个项目：红灯 {red}，黄灯 {yellow}，绿灯 {green}；"
                         "问题 {findings} 项（红 {red_findings}）",
                   "en": "{n} projects: {red} red, {yellow} yellow, {green} green; {findings} findings "
                         "({red_findings} red)"},
    "web.by_unit": {"zh": "各单位问题", "en": "Problems by unit"},
    "web.not_reported": {"zh": "{week}未报送单位", "en": "Not reported for {week}"},
    "web.all_reported": {"zh": "均已报送", "en": "everyone has reported"},
    "web.reported": {"zh": "已报送", "en": "Reported"},
    "web.late": {"zh": "逾期报送", "en": "Late"},
    "web.red_problems": {"zh": "红灯问题", "en": "Red problems"},
    "web.all_problems": {"zh": "全部问题清单（{n} 项）", "en": "The whole problem list ({n})"},
    "web.gantt": {"zh": "甘特图", "en": "Gantt chart"},
    "web.run_week": {"zh": "运行周调度", "en": "Run the week"},
    "web.data_date": {"zh": "数据日期", "en": "Data date"},
    "web.downloads": {"zh": "下载", "en": "Downloads"},
    "web.dl.brief": {"zh": "周调度通报（PDF）", "en": "Brief (PDF)"},
    "web.dl.brief-docx": {"zh": "周调度通报（Word）", "en": "Brief (Word)"},
    "web.dl.annex": {"zh": "附件（各项目甘特图）", "en": "Annex (project pages)"},
    "web.dl.findings": {"zh": "问题清单（Excel）", "en": "Findings sheet (Excel)"},
    "web.dl.template": {"zh": "下载填报模板", "en": "Download the template"},
    "web.col.project": {"zh": "项目", "en": "Project"},
    "web.col.light": {"zh": "灯", "en": "Light"},
    "web.col.unit": {"zh": "单位", "en": "Unit"},
    "web.col.leader": {"zh": "包联领导", "en": "Leader"},
    "web.col.percent": {"zh": "进度", "en": "Progress"},
    "web.col.finish": {"zh": "预计完成", "en": "Forecast finish"},
    "web.col.variance": {"zh": "偏差(工作日)", "en": "Variance (days)"},
    "web.col.total": {"zh": "合计", "en": "Total"},
    "web.col.milestone": {"zh": "节点", "en": "Milestone"},
    "web.col.start": {"zh": "预计开始", "en": "Forecast start"},
    "web.col.baseline": {"zh": "计划完成", "en": "Baseline finish"},
    "web.col.factor": {"zh": "要素", "en": "Factor"},
    "web.col.status": {"zh": "状态", "en": "Status"},
    "web.col.expected": {"zh": "预计批复", "en": "Expected"},
    "web.col.blocker": {"zh": "堵点", "en": "Blocker"},
    "web.col.problem": {"zh": "问题", "en": "Problem"},
    "web.col.due": {"zh": "完成时限", "en": "Due"},
    "web.col.when": {"zh": "时间", "en": "When"},
    "web.col.who": {"zh": "操作人", "en": "Who"},
    "web.col.action": {"zh": "操作", "en": "Action"},
    "web.col.what": {"zh": "内容", "en": "What"},
    "web.col.week": {"zh": "周", "en": "Week"},
    "web.col.version": {"zh": "版本", "en": "Version"},
    "web.col.received": {"zh": "收到时间", "en": "Received"},
    "web.milestones": {"zh": "节点", "en": "Milestones"},
    "web.factors": {"zh": "要素保障", "en": "Factor requirements"},
    "web.problems": {"zh": "问题", "en": "Problems"},
    "web.history": {"zh": "办理记录", "en": "History"},
    "web.none": {"zh": "无", "en": "none"},
    "web.answer": {"zh": "情况反馈", "en": "Answer"},
    "web.situation": {"zh": "情况说明", "en": "Situation"},
    "web.measures": {"zh": "整改措施", "en": "Measures"},
    "web.promised": {"zh": "承诺完成时间", "en": "Promised date"},
    "web.submit": {"zh": "提交", "en": "Submit"},
    "web.answered": {"zh": "已提交情况反馈。", "en": "Answer recorded."},
    "web.decide": {"zh": "办公室处理", "en": "Office decision"},
    "web.reason": {"zh": "理由", "en": "Reason"},
    "web.matters": {"zh": "需协调事项", "en": "To coordinate"},
    "web.proposal": {"zh": "建议", "en": "Proposal"},
    "web.action.close": {"zh": "销号", "en": "Close"},
    "web.action.exempt": {"zh": "豁免", "en": "Exempt"},
    "web.action.escalate": {"zh": "提请县政府专题研究", "en": "Escalate"},
    "web.action.reopen": {"zh": "重新打开", "en": "Reopen"},
    "web.action.unexempt": {"zh": "取消豁免", "en": "Withdraw exemption"},
    "web.action.decide": {"zh": "记录研究意见", "en": "Record the decision"},
    "web.action.merge": {"zh": "并入", "en": "Merge"},
    "web.decided": {"zh": "已记录处理意见。", "en": "Decision recorded."},
    "web.report.title": {"zh": "{unit} {week}周报", "en": "{unit}: report for {week}"},
    "web.report.help": {"zh": "空白表示无变化；与 Excel 模板同样校验，每次提交为新版本。",
                        "en": "Blank means no change; checked as the Excel template is; each submission is a "
                              "new version."},
    "web.report.stored": {"zh": "已保存为第 {version} 版。", "en": "Stored as version {version}."},
    "web.report.current": {"zh": "本周已报送第 {version} 版（{at}）。", "en": "Version {version} received ({at})."},
    "web.report.upload": {"zh": "上传填好的模板", "en": "Upload the filled template"},
    "web.report.choose_unit": {"zh": "选择填报单位", "en": "Choose the unit"},
    "web.report.investment": {"zh": "本周完成投资（万元）", "en": "Investment this week (10k yuan)"},
    "web.form_source": {"zh": "网页填报", "en": "web-form"},
    "web.users.add": {"zh": "新建账号", "en": "New account"},
    "web.users.display": {"zh": "姓名", "en": "Name"},
    "web.users.role": {"zh": "角色", "en": "Role"},
    "web.users.leader": {"zh": "领导姓名（包联）", "en": "Leader name"},
    "web.users.projects": {"zh": "包联项目（编号，逗号分隔）", "en": "Projects (ids, comma separated)"},
    "web.users.disable": {"zh": "停用", "en": "Disable"},
    "web.users.enable": {"zh": "启用", "en": "Enable"},
    "web.users.disabled": {"zh": "已停用", "en": "disabled"},
    "web.error": {"zh": "未能完成", "en": "Not done"},
    "web.ran": {"zh": "已完成{week}调度。", "en": "The week {week} has been run."},
}
STRINGS.update(WEB_STRINGS)


HELP_STRINGS: dict[str, dict[str, str]] = {
    # `dispatch --help` and every subcommand's (scheduler/cli.py: LocalisedCommand resolves them when the
    # help is formatted). Keys: help.<command path>, help.<command path>.short (the one line in the
    # list of commands; default: the first sentence), help.<command path>.<longest option name>.
    "help.usage": {"zh": "用法：", "en": "Usage: "},
    "help.options": {"zh": "选项", "en": "Options"},
    "help.commands": {"zh": "命令", "en": "Commands"},
    "help.default": {"zh": "默认：{value}", "en": "default: {value}"},
    "help.required": {"zh": "必填", "en": "required"},
    "help.help": {"zh": "显示本帮助并退出。", "en": "Show this message and exit."},
    "help.cli": {
        "zh": "县发改局重大项目周调度系统。\n\n项目是 TOML 文件中的节点网络；每周检查找出滞后的节点、卡住的要素保障手续"
              "（用地/用林/用能/环评）以及需提请县政府研究的事项。",
        "en": "Weekly project dispatch scheduler of the county development and reform bureau (重大项目周调度).\n\n"
              "Projects are milestone graphs in TOML files; the weekly check finds what is late, what approvals "
              "(用地/用林/用能/环评) block, and what must go up to the county government."},
    "help.cli.short": {"zh": "县发改局重大项目周调度系统。", "en": "Weekly project dispatch scheduler."},
    "help.cli.config": {
        "zh": "使用的配置文件（默认：环境变量 $DISPATCH_CONFIG，当前目录的 config.toml，程序目录的 config.toml）。",
        "en": "config.toml to use (default: $DISPATCH_CONFIG, ./config.toml, the repository's)."},
    "help.cli.portfolio": {
        "zh": "数据库中要处理的项目库（一个县）（默认：环境变量 $DISPATCH_PORTFOLIO，配置中的 portfolio）。",
        "en": "the portfolio (one county) to work on in the database (default: $DISPATCH_PORTFOLIO, the config's "
              "`portfolio`)."},
    "help.validate": {
        "zh": "按文件格式的全部规则检查项目文件（或文件夹）。\n\n"
              "每个不合格的文件输出一行，写明文件、行号、项目、节点和规则；全部合格时退出码为 0，否则为 2。",
        "en": "Check project files (or folders of them) against every rule of the file format.\n\nPrints one line per "
              "refused file naming the file, line, project, milestone and the rule; exits 0 when all are valid, "
              "2 otherwise."},
    "help.export.short": {"zh": "把项目导出给 MS Project 或 P6", "en": "Export projects for MS Project or P6"},
    "help.serve.short": {"zh": "按配置的时间自动运行周调度，并重试待发预警",
                         "en": "Run the weekly check on its schedule and retry pending alerts"},
    "help.report-template.short": {"zh": "生成各单位的周报填报表", "en": "Write each unit's weekly report workbook"},
    "help.schedule": {"zh": "计算项目文件各节点的最早、最迟时间、时差和关键线路（CPM）。",
                      "en": "Compute early and late dates, floats and the critical path of project files (CPM)."},
    "help.schedule.data-date": {
        "zh": "数据日期：按已报进度从该日起排剩余工作。不给则排计划（不计进度和要素）。",
        "en": "Status date: schedule the remaining work from here using reported progress. Without it, the plan "
              "(progress and factors ignored)."},
    "help.schedule.format": {"zh": "json：shared/spec/project-files.md 规定的固定格式；table：供人阅读的表格。",
                             "en": "json: the fixed contract of shared/spec/project-files.md; table: for people."},
    "help.alerts": {
        "zh": "预警发件箱：哪条红灯事项通过邮件或群机器人通知了谁、是否已送达（失败的一直列出，直到 --retry）。",
        "en": "The alert outbox: who is told about which red finding, by email or robot webhook, and whether it was "
              "delivered (failed ones stay listed until --retry)."},
    "help.alerts.status": {"zh": "列出哪种状态的预警。", "en": "Which alerts to list."},
    "help.alerts.week": {"zh": "只列该周的预警。", "en": "Only this week's alerts."},
    "help.alerts.deliver": {"zh": "立即发送到期的待发预警（alerts.deliver = false 时写入发件箱）。",
                            "en": "Deliver due pending alerts now (alerts.deliver = false: write them to the outbox)."},
    "help.alerts.retry": {"zh": "把失败的预警重新排队（在 --deliver 之前）。",
                          "en": "Put failed alerts back to pending (before --deliver)."},
    "help.serve": {
        "zh": "按配置 [weekly] cron 自动运行周调度（APScheduler，任务保存在数据库中），并每隔几分钟重试待发预警，"
              "直到收到 SIGTERM 或按 Ctrl-C。",
        "en": "Run the weekly check by itself on config's [weekly] cron (APScheduler, jobs kept in the database) "
              "and retry pending alerts every few minutes, until SIGTERM or Ctrl-C."},
    "help.report-template": {
        "zh": "为每个责任单位生成周报填报表（节点进度、要素保障、投资、资金支付、实物量、项目阶段与纳统、问题整改、"
              "新增问题），预填当前值和计划日期；各单位填写黄色单元格后报回。",
        "en": "Write each responsible unit's weekly report workbook (节点进度, 要素保障, 投资, 资金支付, 实物量, "
              "项目阶段与纳统, 问题整改, 新增问题), prefilled with the current values and the baseline dates; "
              "departments fill the yellow cells and send it back."},
    "help.report-template.week": {"zh": "周报所属的 ISO 周，如 2026-W48（默认：本周）。",
                                  "en": "ISO week of the report, e.g. 2026-W48 (default: this week)."},
    "help.report-template.unit": {"zh": "只生成该单位的（可重复；默认：所有需报送的单位）。",
                                  "en": "Only this unit (repeatable; default: every unit with something to report)."},
    "help.report-template.out": {"zh": ".xlsx 文件的存放文件夹（默认：<发件箱>/templates/<周>）。",
                                 "en": "Folder for the .xlsx files (default: <outbox>/templates/<week>)."},
    "help.ingest": {
        "zh": "校验并保存一个单位填好的周报；每个文件要么整体保存，要么整体不保存（错误写明工作表和单元格），"
              "同一单位同一周的第二个文件为新版本。由操作人指明报送单位（--unit），文件本身不能自证来源。\n\n"
              "每个文件输出一张回执：按时或逾期、读到了什么、改变了什么、哪些值未采用及原因（把万元填成元、"
              "进度倒退、日期晚于周报所属周）、对本单位问题的反馈以及新提出的问题。",
        "en": "Validate and store filled weekly reports of one unit; each file is stored whole or not at all (a bad "
              "cell is named by sheet and cell), a second file of the same unit and week is a new version. The "
              "operator names the sending unit (--unit): the file cannot vouch for itself.\n\nPrints a receipt per "
              "file: on time or late, what was read, what changed, which values were not applied and why (元 typed "
              "for 万元, percent going backwards, a date after the report's week), the answers recorded on the "
              "unit's problems and the problems it raised."},
    "help.ingest.unit": {
        "zh": "报送这些文件的单位（来自其邮件或登录）：文件所写单位与之不同的，一律拒收，任何单位不能替其他单位报送。",
        "en": "The unit that sent these files (whose mail or login they came from): a file whose own unit differs "
              "is refused, so no unit can report for another."},
    "help.reporting": {
        "zh": "某周的报送情况：每个有在办事项的单位为按时（截止前收到第一版，截止时间为 [reporting] 规定的上周某时）、"
              "逾期或未报送。",
        "en": "Who reported a week (报送情况): each unit answering for an open item is on time (first version by the "
              "deadline, [reporting] deadline of the week before), late, or missing."},
    "help.reporting.week": {"zh": "周报所属的 ISO 周（默认：正在收集的一周，即下周）。",
                            "en": "ISO week of the reports (default: the week being collected, i.e. next week)."},
    "help.reporting.format": {
        "zh": 'json：{"week", "deadline", "required", "units": [{"unit", "status", "received_at", "version"}]}，'
              "status 为 on_time | late | missing。",
        "en": 'json: {"week", "deadline", "required", "units": [{"unit", "status", "received_at", "version"}]}, '
              "status on_time | late | missing."},
    "help.init": {
        "zh": "创建数据库（SQLite 文件或空的 PostgreSQL 数据库）及其数据表，只需一次。\n\n"
              "没有数据库时其他命令一律拒绝运行，而不是悄悄新建一个空库"
              "（数据文件夹被删除或未挂载时不能看起来像新安装）。"
              "对已有数据库再次运行，只把数据表升级到最新。",
        "en": "Create the database (SQLite file or an empty PostgreSQL database) with its tables, once.\n\nEvery other "
              "command refuses to run where no database is, rather than silently starting an empty one (a deleted "
              "or unmounted data folder must not look like a new installation). Running it again on an existing "
              "database only brings its tables up to date."},
    "help.load": {
        "zh": "把项目文件（或 *.toml 文件夹）载入数据库。\n\n"
              "先校验每个文件：有一个不合格就停止载入（每个不合格文件一行，写明文件、行号和规则；退出码 2），"
              "不写入任何内容。其余在一个事务中完成：未改动的文件（SHA-256 相同）不动，"
              "改动的文件替换其项目的节点、关系、要素和月度投资，新项目的计划保存为第 1 版基准计划"
              "（以后载入不改基准，见 dispatch baseline）。",
        "en": "Load project files (or folders of *.toml files) into the database.\n\nEvery file is validated first: "
              "one refused file stops the load (one line per refused file naming the file, line and rule; exit 2) "
              "and nothing is written. The rest happens in one transaction: an unchanged file (same SHA-256) is left "
              "untouched, a changed one replaces its project's milestones, links, factors and investment months, and "
              "a new project gets its plan stored as baseline version 1 (later loads keep the baseline: see "
              "`dispatch baseline`)."},
    "help.projects": {
        "zh": "列出数据库中的项目：牵头单位、亮灯和状态、基准计划版本、计划完成日期（不计进度）。",
        "en": "List the projects in the database: lead unit, light and status, current baseline version, and the "
              "finish date of the plan (progress ignored)."},
    "help.projects.format": {"zh": "table：供人阅读；json：一个对象，含 projects 列表和 warnings。",
                             "en": "table: for people; json: one object with a `projects` list and `warnings`."},
    "help.baseline": {
        "zh": "有意调整 PROJECT 的基准计划：其当前计划（最近一次载入的）成为新的基准版本，此后的偏差按它计算。"
              "旧版本保留，调整理由一并记录。输出新版本号。",
        "en": "Re-baseline PROJECT on purpose: its current plan (as last loaded) becomes a new baseline version that "
              "variance is measured against from now on. Earlier versions are kept; the reason is recorded. Prints "
              "the new version."},
    "help.baseline.reason": {"zh": "调整基准的理由，随新版本保存（如：县政府专题会议同意调整工期）。",
                             "en": "Why the plan is re-baselined, kept with the new version (e.g. "
                                   "县政府专题会议同意调整工期)."},
    "help.run": {
        "zh": "运行一次周调度：采用各单位周报、排进度、检查、保存本次运行（替换同一周的旧运行）、生成通报并发送预警。",
        "en": "Run the weekly check once (周调度): apply the weekly reports, schedule, check, store the run (replacing "
              "an earlier run of the same week), write the outputs and send the alerts."},
    "help.run.data-date": {"zh": "本次运行的数据日期（默认：按配置时区的今天）。",
                           "en": "Status date of the run (default: today in the configured timezone)."},
    "help.run.out": {"zh": "通报、表格和预警发件箱的存放文件夹（默认：<发件箱>/<周>）。",
                     "en": "Folder for the brief, sheets and alert outbox (default: <outbox>/<week>)."},
    "help.run.wait": {"zh": "另一次周调度正在运行时，最多等待这么多秒，而不是立即拒绝。",
                      "en": "Wait this long for another running weekly run instead of refusing at once."},
    "help.run.annex": {"zh": "同时生成附件：每个项目一页，含甘特图。",
                       "en": "Also the annex: a page per project with its Gantt chart."},
    "help.run.details": {"zh": "同时以表格列出每条红灯事项。", "en": "Also print every red finding as a table."},
    "help.run.outputs": {"zh": "生成通报、图表和表格（--no-outputs：只保存运行结果并排队预警）。",
                         "en": "Write the brief, charts and sheets (--no-outputs: store the run and queue the "
                               "alerts only)."},
    "help.findings": {"zh": "某周当前运行的检查结果：哪些滞后、哪些要素手续卡住、哪个单位落后。",
                      "en": "The findings of a week's current run: what is late, which approvals "
                            "block, who is behind."},
    "help.findings.week": {"zh": "运行所属的周（默认：最近一次运行）。",
                           "en": "Week of the run (default: the latest run)."},
    "help.findings.format": {"zh": "table：供人阅读；json：供程序读取。",
                             "en": "table: for people; json: for programs."},
    "help.findings.light": {"zh": "只列该颜色的事项。", "en": "Only findings of this light."},
    "help.runs": {"zh": "已保存的周调度运行（全部周次或某一周）：哪次是该周的当前运行，哪次被重新运行替换"
                           "（作为历史保留），各次的运行时间和项目灯色。",
                  "en": "The stored weekly runs (all weeks, or one week): which is the week's current run and which "
                        "a re-run replaced (kept as history), when each ran and its projects' lights."},
    "help.runs.week": {"zh": "只列该周的运行（默认：全部周次）。",
                       "en": "Only the runs of this week (default: all weeks)."},
    "help.runs.format": {"zh": "table：供人阅读；json：供程序读取。", "en": "table: for people; json: for programs."},
    "help.problems": {"zh": "某周的问题清单：根本问题，其表现（连带事项）计在其下。",
                      "en": "The problem list (问题清单) of a week: root causes, their symptoms counted under them."},
    "help.problems.week": {"zh": "清单所属的周（默认：最近一次运行）。",
                           "en": "Week of the list (default: the latest run)."},
    "help.problems.unit": {"zh": "只列该责任单位的问题。", "en": "Only the problems of this 责任单位."},
    "help.problems.format": {"zh": "table：供人阅读；json：供程序读取。",
                             "en": "table: for people; json: for programs."},
    "help.problem": {
        "zh": "记录办公室对一个问题的处理：销号、豁免、提请县政府专题研究、记录研究意见、重新打开或合并。"
              "每项处理都须写 --reason；不给处理动作时显示该问题。",
        "en": "Record the office's decision on one problem: close, exempt, escalate, the meeting's decision, reopen "
              "or merge. Every decision needs --reason; without an action, show the problem."},
    "help.problem.close": {"zh": "销号（须写 --reason）。", "en": "销号: close it (needs --reason)."},
    "help.problem.exempt": {"zh": "有正当理由：仍列出，但不影响项目亮灯（须写 --reason）。",
                            "en": "正当理由: it stays listed but does not colour its project (needs --reason)."},
    "help.problem.unexempt": {"zh": "取消豁免。", "en": "Withdraw the exemption."},
    "help.problem.escalate": {"zh": "提请县政府专题研究（--reason 为事由，--matters 为需协调事项，"
    "--proposal 为建议）。",
                              "en": "提请县政府专题研究 (--reason = 事由, --matters = 需协调事项, --proposal = 建议)."},
    "help.problem.decision": {"zh": "记录县政府专题会议的研究意见（--reason）。",
                              "en": "Record the county meeting's decision (--reason)."},
    "help.problem.reopen": {"zh": "重新打开已销号的问题。", "en": "Open a closed problem again."},
    "help.problem.merge-into": {"zh": "此后把其表现列在另一个问题之下。",
                                "en": "List its symptoms under another problem from now on."},
    "help.problem.reason": {"zh": "理由（每项处理都须填写）。", "en": "Why (required for every decision)."},
    "help.problem.matters": {"zh": "需协调事项（与 --escalate 同用）。", "en": "需协调事项 (with --escalate)."},
    "help.problem.proposal": {"zh": "建议（与 --escalate 同用）。", "en": "建议 (with --escalate)."},
    "help.problem.by": {"zh": "处理人。", "en": "Who decides."},
    "help.raise-problem": {"zh": "把人工提出的问题列入问题清单。",
                           "en": "Put a problem raised by hand on the problem list (问题清单)."},
    "help.raise-problem.what": {"zh": "问题是什么（村民阻工、资金未到位……）。",
                                "en": "What is wrong (村民阻工, 资金未到位 …)."},
    "help.raise-problem.unit": {"zh": "责任单位。", "en": "The responsible unit (责任单位)."},
    "help.raise-problem.person": {"zh": "责任人。", "en": "The person responsible (责任人)."},
    "help.raise-problem.partner": {"zh": "配合单位（可重复）。", "en": "A partner unit (配合单位; repeat)."},
    "help.raise-problem.due": {"zh": "完成时限。", "en": "Due date (完成时限)."},
    "help.raise-problem.measures": {"zh": "整改措施。", "en": "Measures (整改措施)."},
    "help.raise-problem.county": {"zh": "需县级协调的事项。", "en": "需县级协调: what the county must coordinate."},
    "help.raise-problem.milestone": {"zh": "它卡住的节点（如有）。", "en": "The milestone it holds, if any."},
    "help.raise-problem.week": {"zh": "提出问题的周（默认：本周）。",
                                "en": "Week it is raised in (default: this week)."},
    "help.raise-problem.by": {"zh": "提出人。", "en": "Who raises it."},
    "help.printout": {"zh": "生成已保存运行的周调度通报（PDF 和 .docx），按需生成附件。",
                      "en": "Write the weekly brief (PDF and .docx) of a stored run, and on demand the annex."},
    "help.printout.week": {"zh": "已保存运行所属的周（默认：最近一次运行）。",
                           "en": "Week of the stored run (default: the latest run)."},
    "help.printout.out": {"zh": "通报 PDF 的存放位置（默认：<发件箱>/<周>/周调度通报_<周>.pdf）。",
                          "en": "Where to write the brief's PDF (default: <outbox>/<week>/周调度通报_<week>.pdf)."},
    "help.printout.brief": {"zh": "周调度通报（PDF 和 .docx）及问题清单表格。",
                            "en": "The brief (周调度通报: PDF and .docx) and the findings workbook."},
    "help.printout.annex": {"zh": "同时生成附件：每个项目一页，含甘特图。",
                            "en": "Also the annex: a page per project with its Gantt chart."},
    "help.printout.leader": {"zh": "只含该县领导包联的项目（写出姓名的一部分即可）。",
                             "en": "Only the projects this county leader 包联 (a part of the name is enough)."},
    "help.printout.project": {"zh": "只生成这些项目的附件（隐含 --annex）。",
                              "en": "The annex of these projects only (implies --annex)."},
    "help.import": {"zh": "把施工单位的进度计划（MS Project XML 或 P6 XER）导入为规范格式的项目文件。",
                    "en": "Import a contractor's programme (MS Project XML or P6 XER) as project files of the spec."},
    "help.import.out": {"zh": "要写的项目文件（projects/编号.toml），或一个文件夹：文件中每个项目一个 编号.toml。",
                        "en": "The project file to write (projects/ID.toml), or a folder: ID.toml for each project "
                              "of the file."},
    "help.import.level": {"zh": "汇总到第 N 级 WBS：该级每个 WBS 元素成为一个节点。",
                          "en": "Roll up to WBS level N: each WBS element at that level becomes one milestone."},
    "help.import.milestones-only": {"zh": "只保留文件中的里程碑（及 --keep 的任务）；经过其余任务的关系予以接通。",
                                    "en": "Keep only the file's milestones (and --keep tasks); links are bridged "
                                          "through the rest."},
    "help.import.keep": {"zh": "与 --milestones-only 同用：要保留的关键任务（编号或代码）。",
                         "en": "With --milestones-only: a key task to keep (id or code)."},
    "help.import.project-id": {"zh": "给定的项目编号（默认：文件中的）。",
                               "en": "The project id to give (default: the file's)."},
    "help.import.leads": {"zh": "负延隔（提前量）：拒收该文件，或按 0 导入并逐条警告。",
                          "en": "Negative lags (leads): refuse the file, or import them as 0 with a warning each."},
    "help.import.calendar": {"zh": "按 calendar/ 中的该日历排程（报告它与文件日历的差异）。",
                             "en": "Schedule on this calendar of calendar/ (its differences from the file's are "
                                   "reported)."},
    "help.import.write-calendar": {
        "zh": "calendar/ 中没有与文件工作日一致的日历时，写出 calendar/NAME.toml 并使用它。",
        "en": "If no calendar of calendar/ works the file's days, write it as calendar/NAME.toml and use it."},
    "help.import.encoding": {"zh": "XER 文件的文字编码（默认：UTF-8，其次 GB18030，再次 cp1252）。",
                             "en": "Text encoding of an XER file (default: UTF-8, else GB18030, else cp1252)."},
    "help.import.force": {"zh": "覆盖已有文件。", "en": "Overwrite files that exist."},
    "help.export": {"zh": "把项目（项目文件、文件夹或项目文件夹中的项目编号；不用数据库）导出给 MS Project 或 P6。",
                    "en": "Export projects (project files, folders, or ids of the projects folder; no database) for "
                          "MS Project or P6."},
    "help.export.format": {"zh": "mspdi：MS Project XML（每个项目一个文件）；xer：Primavera P6（所有项目一个文件）。",
                           "en": "mspdi: MS Project XML (one file a project); xer: Primavera P6 (one file for all)."},
    "help.export.out": {"zh": "要写的文件（或文件夹）。", "en": "The file (or folder) to write."},
    "help.export.data-date": {"zh": "数据日期：导出该日的进度和预测（默认：计划）。",
                              "en": "Status date: export progress and the forecast from here (default: the plan)."},
    "help.web": {
        "zh": "启动网页工作台：各单位填报周报、反馈问题，办公室运行周调度，县领导查看包联项目；"
              "/api 下有 JSON 接口（OpenAPI 见 /openapi.json）。",
        "en": "Serve the web workplace (工作台): units report and answer problems, the office runs the week, leaders "
              "read their projects; a JSON API under /api (OpenAPI at /openapi.json)."},
    "help.web.host": {"zh": "监听地址（0.0.0.0：所有地址）。", "en": "Address to listen on (0.0.0.0: every one)."},
    "help.web.port": {"zh": "监听端口。", "en": "Port to listen on."},
    "help.web.workers": {"zh": "服务进程数（共用服务器上每核一个）。",
                         "en": "Server processes (one per core on a shared server)."},
    "help.web.secure-cookies": {"zh": "会话 Cookie 只经 HTTPS 发送（在 TLS 反向代理之后时打开）。",
                                "en": "Send the session cookie over HTTPS only (set it behind a TLS reverse proxy)."},
    "help.user": {"zh": "网页工作台的账号：办公室、单位、县领导、查看。",
                  "en": "Accounts of the web workplace: office (办公室), unit (单位), leader (县领导), viewer."},
    "help.user.add": {"zh": "新建账号（安装时用它建第一个办公室账号）。",
                      "en": "Create an account (the first office account is created this way at setup)."},
    "help.user.add.role": {"zh": "角色：office 办公室，unit 单位，leader 县领导，viewer 查看。",
                           "en": "The role: office (办公室), unit (单位), leader (县领导), viewer."},
    "help.user.add.unit": {"zh": "单位账号所属的单位（与项目文件中的写法一致）。",
                           "en": "The unit of a unit account (as the project files name it)."},
    "help.user.add.leader": {"zh": "县领导账号：项目 leader 字段中的姓名。",
                             "en": "A leader account: the name the projects' leader field holds."},
    "help.user.add.project": {"zh": "县领导包联的项目（可重复）。", "en": "A leader's project (repeatable)."},
    "help.user.add.name": {"zh": "显示的姓名。", "en": "The person's name as shown."},
    "help.user.add.password": {"zh": "默认：环境变量 $DISPATCH_PASSWORD，否则提示输入。",
                               "en": "Default: $DISPATCH_PASSWORD, else asked."},
    "help.user.passwd": {"zh": "设置账号密码（其浏览器会话随即失效）。",
                         "en": "Set an account's password (its browser sessions end)."},
    "help.user.passwd.password": {"zh": "默认：环境变量 $DISPATCH_PASSWORD，否则提示输入。",
                                  "en": "Default: $DISPATCH_PASSWORD, else asked."},
    "help.user.disable": {"zh": "停用账号：其会话失效，API 令牌作废。",
                          "en": "Disable an account: its sessions end and its API tokens are revoked."},
    "help.user.disable.enable": {"zh": "重新启用。", "en": "Enable it again."},
    "help.user.token": {"zh": "生成一个代表该账号的 API 令牌并输出（供程序调用：Authorization: Bearer 令牌）。",
                        "en": "Print a new API token acting as the account (for machine clients: Authorization: "
                              "Bearer TOKEN)."},
    "help.user.token.name": {"zh": "令牌用途（省级平台……）。", "en": "What the token is for (provincial platform …)."},
}
STRINGS.update(HELP_STRINGS)


LOG_STRINGS: dict[str, dict[str, str]] = {
    # `dispatch serve`'s log lines (app/service.py, app/jobs.py), times in the configured timezone
    "log.level.DEBUG": {"zh": "调试", "en": "DEBUG"},
    "log.level.INFO": {"zh": "信息", "en": "INFO"},
    "log.level.WARNING": {"zh": "警告", "en": "WARNING"},
    "log.level.ERROR": {"zh": "错误", "en": "ERROR"},
    "log.level.CRITICAL": {"zh": "严重", "en": "CRITICAL"},
    "log.started": {"zh": "调度服务已启动：每周调度按 cron “{cron}”（{zone}）运行，下次运行时间 {next}；"
                          "待发预警每 {every} 秒重试一次",
                    "en": "scheduler started: weekly run on cron '{cron}' ({zone}), next at {next}; pending alerts "
                          "retried every {every} s"},
    "log.never": {"zh": "无", "en": "never"},
    "log.missed": {"zh": "原定 {when} 的每周调度因停机错过，现补运行一次（限 {grace} 秒内）",
                   "en": "weekly run of {when} was missed; it runs once now (if within {grace} s)"},
    "log.signal": {"zh": "收到信号 {signal}：正在停止（正在进行的周调度允许完成；正在发送的预警中断，下次启动时再发）",
                   "en": "signal {signal} received: stopping (a running weekly run is allowed to finish; alerts "
                         "being sent are cut off and stay pending for the next start)"},
    "log.stopped": {"zh": "调度服务已停止", "en": "scheduler stopped"},
    "log.jobstore": {"zh": "调度服务：任务存储出错（{error}），{retry} 秒后重试",
                     "en": "scheduler: job store error ({error}); trying again in {retry} s"},
    "log.weekly.no_runner": {"zh": "每周调度已跳过：{module}.run_weekly 不可用",
                             "en": "weekly run skipped: {module}.run_weekly is not available"},
    "log.weekly.start": {"zh": "每周调度开始（数据日期 {date}）", "en": "weekly run for data date {date} starting"},
    "log.weekly.done": {"zh": "每周调度完成（数据日期 {date}）：{result}",
                        "en": "weekly run for data date {date} done: {result}"},
    "log.weekly.result.run_id": {"zh": "运行编号 {value}", "en": "run_id {value}"},
    "log.weekly.result.week": {"zh": "周次 {value}", "en": "week {value}"},
    "log.weekly.result.status": {"zh": "状态 {value}", "en": "status {value}"},
    "log.weekly.skipped": {"zh": "每周调度已跳过：{error}", "en": "weekly run skipped: {error}"},
    "log.weekly.failed": {"zh": "每周调度失败：{error}", "en": "weekly run failed: {error}"},
    "log.weekly.crashed": {"zh": "每周调度意外失败", "en": "weekly run failed unexpectedly"},
    "log.alerts.undelivered": {"zh": "预警 {id} 未送达：{error}", "en": "alert {id} not delivered: {error}"},
    "log.alerts.failed": {"zh": "预警发送失败：{error}", "en": "alert delivery failed: {error}"},
    "log.alerts.crashed": {"zh": "预警发送意外失败", "en": "alert delivery failed unexpectedly"},
    "log.remind": {"zh": "{week} 报送提醒：{n} 个单位尚未报送{units}",
                   "en": "reminders for {week}: {n} units not reported yet{units}"},
    "log.remind.units": {"zh": "（{units}）", "en": " ({units})"},
    "log.remind.failed": {"zh": "报送提醒失败：{error}", "en": "reminders failed: {error}"},
    "log.remind.crashed": {"zh": "报送提醒意外失败", "en": "reminders failed unexpectedly"},
}
STRINGS.update(LOG_STRINGS)
STRINGS.update({
    # APScheduler's own warning and error lines under serve (app/service.py ApschedulerWords)
    "log.aps.missed": {"zh": "{job} 错过了运行时间，已晚 {late}"
                              "（超过允许的延迟 misfire_grace_seconds，本次不再补运行）"},
    "log.aps.max_instances": {"zh": "{job} 本次未运行：上一次仍在运行（同一任务最多同时运行 {n} 个）"},
    "log.aps.due_jobs": {"zh": "无法从任务库 {store} 读取到期的任务，稍后重试（原话：“{error}”）"},
    "log.aps.executor_lookup": {"zh": "找不到 {job} 的执行器 {executor}：已将该任务从任务库删除"},
    "log.aps.submit": {"zh": "无法把 {job} 交给执行器 {executor}"},
    "log.aps.raised": {"zh": "{job} 运行时意外出错"},
    "log.aps.restore": {"zh": "无法从任务库恢复任务 {job}（其保存的状态本版本无法读取）：已将其删除"},
    "log.aps.listener": {"zh": "调度事件的监听程序出错"},
    "log.aps.pool": {"zh": "进程池已损坏：已换用新的进程池"},
    "log.job.weekly-run": {"zh": "每周调度（{portfolio}）"},
    "log.job.alerts-retry": {"zh": "预警重发（{portfolio}）"},
    "log.job.report-reminder": {"zh": "报送提醒（{portfolio}）"},
    "log.span.d": {"zh": "{n} 天", "en": "{n} d"},
    "log.span.h": {"zh": "{n} 小时", "en": "{n} h"},
    "log.span.m": {"zh": "{n} 分", "en": "{n} min"},
    "log.span.s": {"zh": "{n} 秒", "en": "{n} s"},
})
