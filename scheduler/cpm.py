"""Critical path method in working-day indexes, vectorized over whole portfolios.

The pure heart of the scheduler (shared/spec/project-files.md, "Scheduling semantics"). The input
is a `Network` of numpy columns — one row per milestone of every project, one per link — already
turned into working-day indexes of each project's own calendar. Milestones are processed by
topological level (Kahn's algorithm, one numpy step per level): every level's links are reduced
with `maximum.reduceat` (forward) and `minimum.reduceat` (backward), so the Python loop runs over
the graph's depth, never over milestones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import CycleError

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FS, SS, FF, SF = 0, 1, 2, 3
LINK_CODES = {"FS": FS, "SS": SS, "FF": FF, "SF": SF}
NOT_STARTED, STARTED, FINISHED = 0, 1, 2
NONE = np.int64(1 << 40)
"""Stands for 'no bound' (a deadline that is not set): larger than any working-day index."""
NEG = np.int64(-(1 << 40))


@dataclass(frozen=True, slots=True)
class Network:
    """Milestones and links of one or many projects, in working-day indexes.

    Per milestone: `project` (0..P-1), `duration`, `status` (0 not started, 1 started, 2 finished),
    `es_lb` (lower bound on ES of a not-started milestone: project start, not_before, data date,
    factor hold), `actual_es`/`actual_ef` (started/finished), `remaining` and `resume_lb` (index of
    the data date) for started ones, `start_by`/`finish_by` (index of the last working day on or
    before the deadline, or NONE). Per link: `pred`, `succ` (milestone rows), `ltype`, `lag`."""

    project: IntArray
    duration: IntArray
    status: IntArray
    es_lb: IntArray
    actual_es: IntArray
    actual_ef: IntArray
    remaining: IntArray
    resume_lb: IntArray
    start_by: IntArray
    finish_by: IntArray
    pred: IntArray
    succ: IntArray
    ltype: IntArray
    lag: IntArray
    n_projects: int

    @property
    def n(self) -> int:
        """Number of milestones."""
        return int(self.duration.shape[0])


@dataclass(frozen=True, slots=True)
class CpmResult:
    """Early/late indexes, floats and flags per milestone, and each project's early finish.

    Event nodes with `fin_bound` are reached at the end of day ES-1 (printing shifts by one).
    `resume` is R for started milestones. Floats of finished milestones are meaningless (masked
    by `finished`)."""

    es: IntArray
    ef: IntArray
    ls: IntArray
    lf: IntArray
    total_float: IntArray
    free_float: IntArray
    critical: BoolArray
    fin_bound: BoolArray
    resume: IntArray
    finished: BoolArray
    project_finish: IntArray
    level: IntArray


def topological_levels(n: int, pred: IntArray, succ: IntArray) -> IntArray:
    """Longest-path level of each node from the sources (Kahn's algorithm, a numpy step per level).

    Raises CycleError (without names: the loader names cycles) if the graph is not acyclic."""
    level = np.zeros(n, dtype=np.int64)
    if n == 0:
        return level
    indeg = np.bincount(succ, minlength=n).astype(np.int64)
    order = np.argsort(pred, kind="stable")
    out_succ = succ[order]
    ptr = np.searchsorted(pred[order], np.arange(n + 1))
    frontier = np.flatnonzero(indeg == 0)
    visited = 0
    lvl = 0
    while frontier.size:
        level[frontier] = lvl
        visited += frontier.size
        starts = ptr[frontier]
        counts = ptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
        targets = out_succ[offsets]
        indeg -= np.bincount(targets, minlength=n)
        cand = np.unique(targets)
        frontier = cand[indeg[cand] == 0]
        lvl += 1
    if visited < n:
        stuck = np.flatnonzero(indeg > 0)
        raise CycleError("the milestone graph has a cycle", cycle=[str(i) for i in stuck[:10]])
    return level


def _segments(keys: IntArray) -> IntArray:
    """Start positions of runs of equal values in a sorted key array."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))).astype(np.int64)


def compute(net: Network) -> CpmResult:
    """Run the forward and backward passes and the floats exactly as the spec defines them."""
    n = net.n
    dur, status = net.duration, net.status
    pred, succ, ltype, lag = net.pred, net.succ, net.ltype, net.lag
    finished = status == FINISHED
    started = status == STARTED
    level = topological_levels(n, pred, succ)
    max_level = int(level.max()) if n else -1

    # --- forward pass: links grouped by the level of their successor, then by successor ------
    es = np.where(status == NOT_STARTED, net.es_lb, net.actual_es).astype(np.int64)
    resume = np.where(started, net.resume_lb, 0).astype(np.int64)
    ef = np.where(finished, net.actual_ef, np.where(started, resume + net.remaining, es + dur)).astype(np.int64)
    fin_bound = np.zeros(n, dtype=np.bool_)

    fkey = level[succ] * max(n, 1) + succ
    forder = np.argsort(fkey, kind="stable")
    f_pred, f_succ, f_type, f_lag = pred[forder], succ[forder], ltype[forder], lag[forder]
    f_seg = _segments(f_succ)
    f_lvl_ptr = np.searchsorted(level[f_succ], np.arange(max_level + 2))
    f_seg_ptr = np.searchsorted(f_seg, f_lvl_ptr)
    is_finish_type = (f_type == FF) | (f_type == SF)
    from_finish = (f_type == FS) | (f_type == FF)

    for lvl in range(1, max_level + 1):
        a, b = int(f_lvl_ptr[lvl]), int(f_lvl_ptr[lvl + 1])
        if a == b:
            continue
        sl = slice(a, b)
        p, s, t = f_pred[sl], f_succ[sl], f_type[sl]
        base = np.where(from_finish[sl], ef[p], es[p]) + f_lag[sl]
        es_c = base - np.where(is_finish_type[sl], dur[s], 0)
        r_c = np.where((t == FS) & (status[p] != FINISHED), base, NEG)
        ef_c = np.where(is_finish_type[sl], base, NEG)
        seg = f_seg[f_seg_ptr[lvl]:f_seg_ptr[lvl + 1]] - a
        u = s[seg]
        es_max = np.maximum.reduceat(es_c, seg)
        st = status[u]
        ns = st == NOT_STARTED
        un = u[ns]
        es[un] = np.maximum(net.es_lb[un], es_max[ns])
        ef[un] = es[un] + dur[un]
        sd = st == STARTED
        if sd.any():
            us = u[sd]
            r_max = np.maximum.reduceat(r_c, seg)[sd]
            ef_max = np.maximum.reduceat(ef_c, seg)[sd]
            resume[us] = np.maximum(net.resume_lb[us], r_max)
            ef[us] = np.maximum(resume[us] + net.remaining[us], ef_max)
        # events reached by a predecessor's finish (an FS/FF bound equal to ES)
        hit = (from_finish[sl] & (es_c == es[s]) & (status[s] == NOT_STARTED)).astype(np.int8)
        fin_bound[u] = np.maximum.reduceat(hit, seg).astype(np.bool_)

    # --- backward pass: links grouped by the level of their predecessor ---------------------
    P = max(net.n_projects, 1)
    pf = np.full(P, NEG, dtype=np.int64)
    if n:
        np.maximum.at(pf, net.project, ef)
    # An event prints as a moment only while not started; a started zero-duration milestone prints as
    # a task (its remaining day), so its deadlines bind like a task's.
    event = (dur == 0) & (status == NOT_STARTED)
    shift = np.where(event, fin_bound.astype(np.int64), 1)  # deadline index -> LF bound offset
    ub = pf[net.project].copy()
    has_fb = net.finish_by < NONE
    ub = np.where(has_fb, np.minimum(ub, net.finish_by + shift), ub)
    # start_by binds started milestones too: the spec keeps their LF "as usual" (LF <= start_by + d).
    has_sb = net.start_by < NONE
    ub = np.where(has_sb, np.minimum(ub, net.start_by + np.where(event, shift, dur)), ub)
    lf = ub.copy()

    bkey = level[pred] * max(n, 1) + pred
    border = np.argsort(bkey, kind="stable")
    b_pred, b_succ, b_type, b_lag = pred[border], succ[border], ltype[border], lag[border]
    b_seg = _segments(b_pred)
    b_lvl_ptr = np.searchsorted(level[b_pred], np.arange(max_level + 2))
    b_seg_ptr = np.searchsorted(b_seg, b_lvl_ptr)
    s_status = status[b_succ]

    for lvl in range(max_level - 1, -1, -1):
        a, b = int(b_lvl_ptr[lvl]), int(b_lvl_ptr[lvl + 1])
        if a == b:
            continue
        sl = slice(a, b)
        p, s, t, lg, ss = b_pred[sl], b_succ[sl], b_type[sl], b_lag[sl], s_status[sl]
        lf_s = lf[s]
        ls_s = lf_s - dur[s]
        bound_ns = np.select(
            [t == FS, t == SS, t == FF],
            [ls_s - lg, ls_s - lg + dur[p], lf_s - lg],
            lf_s - lg + dur[p],
        )
        bound_st = np.select([t == FS, t == FF], [lf_s - net.remaining[s] - lg, lf_s - lg], NONE)
        bound = np.where(ss == NOT_STARTED, bound_ns, np.where(ss == STARTED, bound_st, NONE))
        seg = b_seg[b_seg_ptr[lvl]:b_seg_ptr[lvl + 1]] - a
        u = p[seg]
        lf[u] = np.minimum(ub[u], np.minimum.reduceat(bound, seg))

    lf = np.where(finished, ef, lf)
    ls = np.where(finished | started, np.where(finished, es, lf - dur), lf - dur)
    total_float = lf - ef
    critical = (total_float <= 0) & ~finished

    # --- free float: slack of every outgoing link before it drives its successor -------------
    s_st = status[succ]
    slack_ns = np.select(
        [ltype == FS, ltype == SS, ltype == FF],
        [es[succ] - ef[pred] - lag, es[succ] - es[pred] - lag, ef[succ] - ef[pred] - lag],
        ef[succ] - es[pred] - lag,
    )
    slack_st = np.select([ltype == FS, ltype == FF],
                         [resume[succ] - ef[pred] - lag, ef[succ] - ef[pred] - lag], NONE)
    slack = np.where(s_st == NOT_STARTED, slack_ns, np.where(s_st == STARTED, slack_st, NONE))
    free = pf[net.project] - ef
    if slack.size:
        np.minimum.at(free, pred, slack)
    free_float = np.maximum(free, 0)

    return CpmResult(es=es, ef=ef, ls=ls, lf=lf, total_float=total_float, free_float=free_float,
                     critical=critical, fin_bound=fin_bound & event, resume=resume, finished=finished,
                     project_finish=pf, level=level)
