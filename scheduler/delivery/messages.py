"""What an alert says: which findings alert their unit, and the subject and body of each, in the
configured language; `enqueue_alerts` composes a run's alerts and queues them (store/alerts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Connection

from scheduler.core.alerts import Alert, should_alert
from scheduler.core.findings import Finding, FindingKind
from scheduler.io.config import Config
from scheduler.store.alerts import Names, insert_alerts, names_for, utc
from scheduler.store.db import utcnow
from scheduler.strings import t

NO_CONTACT = "no contact configured for unit {unit}"


_t = lru_cache(maxsize=4096)(t)
"""t() for the labels that repeat from alert to alert (kinds, lights, greeting, intro, to-do):
tens of thousands of alerts in a large week format only a few hundred distinct ones."""


def _label(name: str | None, ident: str) -> str:
    return f"{name}（{ident}）" if name and name != ident else ident


def _factor_label(finding: Finding, names: Names) -> str:
    fid = finding.factor or ""
    return _label(names.factors.get((finding.project, fid)) or finding.factor_kind, fid)


def alert_text(finding: Finding, week: str, names: Names | None = None, lang: str = "zh") -> tuple[str, str]:
    """Subject and body of the alert about `finding`: project, milestone/factor, what is late, how
    many working days, what to do, the week."""
    names = names or Names()
    p = finding.project
    project = _label(names.projects.get(p), p)
    kind = _t(f"kind.{finding.kind.value}", lang)
    if finding.kind is FindingKind.ESCALATION:
        weeks = finding.details.get("max_weeks_red") or finding.weeks_red
        subject = t("alert.subject.escalation", lang, week=week, project=project, weeks=weeks)
    else:
        item = ""
        if finding.factor:
            item = _factor_label(finding, names)
        elif finding.milestone:
            item = _label(names.milestones.get((p, finding.milestone)), finding.milestone)
        late = finding.days is not None and finding.days > 0
        days = t("alert.subject.days", lang, days=finding.days) if late else ""
        subject = t("alert.subject", lang, week=week, light=_t(f"light.{finding.light.value}", lang),
                    project=project, item=f" · {item}" if item else "", kind=kind, days=days)
    lines = [_t("alert.greeting", lang, unit=finding.unit), "",
             _t("alert.intro", lang, week=week), "",
             t("alert.project", lang, project=project)]
    if finding.milestone:
        lines.append(t("alert.milestone", lang, milestone=_label(
            names.milestones.get((p, finding.milestone)), finding.milestone)))
    if finding.factor:
        name = names.factors.get((p, finding.factor))
        fk = f"，{finding.factor_kind}" if finding.factor_kind and name and name != finding.factor_kind else ""
        lines.append(t("alert.factor", lang, factor=_factor_label(finding, names) + fk))
    lines.append(_t("alert.problem", lang, kind=kind, light=_t(f"light.{finding.light.value}", lang)))
    lines.append(t("alert.situation", lang, message=finding.message))
    if finding.days is not None and finding.days > 0:
        lines.append(t("alert.days", lang, days=finding.days))
    if finding.weeks_red > 1:
        lines.append(t("alert.weeks_red", lang, weeks=finding.weeks_red))
    if finding.first_seen and finding.first_seen != week:
        lines.append(t("alert.first_seen", lang, first=finding.first_seen))
    weeks = finding.details.get("max_weeks_red") or finding.weeks_red
    lines += [_t("alert.todo", lang, todo=_t(f"alert.todo.{finding.kind.value}", lang, weeks=weeks)), "",
              _t("alert.footer", lang, week=week)]
    return subject, "\n".join(lines) + "\n"


def alerts_for(findings: Iterable[Finding], *, week: str, config: Config, run_id: int | None = None,
               now: dt.datetime | None = None, names: Names | None = None) -> list[Alert]:
    """The alerts the findings call for: one per contact address of the responsible unit; a unit
    without contacts gets one failed email alert to '' so the gap is visible, not dropped."""
    when = utc(now or utcnow())
    out: list[Alert] = []
    for f in findings:
        if not should_alert(f, week):
            continue
        subject, body = alert_text(f, week, names, config.language)
        out += _to_unit(config, f.unit, week, f.key, subject, body, when, run_id)
    return out


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


def reminder_alerts(units: Iterable[str], *, week: str, deadline: dt.datetime, config: Config,
                    now: dt.datetime | None = None) -> list[Alert]:
    """The reminders to units that have not reported `week` yet, due at `deadline`."""
    when = utc(now or utcnow())
    lang = config.language
    due = deadline.strftime("%Y-%m-%d %H:%M")
    out: list[Alert] = []
    for unit in units:
        subject = t("reminder.subject", lang, week=week, deadline=due)
        body = t("reminder.body", lang, unit=unit, week=week, deadline=due)
        out += _to_unit(config, unit, week, REMINDER_KEY.format(unit=unit), subject, body, when, None)
    return out


def enqueue_alerts(conn: Connection, *, run_id: int, week: str, findings: Sequence[Finding],
                   config: Config, chunk: int = 2_000) -> int:
    """Queue the alerts of this week's findings inside the caller's transaction; returns how many
    new alert rows were added (0 when the week was already alerted)."""
    wanted = [f for f in findings if should_alert(f, week)]
    if not wanted:
        return 0
    names = names_for(conn, wanted)
    now = utcnow()
    added = 0
    for i in range(0, len(wanted), chunk):  # a chunk at a time: the texts of a large week stay small
        added += insert_alerts(conn, alerts_for(wanted[i:i + chunk], week=week, config=config, run_id=run_id,
                                                now=now, names=names))
    return added
