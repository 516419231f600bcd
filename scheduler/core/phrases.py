"""Sentences about findings and problems, written from their data in the configured language
(strings.py): what a finding says; what a problem is, what it drags, and the three parts of an
escalation (事由, 需协调事项, 建议). Findings and problems store ids, numbers and dates only, so
switching `language` changes nothing stored. Dates are written as the brief writes them (core.dates.date_text:
12月22日 in the year of `ref`, the data date; 2027年1月5日 across years; with the year when no `ref`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace

from scheduler.core.alerts import Names
from scheduler.core.dates import by_text, date_text
from scheduler.core.findings import Finding, FindingKind
from scheduler.core.model import Project
from scheduler.core.problems import Problem, ProblemKind
from scheduler.strings import t


def _m(names: Names, project: str, mid: str | None) -> str:
    return names.milestones.get((project, mid or ""), mid or "")


def problem_what(p: Problem, names: Names | None = None, lang: str = "zh", ref: dt.date | None = None) -> str:
    """What is wrong, in one sentence (a hand-raised problem: its own words); dates as of `ref`."""
    names = names or Names()
    mname = _m(names, p.project, p.milestone)
    if p.kind is ProblemKind.FACTOR:
        days = p.days
        n_days = days_text(abs(days or 0), p.works_daily, lang)
        when = ("" if days is None else t("problem.what.factor.overdue", lang, days=n_days) if days > 0 else
                t("problem.what.factor.due_in", lang, days=n_days))
        text = t("problem.what.factor", lang, kind=p.factor_kind or "", fid=p.factor or "",
                 fname=names.factors.get((p.project, p.factor or ""), p.factor_kind or p.factor or ""),
                 mname=mname, mid=p.milestone or "", when=when,
                 expected=date_text(p.expected, ref, lang) if p.expected else t("factor.no_expected", lang))
        if p.held_by:
            other = p.held_by.rsplit("/", 1)[-1]
            text += t("problem.held_by", lang, other=names.factors.get((p.project, other), other))
    elif p.kind is ProblemKind.MILESTONE and p.days is None:  # no size this week: 已办结
        text = t("problem.what.item", lang, mname=mname, mid=p.milestone or "")
    elif p.kind is ProblemKind.MILESTONE:
        text = t("problem.what.milestone", lang, mname=mname, mid=p.milestone or "",
                 days=days_text(p.days or 0, p.works_daily, lang))
    elif p.kind is ProblemKind.DEADLINE:
        missed = p.missed_deadline  # its date has happened: the fact, as the brief says it
        text = (finding_text(missed, names, lang, ref) if missed is not None else
                t("problem.what.deadline", lang, mname=mname, mid=p.milestone or ""))
    elif p.kind in (ProblemKind.INVESTMENT, ProblemKind.PHYSICAL, ProblemKind.PAYMENT):
        text = t(f"problem.what.{p.kind.value}", lang, points=f"{p.points or 0:.1f}")
    elif p.kind in (ProblemKind.STATISTICS, ProblemKind.QUANTITY):
        text = t(f"problem.what.{p.kind.value}", lang)
    else:
        return p.description
    if p.description and p.kind is ProblemKind.FACTOR:
        text += t("problem.blocker", lang, text=p.description)
    return text


def problem_drags(p: Problem, names: Names | None = None, lang: str = "zh", ref: dt.date | None = None) -> str:
    """What the problem drags: how many milestones, and which deadlines (10月底前开始, as of `ref`) by
    how many days (天 on a calendar working every day, else 个工作日)."""
    names = names or Names()
    parts = []
    n = p.milestones_dragged
    if n:
        parts.append(t("problem.drags", lang, n=n))
    if p.deadlines:
        items = "；".join(t("problem.drags.deadline", lang, mname=_m(names, p.project, d.milestone), mid=d.milestone,
                            by=by_text(d.deadline, ref, lang),
                            what=t("problem.start" if d.start else "problem.finish", lang),
                            days=days_text(d.days, p.works_daily, lang)) for d in p.deadlines)
        parts.append(t("problem.drags.deadlines", lang, items=items))
    return ("；" if lang == "zh" else "; ").join(parts)


def knock_on(p: Problem) -> int:
    """How many symptom findings are folded under the problem besides its own item."""
    return sum(1 for s in p.symptoms if not (s.factor == p.factor if p.factor else
                                             (s.milestone == p.milestone and not s.factor)))


def problem_line(p: Problem, names: Names | None = None, lang: str = "zh", ref: dt.date | None = None) -> str:
    """The problem in one line, as a digest and the web list it: what it is, what it drags (带动 N
    个节点滞后；影响时限 …) and how many symptoms it folds (连带 N 项); dates as of `ref`."""
    names = names or Names()
    text = problem_what(p, names, lang, ref)
    drags = problem_drags(p, names, lang, ref)
    if drags:
        text += ("；" if lang == "zh" else "; ") + drags
    n = knock_on(p)
    if n:
        text += t("digest.symptoms", lang, n=n)
    return text


def escalation_parts(p: Problem, names: Names | None = None, lang: str = "zh", ref: dt.date | None = None,
                     ) -> tuple[str, str, str]:
    """事由, 需协调事项 and 建议 of a problem going up to the county: the office's own words when it
    escalated it, else written from the problem (what is wrong and for how long; the unit and its
    partners to press; its 整改措施 or the standard proposal)."""
    es = p.escalation
    what = problem_what(p, names, lang, ref)
    why = t("problems.escalate.weeks", lang, n=p.weeks_red) if p.weeks_red else t("problems.escalate.county", lang)
    reason = es.reason if es is not None and es.reason else t("problems.escalate.reason", lang, what=what, weeks=why)
    partners = ("、" + "、".join(p.partners)) if p.partners else ""
    matters = (es.matters if es is not None and es.matters else p.county_matters or
               t("problems.escalate.matters", lang, unit=p.unit, partners=partners))
    proposal = (es.proposal if es is not None and es.proposal else p.measures or t("problems.escalate.proposal", lang))
    return reason, matters, proposal


# -- findings ----------------------------------------------------------------------------------------


def _detail(f: Finding, key: str) -> str:
    v = f.details.get(key)
    return "" if v is None else str(v)


def _num(f: Finding, key: str) -> float:
    v = f.details.get(key)
    return float(v) if isinstance(v, int | float) else 0.0


def days_text(n: int, works_daily: bool, lang: str = "zh") -> str:
    """`n` days as a calendar counts them: 天 on a calendar working every day (the construction
    calendar; a finding's `works_daily`, a problem's), else 个工作日."""
    return t("brief.days.seven" if works_daily else "brief.days.working", lang, n=n)


def finding_text(f: Finding, names: Names | None = None, lang: str = "zh", ref: dt.date | None = None) -> str:
    """What a finding says, in one sentence, from its kind, ids, numbers and dates (a finding
    stores no sentence: switching `language` changes nothing stored); dates as of `ref` (else its
    own data date, if it has one)."""
    names = names or Names()
    ref = ref or _date(f, "data_date")

    def on(key: str) -> str:  # a date of its details as the sentence says it; what is no date as it is
        d = _date(f, key)
        return date_text(d, ref, lang) if d is not None else _detail(f, key)

    mid = f.milestone or ""
    kw: dict[str, object] = {"name": _m(names, f.project, mid), "mid": mid}
    days = f.days if f.days is not None else 0
    n_days = days_text(abs(days), bool(f.details.get("works_daily")), lang)
    if f.kind is FindingKind.FINISH_OVERDUE:
        return t("finding.finish_overdue", lang, baseline=on("baseline_finish"), days=n_days, **kw)
    if f.kind is FindingKind.START_OVERDUE:
        return t("finding.start_overdue", lang, baseline=on("baseline_start"), days=n_days, **kw)
    if f.kind is FindingKind.SLIP:
        return t("finding.slip", lang, baseline=on("baseline_finish"), forecast=on("forecast_finish"),
                 days=n_days, **kw)
    if f.kind is FindingKind.DEADLINE:
        return deadline_text(f, str(kw["name"]), mid, lang, ref)
    if f.kind is FindingKind.FACTOR:
        fid = f.factor or ""
        fname = names.factors.get((f.project, fid)) or _detail(f, "name") or f.factor_kind or fid
        when = t("factor.overdue", lang, days=n_days) if days > 0 else t("factor.due_in", lang, days=n_days)
        text = t("finding.factor", lang, kind=f.factor_kind or "", fname=fname, fid=fid, status=_detail(f, "status"),
                 needed=on("needed"), when=when, expected=on("expected") or t("factor.no_expected", lang), **kw)
        blocker = _detail(f, "blocker")
        return text + (t("factor.blocker", lang, blocker=blocker) if blocker else "")
    if f.kind is FindingKind.INVESTMENT:
        return t("finding.investment", lang, done=f"{_num(f, 'completed'):.0f}", plan=f"{_num(f, 'plan_to_date'):.0f}",
                 gap=f"{_num(f, 'gap'):.0f}", points=f"{_num(f, 'gap_points'):.1f}")
    if f.kind is FindingKind.PHYSICAL:
        return t("finding.physical", lang, actual=f"{_num(f, 'actual'):.1f}", planned=f"{_num(f, 'planned'):.1f}",
                 points=f"{_num(f, 'gap_points'):.1f}")
    if f.kind is FindingKind.PAYMENT:
        return t("finding.payment", lang, issued=f"{_num(f, 'issued'):.0f}", paid=f"{_num(f, 'paid'):.0f}",
                 rate=f"{_num(f, 'rate'):.1f}", planned=f"{_num(f, 'planned_rate'):.1f}",
                 points=f"{_num(f, 'gap_points'):.1f}")
    if f.kind is FindingKind.STATISTICS:
        return t("finding.statistics", lang, commenced=on("commenced"),
                 months=f.details.get("months_since_commenced"),
                 status=_detail(f, "status") or t("statistics.none", lang))
    if f.kind is FindingKind.QUANTITY:
        qs = f.details.get("quantities")
        items = "；".join(
            t("finding.quantity_item", lang, name=q.get("name"), done=f"{float(q.get('done') or 0):g}",
              target=f"{float(q.get('target') or 0):g}", measure=q.get("measure"),
              planned=f"{float(q.get('planned') or 0):.1f}", gap=f"{float(q.get('gap') or 0):.1f}")
            for q in (qs if isinstance(qs, list) else []) if isinstance(q, dict))
        return t("finding.quantity", lang, items=items)
    keys = f.details.get("keys")
    n = len(keys) if isinstance(keys, list | tuple) else 0
    return t("finding.escalation.short", lang, weeks=f.details.get("weeks") or f.weeks_red, n=n)


def _date(f: Finding, key: str) -> dt.date | None:
    v = f.details.get(key)
    try:
        return dt.date.fromisoformat(v) if isinstance(v, str) and v else None
    except ValueError:
        return None


def deadline_text(f: Finding, name: str, mid: str, lang: str = "zh", ref: dt.date | None = None) -> str:
    """A deadline finding's sentence: the deadline against the forecast (原定10月底前开工，预计12月19日
    开工，超出49天), or, once its date has happened, against the actual date (已于11月5日完成，超期5天);
    dates the Chinese way without the year of the data date, days in 天 on a calendar that works
    every day, else in working days. `ref`: the data date (else the finding's own)."""
    ref = ref or _date(f, "data_date")
    days = days_text(f.days if f.days is not None else 0, bool(f.details.get("works_daily")), lang)
    one_date = bool(f.details.get("event"))  # an event happens on one date: one piece, not 开始、完成
    event = one_date and len(name) <= 6       # ... and a short name (开工, 主体封顶) is its verb

    def verb(key: str) -> str:
        return "" if event else t(key, lang)

    def piece(key: str, d: dt.date | None, v: str, **kw: str) -> str:
        return t(key, lang, verb=v, **kw).strip() if d is not None else ""

    judged = f.details.get("judged")
    if judged in ("start", "finish"):
        v = verb(f"brief.verb.{judged}")
        by = _date(f, f"{judged}_by")
        planned = piece("deadline.piece", by, v, by=by_text(by, ref, lang) if by else "")
        actual = piece("deadline.date_piece.actual", _date(f, "actual"), v,
                       date=date_text(_date(f, "actual"), ref, lang))
        return t("finding.deadline.missed.event" if event else "finding.deadline.missed", lang, name=name, mid=mid,
                 planned=planned, actual=actual, days=days)
    pairs = []  # (deadline, forecast date, verb key)
    if f.details.get("start_by_counts", True) and _date(f, "start_by"):
        pairs.append((_date(f, "start_by"), _date(f, "forecast_start"), "brief.verb.start"))
    if _date(f, "finish_by"):
        pairs.append((_date(f, "finish_by"), _date(f, "forecast_finish"), "brief.verb.finish"))
    if one_date:
        pairs = pairs[:1]  # the earlier deadline
    sep = "、" if lang == "zh" else ", "
    planned = sep.join(piece("deadline.piece", by, verb(k), by=by_text(by, ref, lang)) for by, _, k in pairs if by)
    forecast = sep.join(piece("deadline.date_piece", fc, verb(k), date=date_text(fc, ref, lang)) for _, fc, k in pairs)
    return t("finding.deadline.event" if event else "finding.deadline", lang, name=name, mid=mid, planned=planned,
             forecast=forecast, days=days)


def names_of_projects(projects: Iterable[Project]) -> Names:
    """Names of every project, milestone and factor of model projects (the view has them all)."""
    pr: dict[str, str] = {}
    ms: dict[tuple[str, str], str] = {}
    fs: dict[tuple[str, str], str] = {}
    for p in projects:
        pr[p.id] = p.name
        for m in p.milestones:
            ms[(p.id, m.id)] = m.name
        for x in p.factors:
            fs[(p.id, x.id)] = x.name or x.kind
    return Names(pr, ms, fs)


def line_names(problems: Iterable[Problem]) -> tuple[set[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """The projects, (project, milestone) and (project, factor) pairs whose names the problems'
    lines and escalation parts say (problem_line, escalation_parts: the problem's own milestone and
    factor, its deadlines' milestones, a missed deadline's, the holding factor; its symptoms are
    only counted), for looking up just those names (store.alerts.names_of): a digest needs no more."""
    projects: set[str] = set()
    milestones: set[tuple[str, str]] = set()
    factors: set[tuple[str, str]] = set()
    for p in problems:
        projects.add(p.project)
        if p.milestone:
            milestones.add((p.project, p.milestone))
        if p.factor:
            factors.add((p.project, p.factor))
        for d in p.deadlines:
            milestones.add((p.project, d.milestone))
        if p.held_by:
            factors.add((p.project, p.held_by.rsplit("/", 1)[-1]))
        missed = p.missed_deadline
        if missed is not None and missed.milestone:
            milestones.add((missed.project, missed.milestone))
    return projects, milestones, factors


def mentioned(problems: Iterable[Problem]) -> list[SimpleNamespace]:
    """The (project, milestone, factor) items problems mention — their own, their symptoms' and
    deadlines' milestones, a co-requisite's holding factor — for looking their names up
    (store.alerts.names_for)."""
    out: list[SimpleNamespace] = []
    for p in problems:
        out.append(SimpleNamespace(project=p.project, milestone=p.milestone, factor=p.factor))
        out += [SimpleNamespace(project=p.project, milestone=s.milestone, factor=None) for s in p.symptoms
                if s.milestone]
        out += [SimpleNamespace(project=p.project, milestone=d.milestone, factor=None) for d in p.deadlines]
        if p.held_by:
            out.append(SimpleNamespace(project=p.project, milestone=None, factor=p.held_by.rsplit("/", 1)[-1]))
    return out
