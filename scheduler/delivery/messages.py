"""What an alert says, in the configured language: each unit's weekly digest of its open problems
(问题清单), the copies of the escalated ones, the report reminders; `enqueue_alerts` composes a
run's alerts and queues them (store/alerts.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from sqlalchemy import Connection, select

from scheduler.core.alerts import Alert, Names, copy_key, digest_key
from scheduler.core.dates import date_text, moment_text, week_text
from scheduler.core.findings import Light, week_monday
from scheduler.core.phrases import escalation_parts, line_names, problem_line
from scheduler.core.problems import Problem, ProblemKind
from scheduler.io.config import Config, Unit
from scheduler.store.alerts import insert_alerts, names_of, rekey_legacy, utc
from scheduler.store.db import projects as projects_t
from scheduler.store.db import utcnow
from scheduler.strings import t

NO_CONTACT = "no contact configured for unit {unit}"


_t = lru_cache(maxsize=4096)(t)
"""t() for the labels that repeat from message to message (lights, greeting, to-do, footer)."""


def _label(name: str | None, ident: str) -> str:
    return f"{name}（{ident}）" if name and name != ident else ident


def _to_unit(config: Config, unit_name: str, week: str, key: str, subject: str, body: str, when: dt.datetime,
             run_id: int | None) -> list[Alert]:
    """One alert per contact address of the unit; a unit without contacts gets one failed email
    alert to '' so the gap is visible, not dropped."""
    unit = config.unit(unit_name)
    targets = [("email", a.strip()) for a in unit.email if a.strip()]
    if unit.webhook and unit.webhook.strip():
        targets.append(("webhook", unit.webhook.strip()))
    if not targets:
        return [Alert(week, key, unit_name, "email", "", subject, body, status="failed",
                      last_error=NO_CONTACT.format(unit=unit_name), created_at=when, run_id=run_id)]
    return [Alert(week, key, unit_name, channel, address, subject, body, next_attempt_at=when, created_at=when,
                  run_id=run_id) for channel, address in dict.fromkeys(targets)]


REMINDER_KEY = "reminder/{unit}"
"""The alert queue's finding_key of a unit's reminder for a week (one per unit, week and address)."""
NOT_REPORTED_KEY = "not-reported/{unit}"
"""The alert queue's finding_key of the message to a unit that missed the week's deadline (one per
unit, week and address: a re-run of the week adds none)."""


def _report_notices(units: Iterable[str], label: str, key: str, *, week: str, deadline: dt.datetime,
                    config: Config, run_id: int | None, now: dt.datetime | None) -> list[Alert]:
    """One message per unit about its report of `week` due at `deadline` (strings `label`.subject
    and `label`.body), keyed `key` (with {unit})."""
    when = utc(now or utcnow())
    lang = config.language
    due = moment_text(deadline, lang)  # 2026年11月27日 17:00
    said = week_text(week, lang)  # the template's file name keeps the ISO code
    out: list[Alert] = []
    for unit in units:
        subject = t(f"{label}.subject", lang, week=said, deadline=due)
        body = t(f"{label}.body", lang, unit=unit, week=said, code=week, deadline=due)
        out += _to_unit(config, unit, week, key.format(unit=unit), subject, body, when, run_id)
    return out


def reminder_alerts(units: Iterable[str], *, week: str, deadline: dt.datetime, config: Config,
                    now: dt.datetime | None = None) -> list[Alert]:
    """The reminders to units that have not reported `week` yet, due at `deadline`."""
    return _report_notices(units, "reminder", REMINDER_KEY, week=week, deadline=deadline, config=config,
                           run_id=None, now=now)


def not_reported_alerts(units: Iterable[str], *, week: str, deadline: dt.datetime, config: Config,
                        run_id: int | None = None, now: dt.datetime | None = None) -> list[Alert]:
    """The message after the deadline to each unit that has not reported `week` (未按时报送): it is
    listed as not reporting, its items keep last week's data (never zero progress), and a late
    sheet is still applied when the week is run again."""
    return _report_notices(units, "not_reported", NOT_REPORTED_KEY, week=week, deadline=deadline, config=config,
                           run_id=run_id, now=now)


def wants_problem(p: Problem) -> bool:
    """An open, not exempted red or yellow problem goes into its unit's weekly digest."""
    return p.counts and p.light in (Light.RED, Light.YELLOW)


def problem_urgency(p: Problem) -> tuple[int, int, int, int, str]:
    """Sort key, most urgent first: problems going up to the county, then red ones (longest red,
    most days late first), then yellow ones; more knock-on symptoms first on a tie."""
    rank = 0 if p.escalate and p.light is Light.RED else 1 if p.light is Light.RED else 2
    return (rank, -p.weeks_red, -(p.days or 0), -len(p.symptoms), p.id)


_TODO = {ProblemKind.FACTOR: "factor", ProblemKind.DEADLINE: "deadline", ProblemKind.INVESTMENT: "investment",
         ProblemKind.PHYSICAL: "physical"}


def _problem_todo(p: Problem, lang: str) -> str:
    kind = "escalation" if p.escalate else _TODO.get(p.kind, "finish-overdue")
    return _t(f"alert.todo.{kind}", lang, weeks=p.weeks_red)


def problem_digest_text(unit: str, problems: Sequence[Problem], week: str, names: Names | None = None,
                        lang: str = "zh", *, said: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Subject and body of a unit's weekly digest from its open problems (问题清单): each root
    cause once, most urgent first, its symptoms counted under it, led by the one to act on first.
    `said`: each problem's line by id, when the caller wrote them already (core.phrases.problem_line)."""
    names = names or Names()
    monday = week_monday(week)
    said = said if said is not None else {p.id: problem_line(p, names, lang, monday) for p in problems}
    items = sorted(problems, key=problem_urgency)
    red = [p for p in items if p.light is Light.RED]
    yellow = [p for p in items if p.light is Light.YELLOW]
    new = sum(1 for p in red if p.first_seen in ("", week))
    date = date_text(monday, monday, lang)
    subject = t("digest.subject", lang, date=date, unit=unit, red=len(red), yellow=len(yellow))
    lines = [_t("alert.greeting", lang, unit=unit), "",
             t("digest.intro", lang, date=date, n=len(red) + len(yellow), red=len(red), new=new,
               yellow=len(yellow))]
    escalated: dict[str, list[Problem]] = {}
    for p in red:
        if p.escalate:
            escalated.setdefault(p.project, []).append(p)
    for project, plist in escalated.items():
        lines += ["", t("digest.escalation", lang, project=_label(names.projects.get(project), project),
                        n=len(plist), weeks=max(p.weeks_red for p in plist))]
    first = (red or yellow)[0]
    item = f"{_label(names.projects.get(first.project), first.project)} · {first.id}"
    lines += ["", t("digest.first", lang, item=item,
                    message=said[first.id], todo=_problem_todo(first, lang))]
    labels = _labels(items, names)
    new_mark = t("digest.mark.new", lang)
    for key, group in (("digest.red", red), ("digest.yellow", yellow)):
        if not group:
            continue
        lines += ["", t(key, lang, n=len(group))]
        for k, p in enumerate(group, start=1):
            marks = ""
            if p.light is Light.RED and p.first_seen in ("", week):
                marks = new_mark
            elif p.weeks_red > 1:
                marks = t("digest.mark.weeks", lang, weeks=p.weeks_red)
            lines.append(f"{k}. {marks}{labels[p.project]} · {p.id}：{said[p.id]}")
    lines += ["", t("digest.tail", lang, date=date_text(monday + dt.timedelta(days=7), monday, lang)), "",
              _t("alert.footer", lang, week=date)]
    return subject, "\n".join(lines) + "\n"


def problem_digest_rows(problems: Sequence[Problem], names: Names | None = None,
                        lang: str = "zh", *, said: Mapping[str, str]) -> list[list[str]]:
    """The unit's part of the 问题清单 as rows (heading first) for the e-mail's .xlsx; `said`: each
    problem's line by id as the digest's body says it (`digests` writes them once for both)."""
    names = names or Names()
    head = [t(k, lang) for k in ("brief.col.no", "col.project", "col.item", "col.light", "col.kind",
                                 "brief.col.problem", "col.days", "col.weeks_red", "digest.col.todo")]
    lights = {light: t(f"light.{light.value}", lang) for light in Light}
    labels = _labels(problems, names)
    rows = [head]
    for k, p in enumerate(sorted(problems, key=problem_urgency), start=1):
        rows.append([str(k), labels[p.project], p.id, lights[p.light], p.kind.value, said[p.id],
                     "" if p.days is None else str(p.days), str(p.weeks_red or ""), _problem_todo(p, lang)])
    return rows


def _labels(problems: Iterable[Problem], names: Names) -> dict[str, str]:
    """Each project's label (名称（id）) once per digest, not once per problem line."""
    return {pid: _label(names.projects.get(pid), pid) for pid in {p.project for p in problems}}


def escalation_copy_text(who: str, problems: Sequence[Problem], week: str, names: Names | None = None,
                         lang: str = "zh") -> tuple[str, str]:
    """Subject and body of the copy to a county leader or the 督查室 of the problems going up to
    the county this week (提请县政府专题研究, `Problem.escalate`): each with its 责任单位, 事由,
    需协调事项 and 建议 (core.phrases.escalation_parts, as the brief writes them)."""
    names = names or Names()
    items = sorted(problems, key=problem_urgency)
    monday = week_monday(week)
    date = date_text(monday, monday, lang)
    subject = t("copy.subject", lang, date=date, n=len(items))
    lines = [_t("alert.greeting", lang, unit=who), "", t("copy.intro", lang, date=date, n=len(items))]
    for k, p in enumerate(items, start=1):
        reason, matters, proposal = escalation_parts(p, names, lang, monday)
        lines += ["", t("copy.item", lang, k=k, project=_label(names.projects.get(p.project), p.project), id=p.id,
                        unit=p.unit or "—", reason=reason, matters=matters, proposal=proposal)]
    lines += ["", _t("alert.footer", lang, week=date)]
    return subject, "\n".join(lines) + "\n"


def escalation_copies(escalated: Sequence[Problem], *, week: str, config: Config, leaders: Mapping[str, str],
                      run_id: int | None = None, when: dt.datetime, names: Names | None = None) -> list[Alert]:
    """The copies of the week's escalated problems: to each county leader of [leaders] named in
    the leader of a project escalated (`leaders`: project id -> its 县级领导), his projects' only;
    to the 督查室 ([alerts] supervision) all of them. One message per recipient and address."""
    if not escalated:
        return []
    lang = config.language
    copies: list[tuple[Unit, list[Problem]]] = []
    for name, leader in config.leaders.items():
        mine = [p for p in escalated if name and name in (leaders.get(p.project) or "")]
        if mine:
            copies.append((leader, mine))
    if config.alerts.supervision:
        copies.append((Unit(t("digest.supervision", lang), tuple(config.alerts.supervision)), list(escalated)))
    out: list[Alert] = []
    for who, items in copies:
        subject, body = escalation_copy_text(who.name, items, week, names, lang)
        for channel, address in _targets(who):
            out.append(Alert(week, copy_key(who.name), who.name, channel, address, subject, body, next_attempt_at=when,
                             created_at=when, run_id=run_id))
    return out


def _targets(unit: Unit) -> list[tuple[str, str]]:
    targets = [("email", a.strip()) for a in unit.email if a.strip()]
    if unit.webhook and unit.webhook.strip():
        targets.append(("webhook", unit.webhook.strip()))
    return list(dict.fromkeys(targets))


def digest_units(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """The problems each unit's digest lists (`wants_problem`), by unit: the one place they are chosen."""
    by_unit: dict[str, list[Problem]] = {}
    for p in problems:
        if wants_problem(p):
            by_unit.setdefault(p.unit, []).append(p)
    return by_unit


def digests(by_unit: Mapping[str, Sequence[Problem]], *, week: str, config: Config, run_id: int | None = None,
            now: dt.datetime | None = None, names: Names | None = None) -> list[Alert]:
    """One digest per unit (per contact address) for the week from the problems `digest_units`
    chose for it (symptoms folded under them), with its part of the 问题清单 attached to the
    e-mail; a unit without contacts gets one failed e-mail digest to '' so the gap is visible."""
    when = utc(now or utcnow())
    lang = config.language
    out: list[Alert] = []
    for unit_name, plist in by_unit.items():
        said = {p.id: problem_line(p, names, lang, week_monday(week)) for p in plist}  # for the body and the sheet
        subject, body = problem_digest_text(unit_name, plist, week, names, lang, said=said)
        attachment = json.dumps(problem_digest_rows(plist, names, lang, said=said), ensure_ascii=False)
        targets = _targets(config.unit(unit_name))
        if not targets:
            out.append(Alert(week, digest_key(unit_name), unit_name, "email", "", subject, body, status="failed",
                             last_error=NO_CONTACT.format(unit=unit_name), created_at=when, run_id=run_id))
            continue
        for channel, address in targets:
            out.append(Alert(week, digest_key(unit_name), unit_name, channel, address, subject, body,
                             next_attempt_at=when, created_at=when, run_id=run_id,
                             attachment=attachment if channel == "email" else None))
    return out


def enqueue_alerts(conn: Connection, *, run_id: int, week: str, config: Config,
                   problems: Sequence[Problem]) -> int:
    """Queue this week's digests (one per unit and address: its open problems, symptoms folded
    under them) and the copies of the escalated problems (`escalation_copies`) inside the caller's
    transaction; returns how many new alert rows were added (0 when the week was already alerted:
    a re-run of the week never sends a second digest)."""
    by_unit = digest_units(problems)
    listed = [p for plist in by_unit.values() for p in plist]
    escalated = [p for p in problems if p.escalate]
    if not listed and not escalated:
        return 0
    names = names_of(conn, *line_names([*listed, *escalated]))
    now = utcnow()
    out = digests(by_unit, week=week, config=config, run_id=run_id, now=now, names=names)
    if escalated:
        projects = sorted({p.project for p in escalated})
        leaders = {r.id: r.leader or "" for r in conn.execute(
            select(projects_t.c.id, projects_t.c.leader).where(projects_t.c.id.in_(projects),
                                                              projects_t.c.portfolio == config.portfolio))}
        out += escalation_copies(escalated, week=week, config=config, leaders=leaders, run_id=run_id, when=utc(now),
                                 names=names)
    rekey_legacy(conn, week, config.portfolio)
    return insert_alerts(conn, out, config.portfolio)
