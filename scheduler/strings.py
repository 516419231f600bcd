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
}


def t(key: str, lang: str = "zh", **kw: object) -> str:
    """The label `key` in `lang` (falls back to Chinese, then to the key itself), formatted."""
    entry = STRINGS.get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(lang) or entry.get("zh") or key
    return text.format(**kw) if kw else text
