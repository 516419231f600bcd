"""Who reported (core/reporting.py, app/reporting.py): the deadline and each unit's status worked by
hand around it in the configured timezone, `dispatch reporting`, the reminder before the deadline,
and the stale rule of the weekly run: a unit that did not report keeps last week's findings (light
kept, marked stale), never read as zero progress; the printout names it (未按时报送).

The sample is tests/weekly_sample.py's road P-ROAD (construction calendar, every day worked in
Nov-Dec 2026): M1 施工准备 11-01..11-10 (县发改局), M2 开工 (event) 11-10 with start_by 11-30 and M3
路基 11-11..12-10 (洋沙湖集团), factors F1 用地 (县自然资源局) and F2 用林 (县林业局) on M3, an
investment plan of 600 万元 in each of Nov and Dec (县发改局 leads). Nothing is reported unless a
test says so."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine

from scheduler.app.ingest import ingest_report
from scheduler.app.reporting import remind_missing, reporting_of_week
from scheduler.app.reprint import view_of_run
from scheduler.app.weekly import run_weekly
from scheduler.cli import cli
from scheduler.core.findings import Light
from scheduler.core.reporting import (
    Received,
    ReportingRules,
    StaleMark,
    collecting_week,
    report_status,
    reporting_status,
)
from scheduler.errors import ConfigError
from scheduler.io.config import REPO_ROOT, Config, Unit, load_config
from scheduler.io.reports import META_SHEET, write_templates
from scheduler.outputs.printout import render_printout
from scheduler.store.alerts import list_alerts
from scheduler.store.projects import read_projects
from tests.weekly_sample import ROAD, load

W47, W48, W49 = dt.date(2026, 11, 16), dt.date(2026, 11, 23), dt.date(2026, 11, 30)
UNITS = ("县发改局", "县自然资源局", "县林业局", "洋沙湖集团")
UTC = dt.UTC


def utc(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=UTC)


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine, (ROAD, "P-ROAD.toml"))
    return engine


def make_config(tmp_path: Path, engine: Engine, first_week: str | None = "2026-W48", **kw: Any) -> Config:
    return Config(path=None, data_dir=tmp_path, calendar_dir=REPO_ROOT / "calendar", projects_dir=tmp_path,
                  outbox_dir=tmp_path / "outbox", database_url=engine.url.render_as_string(hide_password=False),
                  reporting=ReportingRules(first_week=first_week),
                  units={u: Unit(u, (f"{i}@county.gov.cn",)) for i, u in enumerate(UNITS)}, **kw)


def run(engine: Engine, config: Config, when: dt.date) -> Any:
    return run_weekly(engine, config, when, outputs=False, deliver=False)


def lights(result: Any) -> dict[str, tuple[str, int | None, int, bool]]:
    """key -> (light, days, weeks_red, stale) of a run's findings."""
    return {f.key: (f.light.value, f.days, f.weeks_red, bool(f.details.get("stale"))) for f in result.findings}


def ingest_filled(engine: Engine, tmp_path: Path, unit: str, week: str, cells: dict[tuple[str, str], Any],
                  now: dt.datetime) -> Any:
    """A unit fills its template of `week` and it is ingested at `now`."""
    (src,) = write_templates(read_projects(engine), week, tmp_path / "tpl", units=[unit])
    wb = load_workbook(src)
    assert wb[META_SHEET]["B3"].value == unit
    for (sheet, ref), value in cells.items():
        wb[sheet][ref] = value
    dst = tmp_path / f"filled_{unit}_{week}.xlsx"
    wb.save(dst)
    return ingest_report(engine, dst, now=now)


# -- the deadline and the status, by hand ------------------------------------------------------------


def test_deadline_is_friday_17_of_the_week_before_in_the_configured_zone() -> None:
    rules = ReportingRules(first_week="2026-W49")
    # W49 = Monday 2026-11-30; the Friday before is 11-27; 17:00 in Shanghai (UTC+8) = 09:00 UTC
    dl = rules.deadline("2026-W49", "Asia/Shanghai")
    assert dl.isoformat() == "2026-11-27T17:00:00+08:00"
    assert dl == utc(2026, 11, 27, 9, 0)
    # the same rule in London (UTC+0 in November): 17:00 UTC; in New York (EST, UTC-5): 22:00 UTC
    assert rules.deadline("2026-W49", "Europe/London") == utc(2026, 11, 27, 17, 0)
    assert rules.deadline("2026-W49", "America/New_York") == utc(2026, 11, 27, 22, 0)
    # a week across the new year: 2027-W01 starts Monday 2027-01-04, its deadline is Fri 2027-01-01
    assert rules.deadline("2027-W01", "Asia/Shanghai").date() == dt.date(2027, 1, 1)
    # another rule: Thursday 12:00
    day, time = ReportingRules.parse_deadline("Thursday 12:00")
    assert (day, time) == (3, dt.time(12, 0))
    assert ReportingRules(deadline_day=day, deadline_time=time).deadline("2026-W49", "Asia/Shanghai") == \
        utc(2026, 11, 26, 4, 0)
    with pytest.raises(ValueError, match="not a weekday and a time"):
        ReportingRules.parse_deadline("friday")


@pytest.mark.parametrize(("received", "status"), [
    (utc(2026, 11, 27, 8, 59, 59), "on_time"),       # 16:59:59 in Shanghai
    (utc(2026, 11, 27, 9, 0, 0), "on_time"),         # 17:00:00 exactly: still on time
    (utc(2026, 11, 27, 9, 0, 1), "late"),            # 17:00:01
    (utc(2026, 11, 20, 2, 0), "on_time"),            # a week early
    (utc(2026, 11, 30, 0, 15), "late"),              # Monday 08:15 in Shanghai, before the run: late
    (dt.datetime(2026, 11, 27, 16, 30), "late"),     # naive = UTC (as stored): 00:30 Saturday in Shanghai
    (dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), "on_time"),
    (None, "missing"),
])
def test_status_around_the_deadline(received: dt.datetime | None, status: str) -> None:
    deadline = ReportingRules().deadline("2026-W49", "Asia/Shanghai")
    assert report_status(received, deadline) == status


def test_collecting_week_is_next_week_in_the_configured_zone() -> None:
    # Friday 2026-11-27 09:00 in Shanghai: W48, so the sheet of W49 is being collected
    assert collecting_week(utc(2026, 11, 27, 1, 0), "Asia/Shanghai") == "2026-W49"
    # Sunday 2026-11-29 17:00 UTC is already Monday 01:00 in Shanghai (W49): collecting W50;
    # in London it is still Sunday of W48: collecting W49
    assert collecting_week(utc(2026, 11, 29, 17, 0), "Asia/Shanghai") == "2026-W50"
    assert collecting_week(utc(2026, 11, 29, 17, 0), "Europe/London") == "2026-W49"


def test_reporting_status_lists_expected_units_and_who_else_reported() -> None:
    rules = ReportingRules(first_week="2026-W49")
    got = [Received("县林业局", utc(2026, 11, 26, 1, 0), 2, utc(2026, 11, 28, 1, 0)),  # v1 on time, v2 late
           Received("县水利局", utc(2026, 11, 28, 1, 0), 1, utc(2026, 11, 28, 1, 0))]  # late, not expected
    st = reporting_status("2026-W49", ["县林业局", "县发改局"], got, rules, "Asia/Shanghai")
    assert [(u.unit, u.status, u.version) for u in st.units] == [
        ("县发改局", "missing", None), ("县水利局", "late", 1), ("县林业局", "on_time", 2)]
    assert st.required and st.missing == ("县发改局",) and st.late == ("县水利局",)
    doc = st.to_json()
    assert doc["week"] == "2026-W49" and doc["deadline"] == "2026-11-27T17:00:00+08:00"
    assert doc["units"][2] == {"unit": "县林业局", "status": "on_time", "received_at": "2026-11-26T01:00:00+00:00",
                               "version": 2}
    # before first_week nothing is required (the project files are the status)
    assert not reporting_status("2026-W48", ["县发改局"], [], rules, "Asia/Shanghai").required
    assert not ReportingRules().required("2026-W49")


def test_config_reporting_section(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[reporting]\nfirst_week = "2026-w49"\ndeadline = "thu 18:30"\nremind_cron = "0 9 * * thu"\n'
                   'investment_ratio_max = 50\n', encoding="utf-8")
    r = load_config(cfg).reporting
    assert (r.first_week, r.deadline_day, r.deadline_time, r.remind_cron, r.investment_ratio_max) == (
        "2026-W49", 3, dt.time(18, 30), "0 9 * * thu", 50.0)
    assert load_config(REPO_ROOT / "config.toml").reporting.first_week == "2026-W49"
    for bad in ('deadline = "17:00"', 'first_week = "week 49"', "investment_ratio_max = 1", 'deadlin = "fri 17:00"'):
        cfg.write_text(f"[reporting]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[reporting\]"):
            load_config(cfg)


# -- stored reports: on time, late, missing ---------------------------------------------------------


def test_stored_reports_on_time_late_missing(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded, "2026-W49")
    # W49's deadline: Friday 2026-11-27 17:00 Shanghai = 09:00 UTC
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W49", {("要素保障", "G4"): "办理中"}, utc(2026, 11, 27, 8, 59))
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W49", {("节点进度", "G5"): dt.datetime(2026, 11, 20),
                                                          ("节点进度", "I5"): 20}, utc(2026, 11, 27, 9, 1))
    # a correction after the deadline does not make an on-time report late
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W49", {("要素保障", "G4"): "办理中", ("要素保障", "H4"):
                                                          dt.datetime(2026, 12, 20)}, utc(2026, 11, 29, 3, 0))
    st = reporting_of_week(loaded, config, "2026-W49")
    assert {u.unit: (u.status, u.version) for u in st.units} == {
        "县发改局": ("missing", None), "县自然资源局": ("missing", None),
        "洋沙湖集团": ("late", 1), "县林业局": ("on_time", 2)}
    # a week before: nobody reported, all four missing (the rule does not apply before first_week)
    before = reporting_of_week(loaded, config, "2026-W48")
    assert not before.required and set(before.missing) == set(UNITS)


def test_cli_reporting_json_and_table(loaded: Engine, config_file: Path, tmp_path: Path) -> None:
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W49", {("要素保障", "G4"): "办理中"}, utc(2026, 11, 26, 2, 0))
    with config_file.open("a", encoding="utf-8") as fh:
        fh.write('[reporting]\nfirst_week = "2026-W49"\n[weekly]\ntimezone = "Asia/Shanghai"\n')
    res = CliRunner().invoke(cli, ["--config", str(config_file), "reporting", "--week", "2026-w49",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["week"] == "2026-W49" and doc["required"] is True
    assert [(u["unit"], u["status"]) for u in doc["units"]] == [
        ("县发改局", "missing"), ("县自然资源局", "missing"), ("洋沙湖集团", "missing"), ("县林业局", "on_time")]
    assert doc["units"][3]["received_at"] == "2026-11-26T02:00:00+00:00" and doc["units"][3]["version"] == 1
    table = CliRunner().invoke(cli, ["--config", str(config_file), "reporting", "--week", "2026-W49"])
    assert table.exit_code == 0, table.output
    assert "1 on time, 0 late, 3 missing" in table.output and "2026-11-26 10:00" in table.output


def test_cli_reporting_says_the_deadline_as_the_reminders_do(loaded: Engine, config_file: Path, tmp_path: Path,
                                                              ) -> None:
    """Under zh the deadline and the received time read 2026年11月27日 17:00 (the reminders' form)."""
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W49", {("要素保障", "G4"): "办理中"}, utc(2026, 11, 26, 2, 0))
    config_file.write_text(config_file.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"')
                           + '[reporting]\nfirst_week = "2026-W49"\n[weekly]\ntimezone = "Asia/Shanghai"\n',
                           encoding="utf-8")
    table = CliRunner().invoke(cli, ["--config", str(config_file), "reporting", "--week", "2026-W49"])
    assert table.exit_code == 0, table.output
    flat = "".join(table.output.split())  # the title wraps
    assert "（截止2026年11月27日17:00）" in flat and "│2026年11月26日10:00│" in flat
    assert "2026-11-2" not in table.output


# -- the reminder -----------------------------------------------------------------------------------


def test_reminder_goes_to_units_not_reported_once(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded, "2026-W49")
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W49", {("要素保障", "G4"): "办理中"}, utc(2026, 11, 26, 2, 0))
    friday_9 = utc(2026, 11, 27, 1, 0)  # 09:00 in Shanghai, the reminder's cron time
    week, units = remind_missing(loaded, config, now=friday_9)
    assert week == "2026-W49" and units == ["县发改局", "县自然资源局", "洋沙湖集团"]
    queued = list_alerts(loaded, week="2026-W49")
    assert sorted((a.unit, a.address, a.finding_key) for a in queued) == [
        ("县发改局", "0@county.gov.cn", "reminder/县发改局"),
        ("县自然资源局", "1@county.gov.cn", "reminder/县自然资源局"),
        ("洋沙湖集团", "3@county.gov.cn", "reminder/洋沙湖集团")]
    a = queued[0]
    assert a.subject == ("【报表催报】请于 2026年11月27日 17:00 前报送2026年第49周（11月30日至12月6日）"
                         "重大项目周调度报表")
    assert a.status == "pending"
    assert a.body.startswith(f"{a.unit}：\n\n贵单位尚未报送2026年第49周（11月30日至12月6日）重大项目要素保障周调度报表"
                             f"（模板：2026-W49_{a.unit}.xlsx）") and "未按时报送" in a.body
    # the next tick queues nothing more; a week before first_week reminds nobody
    assert remind_missing(loaded, config, now=friday_9)[1] == units
    assert len(list_alerts(loaded, week="2026-W49")) == 3
    assert remind_missing(loaded, config, now=utc(2026, 11, 20, 1, 0)) == ("2026-W48", [])


def test_after_the_deadline_each_unit_that_did_not_report_is_told_once(
        loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """W48's sheets were due Fri 2026-11-20 17:00 (Asia/Shanghai) = 09:00 UTC. 县发改局 and 洋沙湖集团
    report on time; the weekly run of W48 after the deadline queues one 逾期未报送 message to each
    of the two others (through the alert queue, key not-reported/UNIT), none to those that
    reported; running the week again adds none; a run before the deadline sends none."""
    import scheduler.app.weekly as weekly

    config = make_config(tmp_path, loaded)
    run(loaded, config, W47)
    friday = utc(2026, 11, 20, 6, 0)
    ingest_filled(loaded, tmp_path, "县发改局", "2026-W48", {("节点进度", "G4"): dt.datetime(2026, 11, 1)}, friday)
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W48", {("节点进度", "G4"): dt.datetime(2026, 11, 13)}, friday)

    def told() -> list[tuple[str, str, str]]:
        return sorted((a.unit, a.address, a.finding_key) for a in list_alerts(loaded, week="2026-W48")
                      if a.finding_key.startswith("not-reported/"))

    monkeypatch.setattr(weekly, "utcnow", lambda: utc(2026, 11, 20, 8, 59))  # 16:59 in Shanghai: not yet
    run(loaded, config, W48)
    assert told() == []
    monkeypatch.setattr(weekly, "utcnow", lambda: utc(2026, 11, 23, 0, 30))  # Monday 08:30: the week's run
    run(loaded, config, W48)
    assert told() == [("县林业局", "2@county.gov.cn", "not-reported/县林业局"),
                      ("县自然资源局", "1@county.gov.cn", "not-reported/县自然资源局")]
    (msg,) = [a for a in list_alerts(loaded, week="2026-W48") if a.finding_key == "not-reported/县林业局"]
    assert msg.subject == ("【逾期未报送】2026年第48周（11月23日至29日）重大项目周调度报表未在 2026年11月20日 17:00 "
                           "前报送")
    assert "请尽快补报（模板：2026-W48_县林业局.xlsx）" in msg.body  # the file keeps its ISO name
    assert msg.body.startswith("县林业局：") and "已列为“未按时报送”" in msg.body and "沿用上周数据" in msg.body
    run(loaded, config, W48)  # the week again: nothing twice
    assert len(told()) == 2


# -- the stale rule in the weekly run ----------------------------------------------------------------


BRIDGE = (ROAD.replace('"P-ROAD"', '"P-BRIDGE"').replace('lead_unit = "县发改局"', 'lead_unit = "县交通运输局"')
          .replace("洋沙湖集团", "县水利局").replace('unit = "县林业局"', 'unit = "县水利局"'))
"""P-ROAD's twin led by 县交通运输局, its milestones and forest approval 县水利局's; its land approval
县自然资源局's, as P-ROAD's."""


@pytest.mark.parametrize(("missing", "projects"), [
    ({"县发改局"}, {"P-ROAD"}),                    # P-ROAD's lead (and M1's: it names no unit)
    ({"洋沙湖集团"}, {"P-ROAD"}),                  # its milestones M2, M3
    ({"县林业局"}, {"P-ROAD"}),                    # a factor only (F2 on M3)
    ({"县自然资源局"}, {"P-ROAD", "P-BRIDGE"}),     # the land approvals of both
    ({"县交通运输局"}, {"P-BRIDGE"}),               # P-BRIDGE's lead only
    ({"县水利局", "县统计局"}, {"P-BRIDGE"}),
    ({"县统计局"}, set()),                         # answers for nothing
])
def test_projects_depending_on_a_missing_unit(missing: set[str], projects: set[str]) -> None:
    """Only these projects' previous findings can be carried (the weekly run reads no others)."""
    from scheduler.core.reporting import projects_depending_on
    from scheduler.core.schedule import frame_from_projects
    from tests.weekly_sample import project_file

    frame = frame_from_projects([project_file(ROAD, "road.toml").project, project_file(BRIDGE, "bridge.toml").project])
    assert projects_depending_on(frame, frozenset(missing)) == projects



def test_no_report_keeps_last_weeks_findings_not_a_new_red(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded)
    w47 = run(loaded, config, W47)  # before first_week: the project file is the status
    assert lights(w47) == {
        "finish-overdue/P-ROAD/M1": ("red", 6, 1, False),     # baseline finish 11-10, D 11-16: 6 days
        "finish-overdue/P-ROAD/M2": ("red", 6, 1, False),
        "start-overdue/P-ROAD/M3": ("yellow", 5, 0, False),   # baseline start 11-11: 5 days <= 10: yellow
        "slip/P-ROAD/M3": ("red", 15, 1, False),
        "factor/P-ROAD/M3/F1": ("yellow", 5, 0, False),    # approval 5 days overdue: yellow up to
        "factor/P-ROAD/M3/F2": ("yellow", 5, 0, False),    # [check] approval_red_days
        "investment/P-ROAD": ("yellow", None, 0, False),
        "physical/P-ROAD": ("red", None, 1, False),
    }
    # W48, nobody reported: every unit is missing; without the rule M3 would be 12 days late to
    # start and both approvals 12 days overdue (red). With it, each finding is W47's, light
    # and days kept, weeks in red counted on, marked stale; nothing new is raised.
    w48 = run(loaded, config, W48)
    got = lights(w48)
    assert got == {k: (light, days, red + 1 if light == "red" else 0, True)
                   for k, (light, days, red, _s) in lights(w47).items()}
    assert w48.check.project_lights["P-ROAD"] is Light.RED
    assert w48.check.summary.new == ()
    # still red a second week (carried): M1's problem goes up to the county as it would have
    # (the problem list's escalation: not reporting does not stop the clock)
    assert [(p.id, p.weeks_red) for p in w48.problems if p.escalate] == [("P-ROAD/milestone/M1", 2)]
    assert w48.check.summary.escalated == ("P-ROAD",)
    carried = {f.key: f for f in w48.findings}["start-overdue/P-ROAD/M3"]
    assert carried.details["stale_units"] == ["洋沙湖集团"] and carried.details["carried_from"] == "2026-W47"
    assert carried.first_seen == "2026-W47"
    # W49, still nothing: carried again, from the same week's evidence
    w49 = run(loaded, config, W49)
    again = {f.key: f for f in w49.findings}["start-overdue/P-ROAD/M3"]
    assert (again.light, again.days, again.details["carried_from"]) == (Light.YELLOW, 5, "2026-W47")


def test_only_the_missing_units_items_are_carried(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded)
    run(loaded, config, W47)
    friday = utc(2026, 11, 20, 6, 0)  # 14:00 in Shanghai on the Friday before W48: on time
    # 县发改局: M1 done 11-01..11-12; 洋沙湖集团: 开工 11-13, M3 started 11-14 at 20%
    ingest_filled(loaded, tmp_path, "县发改局", "2026-W48", {
        ("节点进度", "G4"): dt.datetime(2026, 11, 1), ("节点进度", "H4"): dt.datetime(2026, 11, 12),
        ("投资", "E4"): 500}, friday)
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W48", {
        ("节点进度", "G4"): dt.datetime(2026, 11, 13), ("节点进度", "H4"): dt.datetime(2026, 11, 13),
        ("节点进度", "G5"): dt.datetime(2026, 11, 14), ("节点进度", "I5"): 20}, friday)
    w48 = run(loaded, config, W48)
    assert [u["status"] for u in w48_reporting(loaded, w48)] == ["missing", "missing", "on_time", "on_time"]
    got = lights(w48)
    # the two factor approvals' units did not report: W47's yellow, 5 days, carried (not 12 days, red)
    assert got["factor/P-ROAD/M3/F1"] == ("yellow", 5, 0, True)
    assert got["factor/P-ROAD/M3/F2"] == ("yellow", 5, 0, True)
    # the milestones' units reported: fresh (M1, M2 finished; M3 started) - no overdue findings
    assert not any(k.startswith(("finish-overdue", "start-overdue")) for k in got)
    assert all(not stale for k, (_l, _d, _r, stale) in got.items() if not k.startswith("factor"))


def test_stale_mark_of_an_item_from_its_carried_findings() -> None:
    """core.reporting.stale_mark: the earliest week whose evidence shows, the units that did not
    report (each once, sorted), how many of the item's findings are carried; None when none is."""
    from scheduler.core.findings import Finding, FindingKind
    from scheduler.core.reporting import carried_findings, carried_from, stale_mark

    def f(kind: FindingKind, mid: str, units: list[str] | None, week: str | None) -> Finding:
        details: dict[str, Any] = {} if units is None else {"stale": True, "stale_units": units, "carried_from": week}
        return Finding("P", kind, Light.RED, "u", milestone=mid, details=details)

    a = f(FindingKind.START_OVERDUE, "M3", ["洋沙湖集团"], "2026-W47")
    b = f(FindingKind.SLIP, "M4", ["县发改局", "洋沙湖集团"], "2026-W46")
    fresh = f(FindingKind.FINISH_OVERDUE, "M1", None, None)
    assert (carried_from(a), carried_from(fresh)) == ("2026-W47", "")
    carried = carried_findings([a, b, fresh])
    assert set(carried) == {a.key, b.key}
    assert stale_mark([a.key, b.key, fresh.key], carried) == StaleMark("2026-W46", ("县发改局", "洋沙湖集团"), 2)
    assert stale_mark([fresh.key], carried) is None and stale_mark([], carried) is None


def test_problems_command_marks_the_problems_carried_for_units_that_did_not_report(
        loaded: Engine, config_file: Path, tmp_path: Path) -> None:
    """`dispatch problems` (JSON and table) marks a problem 【未报送·沿用W】 by the printout's rule
    (core.reporting.stale_mark): in W48 县发改局 and 洋沙湖集团 report, 县自然资源局 and 县林业局 do
    not, so the approval problems F1 and F2 rest on W47's findings; the milestone problems are fresh."""
    with config_file.open("a", encoding="utf-8") as fh:
        fh.write('[reporting]\nfirst_week = "2026-W48"\n')
    dispatch = CliRunner(env={"COLUMNS": "400"}).invoke
    assert dispatch(cli, ["--config", str(config_file), "run", "--data-date", "2026-11-16", "--no-outputs"]
                    ).exit_code == 0
    friday = utc(2026, 11, 20, 6, 0)
    ingest_filled(loaded, tmp_path, "县发改局", "2026-W48", {
        ("节点进度", "G4"): dt.datetime(2026, 11, 1), ("节点进度", "H4"): dt.datetime(2026, 11, 12),
        ("投资", "E4"): 500}, friday)
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W48", {
        ("节点进度", "G4"): dt.datetime(2026, 11, 13), ("节点进度", "H4"): dt.datetime(2026, 11, 13),
        ("节点进度", "G5"): dt.datetime(2026, 11, 14), ("节点进度", "I5"): 20}, friday)
    assert dispatch(cli, ["--config", str(config_file), "run", "--data-date", "2026-11-23", "--no-outputs"]
                    ).exit_code == 0
    res = dispatch(cli, ["--config", str(config_file), "problems", "--week", "2026-W48", "--format", "json"])
    assert res.exit_code == 0, res.output
    got = {p["id"]: p for p in json.loads(res.output)["problems"]}
    assert got["P-ROAD/factor/F1"]["stale"] == {"carried_from": "2026-W47", "units": ["县自然资源局"], "findings": 1}
    assert got["P-ROAD/factor/F2"]["stale"] == {"carried_from": "2026-W47", "units": ["县林业局"], "findings": 1}
    assert (got["P-ROAD/factor/F1"]["light"], got["P-ROAD/factor/F1"]["days"]) == ("yellow", 5)  # W47's
    fresh = {pid for pid, p in got.items() if p["stale"] is None}
    assert fresh == set(got) - {"P-ROAD/factor/F1", "P-ROAD/factor/F2"} and "P-ROAD/milestone/M1" in fresh
    table = dispatch(cli, ["--config", str(config_file), "problems", "--week", "2026-W48"])
    assert table.exit_code == 0, table.output
    marked = [line for line in table.output.splitlines() if "[not reported · as of 2026-W47]" in line]
    assert len(marked) == 2 and "P-ROAD/factor/F1" in marked[0] and "P-ROAD/factor/F2" in marked[1]
    one = dispatch(cli, ["--config", str(config_file), "problem", "P-ROAD/factor/F2"])
    assert json.loads(one.output)["stale"]["units"] == ["县林业局"]


def w48_reporting(engine: Engine, result: Any) -> list[dict[str, Any]]:
    from scheduler.store.runs import read_run

    info, _ = read_run(engine, result.week)
    return list(info.inputs["reporting"]["units"])


def test_printout_names_the_units_that_did_not_report(loaded: Engine, tmp_path: Path) -> None:
    import shutil
    import subprocess

    config = make_config(tmp_path, loaded)
    run(loaded, config, W47)
    ingest_filled(loaded, tmp_path, "县林业局", "2026-W48", {("要素保障", "G4"): "办理中"}, utc(2026, 11, 20, 1, 0))
    run(loaded, config, W48)
    view, _cals = view_of_run(loaded, config, "2026-W48")
    assert view.non_reporting == ("县发改局", "县自然资源局", "洋沙湖集团")
    (pv,) = view.projects
    assert pv.stale_units == ("县发改局", "县自然资源局", "洋沙湖集团") and pv.light is Light.RED
    rows = {r.key: r for r in view.findings}
    assert rows["factor/P-ROAD/M3/F1"].stale_from == "2026-W47"
    assert rows["factor/P-ROAD/M3/F2"].stale_from == ""  # 县林业局 reported: fresh
    marks = {r.problem.id: r.stale for r in view.problems}  # the problem list: the same rule
    assert marks["P-ROAD/factor/F1"] == StaleMark("2026-W47", ("县自然资源局",), 1)
    assert marks["P-ROAD/factor/F2"] is None
    pdf = render_printout(view, tmp_path / "out.pdf", {})
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils (pdftotext) missing: run scripts/test.sh")
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = "".join(text.split())
    assert "未按时报送单位（3个）" in flat
    assert "县发改局、县自然资源局、洋沙湖集团" in flat
    assert "【未报送·沿用2026年第47周】" in flat


def test_sample_w49_without_reports_every_unit_missing_no_new_red(engine: Engine, tmp_path: Path) -> None:
    """The county's sample (projects/, 湘阴县): W48 is the last week the project files are the status;
    in W49 (first_week in config.toml) nobody has reported. Without the rule the portfolio goes from
    3 red / 2 green to 7 red / 0 green; with it every unit is listed missing and every light is kept."""
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import read_portfolio
    from scheduler.store.projects import load_projects

    cals = CalendarSet(REPO_ROOT / "calendar")
    load_projects(engine, read_portfolio([REPO_ROOT / "projects"], calendars=cals), calendars=cals)
    config = make_config(tmp_path, engine, load_config(REPO_ROOT / "config.toml").reporting.first_week)
    w48 = run(engine, config, W48)
    # red: COAL-STORE (纳统 too), JINLONG-PARK, YJ-AVENUE; green: XG-BRIDGE, YG-RESERVE; five yellow
    assert w48.check.summary.project_lights == {"green": 2, "yellow": 5, "red": 3}
    w49 = run(engine, config, W49)
    status = reporting_of_week(engine, config, "2026-W49")
    assert status.required and len(status.missing) == len(status.units) == 13  # units with an open item
    assert all(u.status == "missing" for u in status.units)
    assert w49.check.project_lights == w48.check.project_lights
    fresh = [f for f in w49.findings if not f.details.get("stale")]
    assert {f.kind.value for f in fresh} <= {"escalation"}  # only what last week's reds call for
    view, _ = view_of_run(engine, config, "2026-W49")
    assert view.non_reporting == status.missing and view.glance.red == 3
    # the same week with the rule off reads silence as zero progress
    off = run(engine, make_config(tmp_path, engine, None), W49)
    assert off.check.summary.project_lights == {"green": 0, "yellow": 3, "red": 7}


# -- the units' answers, plausibility and the receipt ------------------------------------------------

ANS, RAISE = "问题整改", "新增问题"
# 问题整改: A 问题编号, B 项目编号, C 项目名称, D 问题, E 灯色, F 完成时限, G 情况说明, H 整改措施, I 承诺完成时间
# 新增问题: A 项目编号, B 节点编号, C 问题描述, D 整改措施, E 承诺完成时间, F 需县级协调, G 需协调事项
# 要素保障 J: 实际批复日期


def test_template_lists_open_items_only_and_the_problem_sheets(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded)
    run(loaded, config, W47)  # finds the problems
    friday = utc(2026, 11, 20, 6, 0)
    # 洋沙湖集团 reports 开工 (M2) done for W48: its W49 template no longer lists M2
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W48", {
        ("节点进度", "G4"): dt.datetime(2026, 11, 13), ("节点进度", "H4"): dt.datetime(2026, 11, 13)}, friday)
    from scheduler.core.reports import apply_reports
    from scheduler.store.problems import load_problems
    from scheduler.store.reports import load_reports

    with loaded.connect() as conn:
        problems = list(load_problems(conn).values())
    projects = apply_reports(read_projects(loaded), load_reports(loaded, week_max="2026-W49")).projects
    (path,) = write_templates(projects, "2026-W49", tmp_path / "t49", units=["洋沙湖集团"], problems=problems)
    wb = load_workbook(path)
    ms = wb["节点进度"]
    assert [ms[f"C{r}"].value for r in (4, 5)] == ["M3", None]  # M2 finished: not listed
    assert wb[ANS]["A4"].value is None  # its slips are symptoms of M1's problem: nothing of its own
    # the lead unit answers M1's problem (with M2, M3 folded under it) and the investment one
    (lead,) = write_templates(projects, "2026-W49", tmp_path / "t49", units=["县发改局"], problems=problems)
    ans = load_workbook(lead)[ANS]
    assert [ans[f"{c}3"].value for c in "ABGHI"] == ["问题编号", "项目编号", "情况说明", "整改措施", "承诺完成时间"]
    listed = [ans[f"A{r}"].value for r in range(4, 8) if ans[f"A{r}"].value]
    assert listed == ["P-ROAD/milestone/M1", "P-ROAD/investment"]
    assert listed == [p.id for p in problems if p.unit == "县发改局" and p.is_open]
    assert str(ans["D4"].value).startswith("【节点滞后】M1 施工准备")
    assert ans["A4"].protection.locked and not ans["G4"].protection.locked
    raise_ws = wb[RAISE]
    assert raise_ws["C3"].value == "问题描述" and not raise_ws["A4"].protection.locked
    # 县自然资源局: its approval F1 with the new 实际批复日期 column
    (land,) = write_templates(projects, "2026-W49", tmp_path / "t49", units=["县自然资源局"], problems=problems)
    fs = load_workbook(land)["要素保障"]
    assert (fs["C4"].value, fs["J3"].value) == ("F1", "实际批复日期")


def test_ingest_leaves_out_implausible_values_and_says_why(loaded: Engine, tmp_path: Path) -> None:
    config = make_config(tmp_path, loaded)
    friday = utc(2026, 11, 20, 6, 0)
    ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W48", {
        ("节点进度", "G5"): dt.datetime(2026, 11, 14), ("节点进度", "I5"): 40}, friday)
    # the W49 sheet: M3's percent typed as 4 (backwards from 40), 开工 finished "on" 12-09 (after
    # W49's Sunday 12-06), and the lead unit's investment of 1,500,000 - the November plan is 600
    # 万元, so 2,500 times the plan: 元 typed for 万元 (150 万元)
    receipt = ingest_filled(loaded, tmp_path, "洋沙湖集团", "2026-W49", {
        ("节点进度", "I5"): 4, ("节点进度", "G4"): dt.datetime(2026, 11, 13),
        ("节点进度", "H4"): dt.datetime(2026, 12, 9)}, utc(2026, 11, 26, 1, 0))
    lead = ingest_filled(loaded, tmp_path, "县发改局", "2026-W49", {("投资", "E4"): 1_500_000,
                                                                   ("节点进度", "G4"): dt.datetime(2026, 11, 1)},
                         utc(2026, 11, 27, 10, 0))
    assert receipt.status == "on_time" and lead.status == "late"  # 18:00 in Shanghai, after 17:00
    assert [(g.cell, g.reason) for g in receipt.ignored] == [("H4", "receipt.why.future"),
                                                             ("I5", "receipt.why.backwards")]
    assert [(c.item, c.field, c.old, c.new) for c in receipt.changes] == [("M2", "实际开始", "", "2026-11-13")]
    assert [(g.cell, g.reason, dict(g.args)["ratio"], dict(g.args)["wan"]) for g in lead.ignored] == [
        ("E4", "receipt.why.yuan", "2,500", "150")]
    lines = "\n".join(lead.lines("zh"))
    assert "已接收" in lines and "第 1 版（逾期报送）" in lines
    assert ("投资!E4 P-ROAD 本周完成投资(万元) = 1,500,000：是当月计划 600 万元的 2,500 倍，"
            "疑似按“元”填报（折合 150 万元）") in lines, lines
    zh = "\n".join(receipt.lines("zh"))
    assert "节点进度!I5 P-ROAD/M3 完成百分比(0-100) = 4：完成百分比倒退（已报 40%）" in zh, zh
    assert "节点进度!H4 P-ROAD/M2 实际完成 = 2026-12-09：日期晚于报表周（2026-11-30 至 2026-12-06）" in zh
    assert "P-ROAD/M2 实际开始：— → 2026-11-13" in zh
    en = "\n".join(receipt.lines("en"))
    assert "percent complete goes backwards (was 40%)" in en
    # nothing of what was ignored is stored: M3 keeps 40 %, M2 is not finished, no investment
    from scheduler.core.reports import apply_reports
    from scheduler.store.reports import load_reports

    (p,) = apply_reports(read_projects(loaded), load_reports(loaded, week_max="2026-W49")).projects
    assert p.milestone("M3").percent == 40 and p.milestone("M2").actual_finish is None
    assert p.milestone("M2").actual_start == dt.date(2026, 11, 13)
    assert p.investment is not None and p.investment.completed.get("2026-11") == 100  # only the file's
    assert config.reporting.investment_ratio_max == 100


def test_cli_ingest_prints_the_receipt(loaded: Engine, config_file: Path, tmp_path: Path) -> None:
    (src,) = write_templates(read_projects(loaded), "2026-W48", tmp_path / "tpl", units=["县发改局"])
    wb = load_workbook(src)
    wb["投资"]["E4"] = 2_000_000
    wb["节点进度"]["G4"] = dt.datetime(2026, 11, 1)
    wb.save(tmp_path / "lead.xlsx")
    res = CliRunner().invoke(cli, ["--config", str(config_file), "ingest", "--unit", "县发改局",
                                   str(tmp_path / "lead.xlsx")])
    assert res.exit_code == 0, res.output
    assert "received lead.xlsx: 县发改局 2026-W48 (2026-11-23 to 2026-11-29) version 1" in res.output
    assert "P-ROAD/M1 实际开始: — -> 2026-11-01" in res.output
    assert "1 values not applied" in res.output and "looks like yuan typed for 10k yuan (200)" in res.output


def test_weekly_cycle_template_answers_ingest_receipt_next_run(loaded: Engine, tmp_path: Path) -> None:
    """W47's run finds P-ROAD's problems; 县自然资源局's W48 sheet lists its open problem (the land
    approval F1), it answers it, gives F1's actual approval date and raises a new problem; ingest
    stores it all and says so; W48's run applies it: F1 approved (its finding and problem gone),
    the answer on the problem, the new problem on the list, the unit on time."""
    from scheduler.core.problems import ProblemStatus
    from scheduler.store.problems import load_problems, problems_of_week

    config = make_config(tmp_path, loaded)
    run(loaded, config, W47)
    with loaded.connect() as conn:
        problems = list(load_problems(conn).values())
    f1 = next(p for p in problems if p.factor == "F1")
    assert f1.id == "P-ROAD/factor/F1" and f1.unit == "县自然资源局" and f1.is_open
    (path,) = write_templates(read_projects(loaded), "2026-W48", tmp_path / "tpl", units=["县自然资源局"],
                              problems=problems)
    wb = load_workbook(path)
    assert wb[ANS]["A4"].value == f1.id and wb[ANS]["A5"].value is None
    wb[ANS]["G4"] = "省厅已受理补划方案，11月18日通过审查"
    wb[ANS]["H4"] = "专人跟踪省厅批文"
    wb[ANS]["I4"] = dt.datetime(2026, 11, 20)
    wb["要素保障"]["J4"] = dt.datetime(2026, 11, 19)   # 实际批复日期: F1 approved
    wb["要素保障"]["I4"] = "无"                          # the blocker is cleared
    wb[RAISE]["A4"] = "P-ROAD"
    wb[RAISE]["B4"] = "M3"
    wb[RAISE]["C4"] = "路基段村民阻工，需镇政府协调"
    wb[RAISE]["E4"] = dt.datetime(2026, 12, 4)
    wb[RAISE]["F4"] = "是"
    wb[RAISE]["G4"] = "请县政府协调征拆补偿"
    wb.save(tmp_path / "land.xlsx")
    receipt = ingest_report(loaded, tmp_path / "land.xlsx", now=utc(2026, 11, 20, 8, 0),
                            rules=config.reporting, timezone=config.timezone)
    assert receipt.status == "on_time" and receipt.version == 1
    assert receipt.read == {"milestone": 0, "factor": 1, "project": 0, "fund": 0, "quantity": 0, "statistics": 0,
                            "answer": 1, "raise": 1}
    assert [(c.item, c.field, c.new) for c in receipt.changes] == [
        ("F1", "堵点问题", "（已清除）"), ("F1", "实际批复日期", "2026-11-19")]
    assert receipt.answered == (f1.id,) and receipt.raised == ("P-ROAD/manual/1",)
    zh = receipt.lines("zh")
    assert zh[0] == "已接收 land.xlsx：县自然资源局 2026年第48周（11月23日至29日）周报第 1 版（按时报送）"
    doc = receipt.to_json()
    assert doc["status"] == "on_time" and doc["raised"] == ["P-ROAD/manual/1"] and doc["ignored"] == []
    assert doc["changes"][1] == {"sheet": "要素保障", "project": "P-ROAD", "item": "F1", "field": "实际批复日期",
                                 "old": "", "new": "2026-11-19"}
    assert f"  问题 {f1.id}：已记录本周答复" in zh and "  新增问题 P-ROAD/manual/1" in zh
    # the same file again stores nothing and says so
    again = ingest_report(loaded, tmp_path / "land.xlsx", rules=config.reporting, timezone=config.timezone)
    assert again.unchanged and again.lines("zh")[1] == "与已接收的第 1 版相同，未重复保存"

    w48 = run(loaded, config, W48)
    assert not any(f.factor == "F1" for f in w48.findings)  # approved: no finding, nothing carried
    with loaded.connect() as conn:
        _week, listed = problems_of_week(conn, "2026-W48")
    by_id = {p.id: p for p in listed}
    assert by_id[f1.id].status is ProblemStatus.DONE
    ans = by_id[f1.id].answer
    assert ans is not None and (ans.week, ans.situation, ans.measures, ans.promised) == (
        "2026-W48", "省厅已受理补划方案，11月18日通过审查", "专人跟踪省厅批文", dt.date(2026, 11, 20))
    new = by_id["P-ROAD/manual/1"]
    assert (new.description, new.unit, new.milestone, new.needs_county, new.county_matters, new.due) == (
        "路基段村民阻工，需镇政府协调", "县自然资源局", "M3", True, "请县政府协调征拆补偿", dt.date(2026, 12, 4))
    assert new.is_open
    status = {u["unit"]: u["status"] for u in w48_reporting(loaded, w48)}
    assert status["县自然资源局"] == "on_time" and status["县林业局"] == "missing"
    # 县林业局 did not report: its F2 is carried from W47, marked stale
    f2 = {f.key: f for f in w48.findings}["factor/P-ROAD/M3/F2"]
    assert f2.details["stale"] and f2.days == 5


def test_the_run_reads_last_weeks_findings_of_the_missing_units_projects_only(engine: Engine, tmp_path: Path) -> None:
    """The county's sample in W49: all but 洋沙湖集团 and 临港产投 report (nothing changed). The run
    reads W48's findings only of the projects those two answer in (COAL-STORE, LG-NEV, SHIP-BASE
    and YJ-AVENUE: leads, milestones, factors), and its findings are the same as the check's with
    every W48 finding offered to the stale rule: theirs carried, the reporting units' fresh."""
    from scheduler.app.weekly import _read_inputs
    from scheduler.core.check import check_portfolio
    from scheduler.core.reporting import Staleness
    from scheduler.core.schedule import schedule_frame
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.io.projectfile import read_portfolio
    from scheduler.store.projects import load_projects
    from scheduler.store.runs import read_run

    cals = CalendarSet(REPO_ROOT / "calendar")
    load_projects(engine, read_portfolio([REPO_ROOT / "projects"], calendars=cals), calendars=cals)
    config = make_config(tmp_path, engine, "2026-W49")
    run(engine, config, W48)
    missing = {"洋沙湖集团", "临港产投"}
    units = reporting_of_week(engine, config, "2026-W49").missing
    for unit in sorted(set(units) - missing):
        ingest_filled(engine, tmp_path, unit, "2026-W49", {}, utc(2026, 11, 27, 1, 0))
    w49 = run(engine, config, W49)
    inp = _read_inputs(engine, W49, "2026-W49", models=False, config=config)
    assert set(inp.reporting.missing) == missing
    assert {f.project for f in inp.previous_findings} == {"COAL-STORE", "LG-NEV", "SHIP-BASE", "YJ-AVENUE"}
    _info, every = read_run(engine, "2026-W48")
    assert len(every) > len(inp.previous_findings)
    result = schedule_frame(inp.frame, {n: cals[n] for n in inp.frame.calendar_names}, W49)
    full = check_portfolio(result, inp.baseline_start, inp.baseline_finish, config.check, inp.history,
                           stale=Staleness(frozenset(missing), every, "2026-W48"))
    assert w49.findings == full.findings
    carried = {f.key: f.details["stale_units"] for f in w49.findings if f.details.get("stale")}
    assert carried["start-overdue/YJ-AVENUE/M08"] == ["洋沙湖集团"]  # its own milestone
    assert carried["slip/LG-NEV/M03"] == carried["physical/COAL-STORE"] == ["临港产投"]  # the forecast
    assert {u for us in carried.values() for u in us} == missing
    # the reporting units' items are fresh, in those projects too (COAL-STORE's lead 县发改局 reported)
    fresh = {f.key for f in w49.findings if not f.details.get("stale")}
    assert {"investment/COAL-STORE", "factor/YJ-AVENUE/M07/F1", "slip/YGG-RAIL/M12"} <= fresh
