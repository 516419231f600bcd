"""Benchmark of the weekly run at portfolio scale (default 5,000 projects x 100 milestones).

    .venv/bin/python bench/weekly_run.py [--projects 5000 --milestones 100] [--seed 1]

1. Generates a synthetic portfolio (links of all four types with lags, deadlines, progress at the data
   date, factor requirements) and stores it with the real loader (repository.load_projects) in an
   embedded SQLite database under a temporary folder (setup, not timed).
   With --previous-weeks K, runner.run_weekly first runs the K weeks before the data date (untimed),
   so the timed week reads a history of stored runs, findings and problems, as every week but a
   portfolio's first does.
2. In a fresh child process (so its peak memory is the weekly run's alone), times the runner's path
   stage by stage: reading the inputs (repository.load_frame's columns, the weekly reports put back
   into them, the history), schedule.schedule_frame at the data date, check.check_portfolio on the
   columns, the week's problem list (found from the findings, the stored problems the week needs
   read and carried over: runner._carry_problems), and storing the run, its findings, problems and
   alerts in one transaction. `total_s` is the sum of these stages. As in run_weekly, the cyclic
   garbage collector is paused from reading to storing.
3. In a second child, times runner.run_weekly (what `dispatch run` does, outputs and delivery off)
   end to end, for comparison.
4. Times a naive networkx CPM of the same graphs (a DiGraph per project, topological_sort, dict
   loops; forward and backward pass only) against the engine's cpm.compute, after checking that
   both give the same ES/EF/LF on the plan.

Memory: `peak_mb` is the child process's peak resident set size (resource.getrusage ru_maxrss, the
whole process: interpreter, libraries and data); the growth over the state after imports is printed
too. The last line is machine-readable:
    weekly_run milestones=N total_s=... peak_mb=... cpm_s=... networkx_cpm_s=... speedup=... previous_weeks=K
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DATA_DATE = dt.date(2026, 11, 23)
TYPES = ("FS", "SS", "FF", "SF")
TYPE_P = (0.70, 0.12, 0.12, 0.06)
FACTOR_KINDS = ("用地", "用林", "用能", "环评")
STATUSES = ("未启动", "办理中", "已批复")


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (getrusage ru_maxrss; Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def hwm_mb() -> float | None:
    """The same peak as the kernel's VmHWM of this process (a cross-check), when /proc has it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


# -- 1. the synthetic portfolio -------------------------------------------------------------------

def generate(n_projects: int, n_milestones: int, seed: int, data_date: dt.date) -> list[Any]:
    """ProjectFiles of a random but valid portfolio; about 1.5 links per milestone."""
    from scheduler.core.model import FactorRequirement, FactorStatus, Link, LinkType, Milestone, Project, ProjectFile

    rng = np.random.default_rng(seed)
    types = [LinkType(t) for t in TYPES]
    statuses = [FactorStatus(s) for s in STATUSES]
    base = dt.date(2026, 1, 5)
    day = dt.timedelta(days=1)
    out = []
    M = n_milestones
    for pi in range(n_projects):
        pid = f"P{pi:05d}"
        start = base + int(rng.integers(0, 240)) * day
        dur = np.where(rng.random(M) < 0.15, 0, rng.integers(1, 31, M))
        n_pred = rng.choice([0, 1, 2, 3], size=M, p=[0.05, 0.45, 0.40, 0.10])
        n_pred[0] = 0
        ltype = rng.choice(4, size=3 * M, p=TYPE_P)
        lag = np.where(rng.random(3 * M) < 0.75, 0, rng.integers(1, 6, 3 * M))
        k = 0
        # a rough plan date per milestone, for plausible progress at the data date
        plan = [start + 2 * j * day for j in range(M)]
        ms = []
        for j in range(M):
            preds = rng.choice(np.arange(max(0, j - 8), j), size=min(int(n_pred[j]), j), replace=False) \
                if j else ()
            after = []
            for i in preds:
                after.append(Link(f"M{int(i):03d}", types[int(ltype[k])], int(lag[k])))
                k += 1
            opt: dict[str, Any] = {}
            r = rng.random(4)
            if r[0] < 0.05:
                opt["finish_by"] = plan[j] + int(dur[j]) * day + int(rng.integers(-20, 60)) * day
            if r[1] < 0.03:
                opt["start_by"] = plan[j] + int(rng.integers(-20, 60)) * day
            if r[2] < 0.03:
                opt["not_before"] = plan[j] + int(rng.integers(0, 30)) * day
            p_start = plan[j] + int(rng.integers(0, 4)) * day
            if p_start < data_date:
                p_finish = p_start + (int(dur[j]) + int(rng.integers(0, 6))) * day
                opt["actual_start"] = p_start
                if p_finish < data_date:
                    opt["actual_finish"] = p_finish
                elif rng.random() < 0.7:
                    opt["percent"] = int(rng.integers(0, 100))
            ms.append(Milestone(id=f"M{j:03d}", name=f"节点{j}", duration=int(dur[j]), after=tuple(after),
                                **opt))
        factors = []
        for f in range(max(1, M // 10)):
            mid = f"M{int(rng.integers(0, M)):03d}"
            st = statuses[int(rng.integers(0, 3))]
            exp = data_date + int(rng.integers(-30, 90)) * day if rng.random() < 0.6 else None
            factors.append(FactorRequirement(id=f"F{f}", kind=FACTOR_KINDS[f % 4], milestone=mid, status=st,
                                             unit="县自然资源局", expected=exp))
        project = Project(id=pid, name=f"合成项目{pi}", lead_unit="县发改局", start=start,
                          calendar="construction" if rng.random() < 0.7 else "office",
                          milestones=tuple(ms), factors=tuple(factors))
        digest = hashlib.sha256(f"{pid}-{seed}".encode()).hexdigest()
        out.append(ProjectFile(project, Path(f"synthetic/{pid}.toml"), digest, ""))
    return out


def setup_database(folder: Path, n_projects: int, n_milestones: int, seed: int, data_date: dt.date) -> str:
    """Generate the portfolio and store it (run in a child: the parent stays small, so the timed
    children's peak memory is their own); returns the database URL."""
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.store.db import open_database
    from scheduler.store.projects import load_projects

    t = time.perf_counter()
    files = generate(n_projects, n_milestones, seed, data_date)
    n_links = sum(len(m.after) for pf in files for m in pf.project.milestones)
    n_factors = sum(len(pf.project.factors) for pf in files)
    t_gen = time.perf_counter() - t
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    t = time.perf_counter()
    engine = open_database(url, create=True)
    load_projects(engine, files, calendars=CalendarSet(REPO / "calendar"))
    engine.dispose()
    t_load = time.perf_counter() - t
    print(f"setup: {n_projects} projects, {n_projects * n_milestones} milestones, {n_links} links, "
          f"{n_factors} factor requirements; generated in {t_gen:.1f} s, stored (with baselines) in "
          f"{t_load:.1f} s", flush=True)
    return url


# -- 2./3. the timed child processes --------------------------------------------------------------

def _bench_config(url: str, folder: str) -> Any:
    from scheduler.io.config import Config

    return Config(path=None, data_dir=Path(folder), calendar_dir=REPO / "calendar", projects_dir=Path(folder),
                  outbox_dir=Path(folder) / "outbox", database_url=url)


def child_core(url: str, data_date: dt.date, folder: str) -> dict[str, Any]:
    """The runner's path, stage by stage: read the inputs (load_frame's columns, the reports put
    back into them, the history), schedule_frame, check, and store the run with its findings and
    alerts in one transaction."""
    from scheduler.app import weekly as runner
    from scheduler.core import cpm
    from scheduler.core.check import check_portfolio
    from scheduler.core.findings import iso_week
    from scheduler.core.memory import gc_paused
    from scheduler.core.schedule import build_network, schedule_frame
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.store.db import open_database, utcnow

    rss0 = rss_mb()
    engine = open_database(url, create=True)
    config = _bench_config(url, folder)
    cals = CalendarSet(REPO / "calendar")
    stages: dict[str, float] = {}
    cpu: dict[str, float] = {}
    rss: dict[str, float] = {}
    week = iso_week(data_date)
    started = utcnow()

    with gc_paused():  # as runner.run_weekly does from reading to storing
        t = time.perf_counter()
        c = time.process_time()
        inp = runner._read_inputs(engine, data_date, week, models=False)
        frame = inp.frame
        stages["read_inputs"] = time.perf_counter() - t
        cpu["read_inputs"] = time.process_time() - c
        rss["read_inputs"] = rss_mb()

        t = time.perf_counter()
        c = time.process_time()
        needed = {name: cals[name] for name in frame.calendar_names}
        result = schedule_frame(frame, needed, data_date)
        stages["schedule_frame"] = time.perf_counter() - t
        cpu["schedule_frame"] = time.process_time() - c
        rss["schedule_frame"] = rss_mb()

        t = time.perf_counter()
        c = time.process_time()
        check = check_portfolio(result, inp.baseline_start, inp.baseline_finish, config.check, inp.history)
        stages["check"] = time.perf_counter() - t
        cpu["check"] = time.process_time() - c
        rss["check"] = rss_mb()

        t = time.perf_counter()
        c = time.process_time()
        problems, check = runner._carry_problems(engine, config, result, check, week, started, inp.weeks_red)
        stages["problems"] = time.perf_counter() - t
        cpu["problems"] = time.process_time() - c
        rss["problems"] = rss_mb()

        t = time.perf_counter()
        c = time.process_time()
        runner._store(engine, config, check, {"bench": True}, started, problems)
        stages["store_findings"] = time.perf_counter() - t
        cpu["store_findings"] = time.process_time() - c
        peak, hwm = rss_mb(), hwm_mb()
        rss["store_findings"] = peak

    net, _ = build_network(frame, needed, data_date)
    return {"stages": stages, "cpu": cpu, "total_s": sum(stages.values()), "peak_mb": peak,
            "rss_after_imports_mb": rss0,
            "vmhwm_mb": hwm, "rss": rss, "milestones": frame.n, "links": int(frame.l_pred.size),
            "findings": len(check.findings), "problems": len(problems), "levels": int(cpm.compute(net).level.max()) + 1}


def child_runner(url: str, data_date: dt.date, folder: str) -> dict[str, Any]:
    """runner.run_weekly as `dispatch run` calls it, without outputs and delivery."""
    from scheduler.app.weekly import run_weekly
    from scheduler.store.db import open_database

    rss0 = rss_mb()
    engine = open_database(url, create=True)
    config = _bench_config(url, folder)
    t = time.perf_counter()
    res = run_weekly(engine, config, data_date, outputs=False, deliver=False)
    took = time.perf_counter() - t
    return {"run_weekly_s": took, "peak_mb": rss_mb(), "rss_after_imports_mb": rss0, "vmhwm_mb": hwm_mb(),
            "findings": len(res.check.findings)}


def _timed(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_child(mode: str, data_date: dt.date, folder: Path, *extra: str) -> dict[str, Any]:
    """Run this script as a child in `mode`; its progress lines pass through, and the JSON it
    prints last is returned."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--data-date", data_date.isoformat(),
           "--folder", str(folder), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"child {mode} failed ({proc.returncode})")
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    doc: dict[str, Any] = json.loads(lines[-1])
    return doc


# -- 4. the naive networkx CPM --------------------------------------------------------------------

def networkx_cpm(n_projects: int, project: np.ndarray, duration: np.ndarray, es_lb: np.ndarray,
                 pred: np.ndarray, succ: np.ndarray, ltype: np.ndarray,
                 lag: np.ndarray) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Forward and backward pass of every project with a networkx DiGraph per project, its
    topological order and plain dict loops (links kept in per-node lists, as a pair may carry two)."""
    import networkx as nx

    dur = duration.tolist()
    lb = es_lb.tolist()
    proj = project.tolist()
    rows_of: list[list[int]] = [[] for _ in range(n_projects)]
    for r, p in enumerate(proj):
        rows_of[p].append(r)
    links_of: list[list[tuple[int, int, int, int]]] = [[] for _ in range(n_projects)]
    for p_, s_, t_, l_ in zip(pred.tolist(), succ.tolist(), ltype.tolist(), lag.tolist(), strict=True):
        links_of[proj[s_]].append((p_, s_, t_, l_))
    ES: dict[int, int] = {}
    EF: dict[int, int] = {}
    LF: dict[int, int] = {}
    for p in range(n_projects):
        g = nx.DiGraph()
        g.add_nodes_from(rows_of[p])
        incoming: dict[int, list[tuple[int, int, int]]] = {r: [] for r in rows_of[p]}
        outgoing: dict[int, list[tuple[int, int, int]]] = {r: [] for r in rows_of[p]}
        for p_, s_, t_, l_ in links_of[p]:
            g.add_edge(p_, s_)
            incoming[s_].append((p_, t_, l_))
            outgoing[p_].append((s_, t_, l_))
        order = list(nx.topological_sort(g))
        for m in order:
            es = lb[m]
            d = dur[m]
            for q, t_, l_ in incoming[m]:
                if t_ == 0:
                    b = EF[q] + l_
                elif t_ == 1:
                    b = ES[q] + l_
                elif t_ == 2:
                    b = EF[q] + l_ - d
                else:
                    b = ES[q] + l_ - d
                es = max(es, b)
            ES[m] = es
            EF[m] = es + d
        pf = max(EF[m] for m in order)
        for m in reversed(order):
            lf = pf
            d = dur[m]
            for s_, t_, l_ in outgoing[m]:
                if t_ == 0:
                    b = LF[s_] - dur[s_] - l_
                elif t_ == 1:
                    b = LF[s_] - dur[s_] - l_ + d
                elif t_ == 2:
                    b = LF[s_] - l_
                else:
                    b = LF[s_] - l_ + d
                lf = min(lf, b)
            LF[m] = lf
    return ES, EF, LF


def compare_cpm(url: str, data_date: dt.date, rounds: int = 3) -> dict[str, Any]:
    """Time the engine's cpm.compute (the forecast at the data date: progress, deadlines, floats) and
    the naive networkx CPM (forward and backward pass) on the same graphs in one process, rounds
    interleaved, best of each; check they agree on the plan (no progress, no deadlines)."""
    from dataclasses import replace

    from scheduler.core import cpm
    from scheduler.core.schedule import build_network
    from scheduler.io.calendarfiles import CalendarSet
    from scheduler.store.columns import load_frame
    from scheduler.store.db import open_database

    engine = open_database(url, create=True)
    frame, _ = load_frame(engine)
    cals = CalendarSet(REPO / "calendar")
    needed = {name: cals[name] for name in frame.calendar_names}
    net, _ = build_network(frame, needed, data_date)
    plan = replace(net, status=np.zeros_like(net.status), start_by=np.full_like(net.start_by, cpm.NONE),
                   finish_by=np.full_like(net.finish_by, cpm.NONE))
    args = (net.n_projects, net.project, net.duration, net.es_lb, net.pred, net.succ, net.ltype, net.lag)
    nx_s = cpm_s = float("inf")
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        ES, EF, LF = networkx_cpm(*args)
        nx_s = min(nx_s, time.perf_counter() - t)
        gc.collect()
        cpm_s = min([cpm_s, *(_timed(lambda: cpm.compute(net)) for _ in range(3))])
    ref = cpm.compute(plan)
    n = net.n
    ok = (np.array([ES[i] for i in range(n)]) == ref.es).all() and \
        (np.array([EF[i] for i in range(n)]) == ref.ef).all() and \
        (np.array([LF[i] for i in range(n)]) == ref.lf).all()
    if not ok:
        raise SystemExit("the engine and the naive networkx CPM disagree on the plan")
    engine_plan_s = min(_timed(lambda: cpm.compute(plan)) for _ in range(3))
    return {"networkx_cpm_s": nx_s, "cpm_s": cpm_s, "engine_plan_cpm_s": engine_plan_s}


# -- main -----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--projects", type=int, default=5000)
    ap.add_argument("--milestones", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-date", default=DATA_DATE.isoformat())
    ap.add_argument("--keep", action="store_true", help="keep the temporary database folder")
    ap.add_argument("--previous-weeks", type=int, default=0,
                    help="run this many earlier weeks first (untimed), so the timed week has a history "
                         "of stored runs, findings and problems, as every week but the first has")
    ap.add_argument("--child", choices=["setup", "core", "runner", "networkx"], help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    data_date = dt.date.fromisoformat(a.data_date)
    if a.child == "setup":
        url = setup_database(Path(a.folder), a.projects, a.milestones, a.seed, data_date)
        print(json.dumps({"url": url}))
        return
    if a.child == "core":
        print(json.dumps(child_core(a.db, data_date, a.folder)))
        return
    if a.child == "runner":
        print(json.dumps(child_runner(a.db, data_date, a.folder)))
        return
    if a.child == "networkx":
        print(json.dumps(compare_cpm(a.db, data_date)))
        return

    tmp = tempfile.mkdtemp(prefix="dispatch-bench-")
    folder = Path(tmp)
    try:
        url = run_child("setup", data_date, folder, "--projects", str(a.projects), "--milestones",
                        str(a.milestones), "--seed", str(a.seed))["url"]
        for k in range(a.previous_weeks, 0, -1):
            run_child("runner", data_date - dt.timedelta(weeks=k), folder, "--db", url)
        core = run_child("core", data_date, folder, "--db", url)
        runner = run_child("runner", data_date, folder, "--db", url)
        cmp = run_child("networkx", data_date, folder, "--db", url)
    finally:
        if not a.keep:
            import shutil
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"database kept in {folder}")

    st = core["stages"]
    history = f" after {a.previous_weeks} earlier weekly runs" if a.previous_weeks else " (first run: no history)"
    print(f"\nweekly run at {data_date}{history}: {core['milestones']} milestones, {core['links']} links, "
          f"{core['levels']} topological levels among unfinished milestones, {core['findings']} findings, "
          f"{core['problems']} problems")
    print("stage (child process)             seconds  (CPU s)")
    for k in ("read_inputs", "schedule_frame", "check", "problems", "store_findings"):
        print(f"  {k:<32}{st[k]:8.3f}  ({core['cpu'][k]:6.3f})   peak RSS after it {core['rss'][k]:6.0f} MB")
    print(f"  {'total':<32}{core['total_s']:8.3f}  ({sum(core['cpu'].values()):6.3f})")
    grown = core["peak_mb"] - core["rss_after_imports_mb"]
    print(f"  peak RSS {core['peak_mb']:.0f} MB (ru_maxrss of the child; VmHWM {core['vmhwm_mb'] or 0:.0f} MB; after "
          f"imports {core['rss_after_imports_mb']:.0f} MB, growth {grown:.0f} MB)")
    print(f"runner.run_weekly end to end (outputs off): {runner['run_weekly_s']:.3f} s, peak RSS "
          f"{runner['peak_mb']:.0f} MB, {runner['findings']} findings")
    speedup = cmp["networkx_cpm_s"] / cmp["cpm_s"] if cmp["cpm_s"] > 0 else float("inf")
    print("CPM of the same graphs (one process, best of interleaved rounds)   seconds")
    print(f"  engine cpm.compute (forecast, floats)   {cmp['cpm_s']:8.3f}")
    print(f"  engine cpm.compute (plan)               {cmp['engine_plan_cpm_s']:8.3f}")
    print(f"  naive networkx (forward+backward)       {cmp['networkx_cpm_s']:8.3f}   (same ES/EF/LF on the plan)")
    print(f"weekly_run milestones={core['milestones']} total_s={core['total_s']:.3f} peak_mb={core['peak_mb']:.1f} "
          f"cpm_s={cmp['cpm_s']:.6f} networkx_cpm_s={cmp['networkx_cpm_s']:.6f} speedup={speedup:.1f} "
          f"previous_weeks={a.previous_weeks}")


if __name__ == "__main__":
    main()
