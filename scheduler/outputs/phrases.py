"""Sentences about problems, written from their data in the configured language (strings.py):
what is wrong, what it drags, and the three parts of an escalation (事由, 需协调事项, 建议). The
problem list stores ids, numbers and dates only, so switching `language` changes none of it."""

from __future__ import annotations

from scheduler.core.problems import Problem, ProblemKind
from scheduler.store.alerts import Names
from scheduler.strings import t


def _m(names: Names, project: str, mid: str | None) -> str:
    return names.milestones.get((project, mid or ""), mid or "")


def _iso(d: object) -> str:
    return d.isoformat() if hasattr(d, "isoformat") else "—"


def problem_what(p: Problem, names: Names | None = None, lang: str = "zh") -> str:
    """What is wrong, in one sentence (a hand-raised problem: its own words)."""
    names = names or Names()
    mname = _m(names, p.project, p.milestone)
    if p.kind is ProblemKind.FACTOR:
        days = p.days or 0
        when = (t("problem.what.factor.overdue", lang, days=days) if days > 0 else
                t("problem.what.factor.due_in", lang, days=-days))
        text = t("problem.what.factor", lang, kind=p.factor_kind or "", fid=p.factor or "",
                 fname=names.factors.get((p.project, p.factor or ""), p.factor_kind or p.factor or ""),
                 mname=mname, mid=p.milestone or "", when=when,
                 expected=_iso(p.expected) if p.expected else t("factor.no_expected", lang))
        if p.held_by:
            other = p.held_by.rsplit("/", 1)[-1]
            text += t("problem.held_by", lang, other=names.factors.get((p.project, other), other))
    elif p.kind is ProblemKind.MILESTONE:
        text = t("problem.what.milestone", lang, mname=mname, mid=p.milestone or "", days=p.days or 0)
    elif p.kind is ProblemKind.DEADLINE:
        text = t("problem.what.deadline", lang, mname=mname, mid=p.milestone or "")
    elif p.kind in (ProblemKind.INVESTMENT, ProblemKind.PHYSICAL):
        text = t(f"problem.what.{p.kind.value}", lang, points=f"{p.points or 0:.1f}")
    else:
        return p.description
    if p.description and p.kind is ProblemKind.FACTOR:
        text += t("problem.blocker", lang, text=p.description)
    return text


def problem_drags(p: Problem, names: Names | None = None, lang: str = "zh") -> str:
    """What the problem drags: how many milestones, and which deadlines by how many working days."""
    names = names or Names()
    parts = []
    n = p.milestones_dragged
    if n:
        parts.append(t("problem.drags", lang, n=n))
    if p.deadlines:
        items = "；".join(t("problem.drags.deadline", lang, mname=_m(names, p.project, d.milestone), mid=d.milestone,
                            date=d.deadline.isoformat(), what=t("problem.start" if d.start else "problem.finish", lang),
                            days=d.days) for d in p.deadlines)
        parts.append(t("problem.drags.deadlines", lang, items=items))
    return "；".join(parts)


def escalation_parts(p: Problem, names: Names | None = None, lang: str = "zh") -> tuple[str, str, str]:
    """事由, 需协调事项 and 建议 of a problem going up to the county: the office's own words when it
    escalated it, else written from the problem (what is wrong and for how long; the unit and its
    partners to press; its 整改措施 or the standard proposal)."""
    es = p.escalation
    what = problem_what(p, names, lang)
    why = t("problems.escalate.weeks", lang, n=p.weeks_red) if p.weeks_red else t("problems.escalate.county", lang)
    reason = es.reason if es is not None and es.reason else t("problems.escalate.reason", lang, what=what, weeks=why)
    partners = ("、" + "、".join(p.partners)) if p.partners else ""
    matters = (es.matters if es is not None and es.matters else p.county_matters or
               t("problems.escalate.matters", lang, unit=p.unit, partners=partners))
    proposal = (es.proposal if es is not None and es.proposal else p.measures or t("problems.escalate.proposal", lang))
    return reason, matters, proposal
