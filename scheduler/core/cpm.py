"""Critical path method in working-day indexes, vectorized over whole portfolios.

The pure heart of the scheduler (shared/spec/project-files.md, "Scheduling semantics"). The input
is a `Network` of numpy columns — one row per milestone of every project, one per link — already
turned into working-day indexes of each project's own calendar. Milestones are processed by
topological level (Kahn's algorithm, one numpy step per level, O(links) in all): every level's links
are reduced with `maximum.reduceat` (forward) and `minimum.reduceat` (backward), so the Python loop
runs over the graph's depth, never over milestones. Links are grouped by successor and by
predecessor once (compressed-row order, no 64-bit key sort), every per-link constant is computed
once, and early (ES, EF) and late (LS, LF) indexes are kept interleaved in one array so that the
bound a link puts on a milestone is a single gather. Finished milestones are fixed by their actual
dates, so at a data date only the links between unfinished milestones go through the levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scheduler.errors import CycleError

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
    by `finished`). `level` is each milestone's topological level among the unfinished ones."""

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


def _expand(starts: IntArray, counts: IntArray) -> IntArray:
    """The ranges starts[i] .. starts[i] + counts[i] - 1, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)


def _csr(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Links grouped by `keys` (stable): group i is perm[ptr[i]:ptr[i + 1]]. Free when the keys are
    already sorted, as a frame's successors are."""
    if keys.size > 1 and bool((keys[1:] < keys[:-1]).any()):
        perm = np.argsort(keys, kind="stable").astype(np.int64)
    else:
        perm = np.arange(keys.size, dtype=np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    if keys.size:
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return perm, ptr


def _levels(n: int, succ: IntArray, out_perm: IntArray, out_ptr: IntArray, indeg: IntArray) -> IntArray:
    """Longest-path level of each node from the sources: Kahn's algorithm, one numpy step per level,
    each costing only the links leaving that level."""
    level = np.zeros(n, dtype=np.int64)
    if n == 0:
        return level
    remaining = indeg.copy()
    out_succ = succ[out_perm]
    stamp = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(remaining == 0)
    visited = 0
    lvl = 0
    while frontier.size:
        level[frontier] = lvl
        visited += frontier.size
        targets = out_succ[_expand(out_ptr[frontier], out_ptr[frontier + 1] - out_ptr[frontier])]
        if targets.size == 0:
            break
        np.subtract.at(remaining, targets, 1)
        ready = targets[remaining[targets] == 0]
        # keep one occurrence of each node: whichever duplicate's write wins, exactly one matches
        pos = np.arange(ready.size, dtype=np.int64)
        stamp[ready] = pos
        frontier = ready[stamp[ready] == pos]
        lvl += 1
    if visited < n:
        stuck = np.flatnonzero(remaining > 0)
        raise CycleError("the milestone graph has a cycle", cycle=[str(i) for i in stuck[:10]])
    return level


@dataclass(frozen=True, slots=True)
class _ByLevel:
    """Links grouped by one end (`node`, the nodes that have such links, in level order), each
    node's links contiguous: node k's links are link[seg[k]:seg[k + 1]]; the nodes of level L are
    node[lvl[L]:lvl[L + 1]]."""

    node: IntArray
    seg: IntArray
    link: IntArray
    lvl: IntArray

    def level(self, lvl: int) -> tuple[int, int, int, int]:
        """(first node, end node, first link, end link) of level `lvl`."""
        a, b = int(self.lvl[lvl]), int(self.lvl[lvl + 1])
        return a, b, int(self.seg[a]), int(self.seg[b])


def _by_level(node_order: IntArray, level: IntArray, perm: IntArray, ptr: IntArray,
              max_level: int) -> _ByLevel:
    deg = ptr[1:] - ptr[:-1]
    node = node_order[deg[node_order] > 0]
    cnt = deg[node]
    seg = np.zeros(node.size + 1, dtype=np.int64)
    np.cumsum(cnt, out=seg[1:])
    link = perm[_expand(ptr[node], cnt)]
    lvl = np.searchsorted(level[node], np.arange(max_level + 2)).astype(np.int64)
    return _ByLevel(node, seg, link, lvl)


def compute(net: Network) -> CpmResult:
    """Run the forward and backward passes and the floats exactly as the spec defines them.

    Finished milestones are fixed by their actual dates: their links to unfinished successors are
    folded once into constant bounds, and the passes run level by level over the links between
    unfinished milestones only (`level` is the level in that graph)."""
    n = net.n
    dur, status = net.duration, net.status
    pred, succ, ltype, lag = net.pred, net.succ, net.ltype, net.lag
    finished = status == FINISHED
    started = status == STARTED
    not_started = status == NOT_STARTED
    from_finish = (ltype == FS) | (ltype == FF)  # the link starts from its predecessor's finish
    to_finish = (ltype == FF) | (ltype == SF)  # the link bounds its successor's finish

    # t2[2i] = ES(i), t2[2i + 1] = EF(i): a link's bound is t2[2 * pred + from_finish] + lag
    t2 = np.empty(2 * n, dtype=np.int64)
    t2[0::2] = np.where(finished | started, net.actual_es, 0)
    t2[1::2] = net.actual_ef
    es_lb = net.es_lb.copy()
    ef_lb = np.full(n, NEG, dtype=np.int64)  # FF/SF bounds of started milestones from finished ones
    active_succ = ~finished[succ]
    fixed = finished[pred] & active_succ
    if fixed.any():
        fp, fs, fl = pred[fixed], succ[fixed], lag[fixed]
        bound = t2[2 * fp + from_finish[fixed]] + fl
        to_f = to_finish[fixed]
        ns = not_started[fs]
        np.maximum.at(es_lb, fs[ns], (bound - np.where(to_f, dur[fs], 0))[ns])
        sf = started[fs] & to_f
        np.maximum.at(ef_lb, fs[sf], bound[sf])
    core = ~finished[pred] & active_succ
    if bool(core.all()):  # the plan: nothing finished
        c_pred, c_succ, c_type, c_lag, c_from, c_to = pred, succ, ltype, lag, from_finish, to_finish
    else:
        c_pred, c_succ, c_type, c_lag = pred[core], succ[core], ltype[core], lag[core]
        c_from, c_to = from_finish[core], to_finish[core]
    c_src = 2 * c_pred + c_from  # where a link's bound comes from in t2
    c_dst = 2 * c_succ + c_to  # what it bounds in t2 (and, backward, where its bound comes from in tl)

    in_perm, in_ptr = _csr(c_succ, n)
    out_perm, out_ptr = _csr(c_pred, n)
    level = _levels(n, c_succ, out_perm, out_ptr, in_ptr[1:] - in_ptr[:-1])
    max_level = int(level.max()) if n else -1
    small = level.astype(np.int16) if max_level < np.iinfo(np.int16).max else level
    node_order = np.argsort(small, kind="stable").astype(np.int64)  # radix sort on int16

    # --- forward pass: links grouped by successor, successors by level ----------------------
    resume = np.where(started, net.resume_lb, 0).astype(np.int64)
    t2[0::2] = np.where(not_started, es_lb, t2[0::2])
    t2[1::2] = np.where(not_started, es_lb + dur,
                        np.where(started, np.maximum(resume + net.remaining, ef_lb), t2[1::2]))
    # not started successors: ES = max(lower bound, each link's bound on ES)
    fw = _by_level(node_order[not_started[node_order]], level, in_perm, in_ptr, max_level)
    f_src = c_src[fw.link]
    f_add = (c_lag - np.where(c_to, dur[c_succ], 0))[fw.link]  # a bound on EF is one on ES + d
    n_es2, n_lb, n_dur = 2 * fw.node, es_lb[fw.node], dur[fw.node]
    # started successors: R = max(data date, FS bounds); EF = max(R + r, FF/SF bounds)
    sw = _by_level(node_order[started[node_order]], level, in_perm, in_ptr, max_level)
    s_src = c_src[sw.link]
    s_lag = c_lag[sw.link]
    s_resume = c_type[sw.link] == FS
    s_finish = c_to[sw.link]
    for lvl in range(1, max_level + 1):
        a, b, la, lb = fw.level(lvl)
        if a < b:
            es_max = np.maximum.reduceat(t2[f_src[la:lb]] + f_add[la:lb], fw.seg[a:b] - la)
            new = np.maximum(n_lb[a:b], es_max)
            t2[n_es2[a:b]] = new
            t2[n_es2[a:b] + 1] = new + n_dur[a:b]
        a, b, la, lb = sw.level(lvl)
        if a < b:
            us = sw.node[a:b]
            seg = sw.seg[a:b] - la
            base = t2[s_src[la:lb]] + s_lag[la:lb]
            r_max = np.maximum.reduceat(np.where(s_resume[la:lb], base, NEG), seg)
            e_max = np.maximum.reduceat(np.where(s_finish[la:lb], base, NEG), seg)
            resume[us] = np.maximum(net.resume_lb[us], r_max)
            t2[2 * us + 1] = np.maximum(np.maximum(resume[us] + net.remaining[us], e_max), ef_lb[us])
    es = t2[0::2].copy()
    ef = t2[1::2].copy()
    # events reached by a predecessor's finish (an FS/FF bound equal to ES)
    event = (dur == 0) & not_started  # prints as a moment; a started one prints as a task
    ev = from_finish & event[succ]
    hit = np.flatnonzero(ev)[t2[2 * pred[ev] + 1] + lag[ev] == es[succ[ev]]]
    fin_bound = np.zeros(n, dtype=np.bool_)
    fin_bound[succ[hit]] = True

    # --- backward pass: links grouped by predecessor, predecessors by level -----------------
    P = max(net.n_projects, 1)
    pf = np.full(P, NEG, dtype=np.int64)
    if n:
        np.maximum.at(pf, net.project, ef)
    shift = np.where(event, fin_bound.astype(np.int64), 1)  # deadline index -> LF bound offset
    ub = pf[net.project].copy()
    has_fb = net.finish_by < NONE
    ub = np.where(has_fb, np.minimum(ub, net.finish_by + shift), ub)
    # start_by binds started milestones too: the spec keeps their LF "as usual" (LF <= start_by + d).
    has_sb = net.start_by < NONE
    ub = np.where(has_sb, np.minimum(ub, net.start_by + np.where(event, shift, dur)), ub)
    # tl[2i] = LS(i), tl[2i + 1] = LF(i); a link's bound on its predecessor's LF is
    # tl[b_src] + b_add: not started successor FS: LS(s) - L, SS: LS(s) - L + d, FF: LF(s) - L,
    # SF: LF(s) - L + d; started successor (spec revision 2) FS: LF(s) - r(s) - L, FF: LF(s) - L,
    # SF: LF(s) - L + d (LS(p) <= LF(s) - L), SS: none. Out of a started predecessor SS and SF links
    # give none (its start is history).
    tl = np.empty(2 * n, dtype=np.int64)
    tl[1::2] = ub
    tl[0::2] = ub - dur
    bw = _by_level(node_order, level, out_perm, out_ptr, max_level)
    b_src = c_dst.copy()
    from_start = (c_type == SS) | (c_type == SF)  # the link starts from its predecessor's start
    b_add = -c_lag + np.where(from_start, dur[c_pred], 0)
    to_started = np.flatnonzero(started[c_succ])
    if to_started.size:
        st_s, st_t, st_l = c_succ[to_started], c_type[to_started], c_lag[to_started]
        b_src[to_started] = 2 * st_s + 1
        b_add[to_started] = np.select([st_t == FS, st_t == SS], [-net.remaining[st_s] - st_l, NONE],
                                      b_add[to_started])
    from_started = from_start & started[c_pred]
    b_add[from_started] = NONE
    b_src, b_add = b_src[bw.link], b_add[bw.link]
    n_lf2 = 2 * bw.node + 1
    n_ub, n_durb = ub[bw.node], dur[bw.node]
    for lvl in range(max_level - 1, -1, -1):
        a, b, la, lb = bw.level(lvl)
        if a == b:
            continue
        bound = tl[b_src[la:lb]] + b_add[la:lb]
        lfu = np.minimum(n_ub[a:b], np.minimum.reduceat(bound, bw.seg[a:b] - la))
        tl[n_lf2[a:b]] = lfu
        tl[n_lf2[a:b] - 1] = lfu - n_durb[a:b]

    lf = np.where(finished, ef, tl[1::2])
    ls = np.where(finished, es, lf - dur)
    total_float = lf - ef
    critical = (total_float <= 0) & ~finished

    # --- free float: slack of every outgoing link before it drives its successor -------------
    # not started successor: (ES or EF of the successor) - (ES or EF of the predecessor) - L;
    # started: FS measured to its resume point R, SS none, FF and SF as usual; finished: none (those
    # links are not in the core; nor are links from finished milestones, which have no floats).
    # Out of a started predecessor, SS and SF links give none (spec revision 2).
    slack = t2[c_dst] - t2[c_src] - c_lag
    if to_started.size:
        st_s, st_t = c_succ[to_started], c_type[to_started]
        reach = np.where(st_t == FS, resume[st_s], t2[c_dst[to_started]])
        slack[to_started] = np.where(st_t == SS, NONE, reach - t2[c_src[to_started]] - c_lag[to_started])
    slack[from_started] = NONE
    free = pf[net.project] - ef
    if slack.size:
        np.minimum.at(free, c_pred, slack)
    free_float = np.maximum(free, 0)

    return CpmResult(es=es, ef=ef, ls=ls, lf=lf, total_float=total_float, free_float=free_float,
                     critical=critical, fin_bound=fin_bound, resume=resume, finished=finished,
                     project_finish=pf, level=level)
