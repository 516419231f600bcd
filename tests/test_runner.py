"""The weekly run (scheduler/runner.py) and its lock (scheduler/lock.py): stored runs and findings,
week-over-week history and escalation, re-running a week atomically, no partial state after a
crash, and a second run refused (or waiting) while one holds the lock.

The sample is tests/weekly_sample.py's road P-ROAD on the construction calendar (every day
worked in Nov-Dec 2026). Its baseline (the plan, stored on load): M1 11-01..11-10, M2 (开工, an
event after M1, start_by 11-30) 11-10, M3 11-11..12-10. Nothing is reported unless a test says so."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine, func, insert, select

from scheduler.app import weekly as runmod
from scheduler.app.ingest import ingest_report
from scheduler.app.weekly import run_weekly
from scheduler.cli import cli
from scheduler.core.findings import FindingKind, Light
from scheduler.errors import NotFound, RunLocked
from scheduler.io.config import REPO_ROOT, Config
from scheduler.io.reports import write_templates
from scheduler.store import lock as lockmod
from scheduler.store.db import findings as findings_t
from scheduler.store.db import run_lock, runs, transaction, utcnow
from scheduler.store.projects import read_projects
from scheduler.store.runs import list_runs, read_run
from tests.weekly_sample import ROAD, load

W47, W48 = dt.date(2026, 11, 16), dt.date(2026, 11, 23)


@pytest.fixture
def config(tmp_path: Path, engine: Engine) -> Config:
    return Config(path=None, data_dir=tmp_path, calendar_dir=REPO_ROOT / "calendar", projects_dir=tmp_path,
                  outbox_dir=tmp_path / "outbox", database_url=engine.url.render_as_string(hide_password=False))


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine, (ROAD, "P-ROAD.toml"))
    return engine


def run(engine: Engine, config: Config, when: dt.date, **kw: Any) -> runmod.RunResult:
    kw.setdefault("outputs", False)
    kw.setdefault("deliver", False)
    return run_weekly(engine, config, when, **kw)


def by_key(findings: Any) -> dict[str, Any]:
    return {f.key: f for f in findings}


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as c:
        return (int(c.scalar(select(func.count()).select_from(runs)) or 0),
                int(c.scalar(select(func.count()).select_from(findings_t)) or 0))


def test_run_stores_run_and_findings_worked_by_hand(loaded: Engine, config: Config) -> None:
    res = run(loaded, config, W48)
    f = by_key(res.findings)
    # M1 (10 days, baseline finish 11-10) has not finished at 11-23: 13 days late, red
    assert (f["finish-overdue/P-ROAD/M1"].light, f["finish-overdue/P-ROAD/M1"].days) == (Light.RED, 13)
    # 开工 must happen by 11-30: M1 forecast 11-23..12-02 and the event is reached at the end of
    # 12-02 (it prints 12-02; the spec: an event's printed date against its deadline): 2 days over,
    # total float -2
    assert f["deadline/P-ROAD/M2"].days == 2
    assert f["deadline/P-ROAD/M2"].details["forecast_start"] == "2026-12-02"
    # 序时: November plan 600, 22 of its 30 days before 11-23: 440 planned, 100 done:
    # 340 behind = 28.3 points of the annual 1200 -> yellow
    inv = f["investment/P-ROAD"]
    assert inv.light is Light.YELLOW and inv.details["gap_points"] == pytest.approx(28.33)
    # the land approval F1 of M3: M3's baseline start 11-11 has passed -> red, needed 12 days ago
    assert (f["factor/P-ROAD/M3/F1"].light, f["factor/P-ROAD/M3/F1"].days) == (Light.RED, 12)
    # stored: one complete, current run with exactly these findings, in order
    info, stored = read_run(loaded, "2026-W48")
    assert (info.id, info.status, info.current, info.data_date) == (res.run_id, "complete", True, W48)
    assert [(x.key, x.light, x.days, x.details) for x in stored] == \
        [(x.key, x.light, x.days, x.details) for x in res.findings]
    assert info.inputs["projects"]["P-ROAD"]["digest"] and info.inputs["reports"] == []
    assert info.summary is not None and info.summary["project_lights"] == {"green": 0, "yellow": 0, "red": 1}
    assert all(x.first_seen == "2026-W48" for x in stored)


def test_reports_feed_the_run(loaded: Engine, config: Config, tmp_path: Path) -> None:
    tpl = {p.name.split("_", 1)[1][:-5]: p for p in write_templates(read_projects(loaded), "2026-W48", tmp_path)}
    wb = load_workbook(tpl["县发改局"])
    wb["节点进度"]["G4"] = dt.datetime(2026, 11, 1)
    wb["节点进度"]["H4"] = dt.datetime(2026, 11, 12)
    wb["投资"]["E4"] = 300
    wb.save(tmp_path / "lead.xlsx")
    rep = ingest_report(loaded, tmp_path / "lead.xlsx")
    res = run(loaded, config, W48)
    f = by_key(res.findings)
    assert "finish-overdue/P-ROAD/M1" not in f  # reported finished 11-12
    # 100 + 300 = 400 done against 440 planned: 40 behind = 3.3 points -> green, no finding
    assert "investment/P-ROAD" not in f
    assert res.report_ids == (rep.report_id,)
    assert read_run(loaded)[0].inputs["reports"] == [rep.report_id]


def test_rerun_replaces_the_week_atomically_history_kept(loaded: Engine, config: Config, tmp_path: Path) -> None:
    first = run(loaded, config, W48)
    assert "finish-overdue/P-ROAD/M1" in by_key(first.findings)
    tpl = write_templates(read_projects(loaded), "2026-W48", tmp_path, units=["县发改局"])[0]
    wb = load_workbook(tpl)
    wb["节点进度"]["G4"] = dt.datetime(2026, 11, 1)
    wb["节点进度"]["H4"] = dt.datetime(2026, 11, 12)
    wb.save(tmp_path / "lead.xlsx")
    ingest_report(loaded, tmp_path / "lead.xlsx")
    second = run(loaded, config, W48)
    assert second.replaced == (first.run_id,) and second.run_id != first.run_id
    info, current = read_run(loaded, "2026-W48")
    assert info.id == second.run_id
    assert "finish-overdue/P-ROAD/M1" not in by_key(current)  # the first run's finding is gone
    # ... from `current` only: the first run and its findings are kept, no longer current
    all_runs = list_runs(loaded, "2026-W48")
    assert [(r.id, r.current) for r in all_runs] == [(first.run_id, False), (second.run_id, True)]
    with loaded.connect() as c:
        old = c.scalars(select(findings_t.c.key).where(findings_t.c.run_id == first.run_id)).all()
    assert sorted(old) == sorted(x.key for x in first.findings)
    # a re-run is not "last week": its history is the previous week's run (none here)
    assert second.previous_run is None and all(x.first_seen == "2026-W48" for x in current)


def test_week_over_week_history_and_escalation(loaded: Engine, config: Config) -> None:
    w47 = run(loaded, config, W47)
    f47 = by_key(w47.findings)
    # at 11-16: M1 6 days overdue (red); M3 not started 5 days after its baseline start 11-11
    # (yellow, <= 10); no escalation in the first week
    assert f47["finish-overdue/P-ROAD/M1"].days == 6
    assert f47["start-overdue/P-ROAD/M3"].light is Light.YELLOW
    assert "deadline/P-ROAD/M2" not in f47  # 开工 forecast 11-25, before 11-30
    assert not [p for p in w47.problems if p.escalate]
    w48 = run(loaded, config, W48)
    assert w48.previous_run == w47.run_id
    f48 = by_key(w48.findings)
    m1 = f48["finish-overdue/P-ROAD/M1"]
    assert (m1.first_seen, m1.weeks_red) == ("2026-W47", 2)
    m3 = f48["start-overdue/P-ROAD/M3"]  # now 12 days late: red, but its first red week
    assert (m3.light, m3.first_seen, m3.weeks_red) == (Light.RED, "2026-W47", 1)
    # what goes up is decided on the problem list, not by the check (no ESCALATION finding): M1
    # (施工准备, resumes on the data date: late on its own account) drives 开工 M2 and 路基 M3, so
    # their findings and the physical gap are its symptoms; red in W47 and W48 -> 2 weeks running
    # = escalate_after_weeks: it goes up. The approvals F1, F2 (yellow at 5 days in W47, red at 12
    # in W48) are in their first red week: they do not.
    assert not [x for x in w48.findings if x.kind is FindingKind.ESCALATION]
    assert [(p.id, p.weeks_red) for p in w48.problems if p.escalate] == [("P-ROAD/milestone/M1", 2)]
    up = {p.id: p for p in w48.problems}["P-ROAD/milestone/M1"]
    assert {s.key for s in up.symptoms} == {"finish-overdue/P-ROAD/M1", "finish-overdue/P-ROAD/M2",
                                            "start-overdue/P-ROAD/M3", "slip/P-ROAD/M3", "deadline/P-ROAD/M2",
                                            "physical/P-ROAD"}
    assert {p.id: (p.light, p.weeks_red) for p in w48.problems if p.factor} == {
        "P-ROAD/factor/F1": (Light.RED, 1), "P-ROAD/factor/F2": (Light.RED, 1)}
    s = w48.check.summary
    assert "deadline/P-ROAD/M2" in s.new
    assert "finish-overdue/P-ROAD/M1" in s.persisting and s.resolved == ()
    assert s.escalated == ("P-ROAD",)


def test_weeks_red_counted_over_the_runs_when_a_week_is_run_late(loaded: Engine, config: Config,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """连续N周红灯 counts the portfolio's weekly runs, from the stored weeks. M1 (施工准备, due 11-10,
    unfinished) is red at 11-16 (W47), 11-23 (W48) and 11-30 (W49). W48 not run at first: W49
    counts W47 and W49, 2 (the holiday week neither counts nor breaks). W48 run late: 2 for W48
    (W47 + W48), and W49 is now 3 in `dispatch problems`, the reprinted brief and the digest,
    though W49's own run counted 2; so is its finding's (`dispatch findings`, read back)."""
    from scheduler.app.problems import week_problems
    from scheduler.app.reprint import view_of_run
    from scheduler.delivery.messages import problem_digest_text

    pid = "P-ROAD/milestone/M1"
    run(loaded, config, W47)
    w49 = run(loaded, config, dt.date(2026, 11, 30))
    assert {p.id: p.weeks_red for p in w49.problems}[pid] == 2
    w48 = run(loaded, config, W48)
    assert {p.id: p.weeks_red for p in w48.problems}[pid] == 2
    # the finding under it too: first seen W47, red in W47, W48, W49 -> 3 (its run counted 2)
    assert (by_key(w49.findings)["finish-overdue/P-ROAD/M1"].weeks_red) == 2
    m1 = by_key(read_run(loaded, "2026-W49")[1])["finish-overdue/P-ROAD/M1"]
    assert (m1.first_seen, m1.weeks_red) == ("2026-W47", 3)
    monkeypatch.setenv("DISPATCH_DATABASE_URL", config.database_url)
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "default")
    res = CliRunner().invoke(cli, ["problems", "--week", "2026-W49", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert {p["id"]: p["weeks_red"] for p in json.loads(res.output)["problems"]}[pid] == 3
    view, _cals = view_of_run(loaded, config, "2026-W49")
    assert {r.problem.id: r.problem.weeks_red for r in view.problems}[pid] == 3
    _wk, problems, names, _stale = week_problems(loaded, "2026-W49")
    m1 = [p for p in problems if p.id == pid]
    _subject, body = problem_digest_text(m1[0].unit, m1, "2026-W49", names)
    assert "【连续3周红灯】" in body


def test_crash_inside_the_transaction_leaves_the_last_run(loaded: Engine, config: Config,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(loaded, config, W48)
    before = counts(loaded)

    def boom(conn: Any, **kw: Any) -> int:
        raise RuntimeError("disk full while queueing alerts")

    import scheduler.delivery.messages
    monkeypatch.setattr(scheduler.delivery.messages, "enqueue_alerts", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        run(loaded, config, W48)
    assert counts(loaded) == before  # no second run row, no findings of it
    info, current = read_run(loaded, "2026-W48")
    assert info.id == first.run_id and info.current
    assert len(current) == len(first.findings)
    assert lockmod.current_holder(loaded) is None  # the lock was given back


def test_second_run_refused_while_one_holds_the_lock(loaded: Engine, config: Config,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    inside, go = threading.Event(), threading.Event()
    real = runmod.check_portfolio

    def slow_check(*a: Any, **kw: Any) -> Any:
        inside.set()
        assert go.wait(10)
        return real(*a, **kw)

    monkeypatch.setattr(runmod, "check_portfolio", slow_check)
    results: list[Any] = []
    t = threading.Thread(target=lambda: results.append(run(loaded, config, W48)))
    t.start()
    try:
        assert inside.wait(10)
        with pytest.raises(RunLocked) as e:
            run(loaded, config, W48)
        assert "another weekly run started at" in e.value.message and "is in progress" in e.value.message
        assert "(Asia/Shanghai)" in e.value.message
    finally:
        go.set()
        t.join(10)
    assert len(results) == 1 and counts(loaded)[0] == 1  # only the first run was stored


def test_waiting_for_the_lock(loaded: Engine, config: Config) -> None:
    held = lockmod.acquire(loaded, holder="other-host:1:abc")
    timer = threading.Timer(0.3, lambda: lockmod.release(loaded, held))
    timer.start()
    try:
        res = run(loaded, config, W48, wait=10)
    finally:
        timer.join()
    assert res.run_id and lockmod.current_holder(loaded) is None
    held = lockmod.acquire(loaded)
    try:
        with pytest.raises(RunLocked, match=r"waited 0.2 s"):
            run(loaded, config, W48, wait=0.2)
    finally:
        assert lockmod.release(loaded, held)


def test_stale_lock_is_broken(loaded: Engine, config: Config) -> None:
    with transaction(loaded) as c:
        c.execute(insert(run_lock).values(name=lockmod.WEEKLY, holder="crashed:42:dead",
                                          acquired_at=utcnow() - dt.timedelta(hours=7)))
    res = run(loaded, config, W48)  # older than 6 hours: taken to be a crashed run
    assert res.run_id
    lk = lockmod.acquire(loaded, stale_after=dt.timedelta(hours=6))
    assert lk.broke is None
    lockmod.release(loaded, lk)
    with transaction(loaded) as c:
        c.execute(insert(run_lock).values(name=lockmod.WEEKLY, holder="crashed:42:dead",
                                          acquired_at=utcnow() - dt.timedelta(hours=7)))
    lk = lockmod.acquire(loaded)
    assert lk.broke == "crashed:42:dead"
    assert not lockmod.release(loaded, lockmod.Lock(lockmod.WEEKLY, "crashed:42:dead", lk.acquired_at))
    assert lockmod.release(loaded, lk)


def test_no_projects_refused(engine: Engine, config: Config) -> None:
    with pytest.raises(NotFound, match="dispatch load"):
        run(engine, config, W48)
    assert counts(engine) == (0, 0)


def test_cli_run_and_findings(loaded: Engine, config: Config, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_DATABASE_URL", config.database_url)
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "default")  # the repository's config.toml names 湘阴's
    monkeypatch.setenv("COLUMNS", "200")  # the output folder's path on one line, however deep tmp_path is
    import scheduler.outputs.render as outmod

    monkeypatch.setattr(outmod, "write_outputs", lambda *a, **k: [])  # no printout: fast
    monkeypatch.setattr(runmod.loop, "deliver_pending", lambda *a, **k: None)  # alerts stay queued
    runner = CliRunner()
    out = tmp_path / "w48"
    res = runner.invoke(cli, ["run", "--data-date", "2026-11-23", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "2026年第48周（11月23日至29日）调度完成：数据日期 2026年11月23日，运行 #" in res.output
    assert str(out) in res.output and "项目 1 个：红灯 1" in res.output
    assert "提请县政府专题研究" not in res.output  # first week: nothing escalated yet
    res = runner.invoke(cli, ["findings", "--week", "2026-W48", "--format", "json", "--light", "red"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["run"]["week"] == "2026-W48" and doc["run"]["current"] is True
    keys = {f["key"] for f in doc["findings"]}
    assert "finish-overdue/P-ROAD/M1" in keys and all(f["light"] == "red" for f in doc["findings"])
    res = runner.invoke(cli, ["findings", "--week", "2026-W40"])
    assert res.exit_code == 2 and "数据库中没有 2026-W40 的周调度运行" in res.output
    held = lockmod.acquire(loaded)
    try:
        res = runner.invoke(cli, ["run", "--data-date", "2026-11-23"])
        assert res.exit_code == 4 and "另一个周调度（开始于" in res.output  # config.toml says zh
        assert "Traceback" not in res.output
    finally:
        lockmod.release(loaded, held)


def _open_font_files() -> list[str]:
    """The CJK and fallback font files this process has open (Linux: /proc/self/fd). matplotlib's
    font cache holds some open by design (bounded): callers compare with a count taken before."""
    from scheduler.outputs.fonts import cjk_font_path, fallback_font_path

    fonts = {str(cjk_font_path()), str(fallback_font_path())}
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # an fd closed meanwhile (the listing's own)
            found.append(os.readlink(fd))
    return sorted(t for t in found if t in fonts)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd to list the open files")
def test_a_run_whose_outputs_cannot_be_written_leaves_no_font_file_open(loaded: Engine, config: Config,
                                                                      tmp_path: Path) -> None:
    """Two runs in one process, as under `dispatch serve`: the first cannot write its outputs (a file
    where the folder should be) after its PDF's fonts were opened; they are closed all the same (was:
    left open, held by fpdf2's glyph caches until a later PDF, then an unclosed-file ResourceWarning
    in whichever run freed them). The second run writes everything."""
    import gc

    gc.collect()
    before = _open_font_files()  # matplotlib's cache, when charts were drawn earlier in this process
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    first = run(loaded, config, W47, outputs=True, out_dir=tmp_path / "file" / "w47")
    assert first.output_error is not None and first.output_error.kind == "outputs-unwritten", first.output_error
    assert first.run_id is not None and first.outputs is None
    assert len(_open_font_files()) <= len(before), (before, _open_font_files())
    del first
    gc.collect()  # frees the failed run's documents: a font file left open would warn here
    second = run(loaded, config, W48, outputs=True, out_dir=tmp_path / "w48")
    assert second.output_error is None and second.outputs, second.output_error
    assert all(p.is_file() and p.stat().st_size > 0 for p in second.outputs)
    assert {p.suffix for p in second.outputs} >= {".pdf", ".docx", ".xlsx"}
    del second
    gc.collect()  # fpdf2's glyph caches let go of the first run's fonts only when a later PDF is written
    assert len(_open_font_files()) <= len(before), (before, _open_font_files())


def test_a_run_whose_outputs_fail_keeps_the_error_not_its_frames(loaded: Engine, config: Config, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The result keeps the OutputError to show its one line (and exit code), but not its traceback
    nor the OSError it was raised during: those hold every failing frame's locals (the view, the
    whole portfolio) alive for as long as the result lives (under `dispatch serve`, until the next
    week's run)."""
    import gc
    import weakref

    import scheduler.outputs.render as outmod

    class Portfolio:  # stands for what the failing frames hold
        pass

    held: list[weakref.ref[Portfolio]] = []

    def failing(view: Any, out_dir: Path, *a: Any, **k: Any) -> list[Path]:
        big = Portfolio()
        held.append(weakref.ref(big))
        with outmod._writing(out_dir):  # the rule every output write follows
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(outmod, "write_outputs", failing)
    result = run(loaded, config, W48, outputs=True, out_dir=tmp_path / "w48")
    e = result.output_error
    assert e is not None and e.kind == "outputs-unwritten" and e.exit_code == 5
    assert e.params["errno"] == "ENOSPC"
    assert e.__traceback__ is None and e.__context__ is None and e.__cause__ is None
    gc.collect()
    assert held and held[0]() is None, "the failing frame's locals are still alive"


def test_cli_runs_lists_the_current_and_the_replaced_runs(loaded: Engine, config: Config,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`dispatch runs`: the history a re-run keeps ("历史保留") can be read: W47's run, W48's first run
    replaced by its second, which is current; `--week` narrows to one week, `--format json` for programs."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", config.database_url)
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "default")  # the repository's config.toml (zh) names 湘阴's
    monkeypatch.setenv("COLUMNS", "200")
    ids = [run(loaded, config, d).run_id for d in (W47, W48, W48)]
    res = CliRunner().invoke(cli, ["runs"])
    assert res.exit_code == 0, res.output
    rows = [line.split() for line in res.output.splitlines() if line.lstrip().startswith("#")]
    assert [(r[0], r[1], r[2], r[5]) for r in rows] == [
        (f"#{ids[0]}", "2026年第47周", "2026-11-16", "当前"),
        (f"#{ids[1]}", "2026年第48周", "2026-11-23", "已被重新运行替换"),
        (f"#{ids[2]}", "2026年第48周", "2026-11-23", "当前")]
    assert "周调度运行记录：全部周次（3 次）" in res.output and "红灯 1、黄灯 0、绿灯 0" in res.output
    res = CliRunner().invoke(cli, ["runs", "--week", "2026-W48", "--format", "json"])
    assert [(r["id"], r["current"]) for r in json.loads(res.output)["runs"]] == [(ids[1], False), (ids[2], True)]
    res = CliRunner().invoke(cli, ["runs", "--week", "2026-W40"])
    assert res.exit_code == 0 and "没有已保存的周调度运行（2026年第40周（9月28日至10月4日））" in res.output
