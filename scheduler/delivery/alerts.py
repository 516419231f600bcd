"""The alerts adapter: turns the weekly run's new red findings and escalations into one alert per
contact of the responsible unit (email address, robot webhook), queued in the `alerts` table, and
delivers the queue with retries and backoff (or, in the demo, writes it to the outbox folder).

Queueing happens inside the weekly run's transaction and is idempotent: UNIQUE(week, finding_key,
channel, address) plus INSERT ... ON CONFLICT DO NOTHING, so re-running a week never alerts twice.
Delivery works in short transactions per alert: an attempt is claimed by a compare-and-set UPDATE
(status pending, same attempt count, due), so two processes never send the same attempt."""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from scheduler.core.findings import Finding, FindingKind, Light
from scheduler.io.config import AlertSettings, Config
from scheduler.store.db import alerts as alerts_t
from scheduler.store.db import factors as factors_t
from scheduler.store.db import milestones as milestones_t
from scheduler.store.db import projects as projects_t
from scheduler.store.db import reading, transaction, utcnow
from scheduler.strings import t

if TYPE_CHECKING:
    from rich.table import Table

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "delivered", "failed")
OUTBOX_NOTE = "written to outbox"
NO_CONTACT = "no contact configured for unit {unit}"
SMTP_TIMEOUT = 20.0
WEBHOOK_TIMEOUT = 20.0
MAX_ERROR_CHARS = 500

Sender = Callable[["Alert"], str | None]
"""Sends one alert; returns an optional note (kept as last_error), raises on failure."""


class PermanentDeliveryError(Exception):
    """A delivery failure that retrying cannot fix (no address, unusable URL): failed at once."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to one address about one finding of one week, and its delivery state."""

    week: str
    finding_key: str
    unit: str
    channel: str
    address: str
    subject: str
    body: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    created_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    run_id: int | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"alert channel {self.channel!r} is not one of {CHANNELS}")
        if self.status not in STATUSES:
            raise ValueError(f"alert status {self.status!r} is not one of {STATUSES}")

    @classmethod
    def from_row(cls, row: Any) -> Alert:
        """An Alert from a row of the `alerts` table (timestamps made timezone-aware UTC)."""
        m = row._mapping
        return cls(
            week=m["week"], finding_key=m["finding_key"], unit=m["unit"], channel=m["channel"],
            address=m["address"], subject=m["subject"], body=m["body"], status=m["status"],
            attempts=m["attempts"], next_attempt_at=_aware(m["next_attempt_at"]),
            last_error=m["last_error"], created_at=_aware(m["created_at"]),
            delivered_at=_aware(m["delivered_at"]), run_id=m["run_id"], id=m["id"],
        )

    def row(self) -> dict[str, Any]:
        """The column values to insert (without the id, which the database assigns)."""
        return {
            "run_id": self.run_id, "week": self.week, "finding_key": self.finding_key, "unit": self.unit,
            "channel": self.channel, "address": self.address, "subject": self.subject, "body": self.body,
            "status": self.status, "attempts": self.attempts, "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error, "created_at": self.created_at, "delivered_at": self.delivered_at,
        }


@dataclass(slots=True)
class DeliveryReport:
    """What one `deliver_pending` call did, counted per outcome."""

    delivered: int = 0          # sent (SMTP accepted / webhook 2xx)
    written: int = 0            # written to the outbox folder (deliver = false)
    retrying: int = 0           # attempt failed, stays pending until next_attempt_at
    failed: int = 0             # gave up (max_attempts reached or permanent error): status failed
    skipped: int = 0            # another process claimed it first
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Alerts this call tried to send or write."""
        return self.delivered + self.written + self.retrying + self.failed

    def summary(self, lang: str = "zh") -> str:
        """One line for the log and the CLI."""
        return t("alert.report", lang, delivered=self.delivered, written=self.written,
                 retrying=self.retrying, failed=self.failed, skipped=self.skipped)


# -- which findings alert, and what they say --------------------------------------------------------


def should_alert(finding: Finding, week: str) -> bool:
    """A red finding first seen this week, or an escalation (提请县政府专题研究), alerts its unit."""
    if finding.kind is FindingKind.ESCALATION:
        return True
    return finding.light is Light.RED and finding.first_seen in (None, week)


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of projects, milestones and factors, by id (ids shown when unknown)."""

    projects: dict[str, str] = field(default_factory=dict)
    milestones: dict[tuple[str, str], str] = field(default_factory=dict)
    factors: dict[tuple[str, str], str] = field(default_factory=dict)


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
    when = _utc(now or utcnow())
    out: list[Alert] = []
    for f in findings:
        if not should_alert(f, week):
            continue
        subject, body = alert_text(f, week, names, config.language)
        unit = config.unit(f.unit)
        targets = [("email", a.strip()) for a in unit.email if a.strip()]
        if unit.webhook and unit.webhook.strip():
            targets.append(("webhook", unit.webhook.strip()))
        if not targets:
            out.append(Alert(week, f.key, f.unit, "email", "", subject, body, status="failed",
                             last_error=NO_CONTACT.format(unit=f.unit), created_at=when, run_id=run_id))
            continue
        for channel, address in dict.fromkeys(targets):
            out.append(Alert(week, f.key, f.unit, channel, address, subject, body,
                             next_attempt_at=when, created_at=when, run_id=run_id))
    return out


def _pairs_in(conn: Connection, table: Any, cols: tuple[str, ...], pairs: set[tuple[str, str]],
              size: int = 2_000) -> list[tuple[Any, ...]]:
    """`cols` of the rows of `table` whose (project_id, id) is one of `pairs`: a join with a chunk
    of pairs as a VALUES CTE, one primary-key lookup per pair (a row-value IN scans the whole
    table on SQLite; SQLAlchemy's values() construct costs more to compile than the query)."""
    q = conn.dialect.identifier_preparer
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    name = q.format_table(table)
    keys = sorted(pairs)
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), size):
        chunk = keys[i:i + size]
        sql = (f"WITH wanted (p, i) AS (VALUES {', '.join(f'({mark}, {mark})' for _ in chunk)}) "
               f"SELECT {', '.join(f'{name}.{q.quote(c)}' for c in cols)} FROM wanted JOIN {name} "
               f"ON {name}.project_id = wanted.p AND {name}.id = wanted.i")
        out.extend(conn.exec_driver_sql(sql, tuple(v for pair in chunk for v in pair)).all())
    return out


def _names(conn: Connection, findings: Sequence[Finding]) -> Names:
    """Project, milestone and factor names the findings mention, from the loaded portfolio (only
    the milestones and factors named by a finding, not every one of their projects)."""
    ids = sorted({f.project for f in findings})
    if not ids:
        return Names()
    prj = {r.id: r.name for r in conn.execute(select(projects_t.c.id, projects_t.c.name)
                                                .where(projects_t.c.id.in_(ids)))}
    ms = {(r[0], r[1]): r[2] for r in _pairs_in(
        conn, milestones_t, ("project_id", "id", "name"),
        {(f.project, f.milestone) for f in findings if f.milestone})}
    fs = {(r[0], r[1]): r[2] or r[3] for r in _pairs_in(
        conn, factors_t, ("project_id", "id", "name", "kind"),
        {(f.project, f.factor) for f in findings if f.factor})}
    return Names(prj, ms, fs)


def _insert_ignoring_duplicates(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on the delivery key for all rows in one executemany
    (SQLAlchemy batches it into multi-row statements, compiled once); returns how many rows were
    added (a re-run of the week adds none)."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    stmt: Insert
    if dialect == "sqlite":
        stmt = sqlite.insert(alerts_t).on_conflict_do_nothing(
            index_elements=["week", "finding_key", "channel", "address"])
    elif dialect == "postgresql":
        stmt = postgresql.insert(alerts_t).on_conflict_do_nothing(constraint="uq_alerts_delivery")
    else:  # other databases: look first (the caller's transaction holds the run lock)
        c = alerts_t.c
        added = 0
        for row in rows:
            hit = conn.execute(select(c.id).where(and_(
                c.week == row["week"], c.finding_key == row["finding_key"], c.channel == row["channel"],
                c.address == row["address"]))).first()
            if hit is None:
                added += conn.execute(alerts_t.insert().values(row)).rowcount
        return added
    # rowcount is not reliable here (psycopg reports -1 with RETURNING): count the returned ids
    return len(conn.execute(stmt.returning(alerts_t.c.id), list(rows)).all())


def enqueue_alerts(conn: Connection, *, run_id: int, week: str, findings: Sequence[Finding],
                   config: Config, chunk: int = 2_000) -> int:
    """Queue the alerts of this week's findings inside the caller's transaction; returns how many
    new alert rows were added (0 when the week was already alerted)."""
    wanted = [f for f in findings if should_alert(f, week)]
    if not wanted:
        return 0
    names = _names(conn, wanted)
    now = utcnow()
    added = 0
    for i in range(0, len(wanted), chunk):  # a chunk at a time: the texts of a large week stay small
        rows = [a.row() for a in alerts_for(wanted[i:i + chunk], week=week, config=config, run_id=run_id,
                                            now=now, names=names)]
        added += _insert_ignoring_duplicates(conn, rows)
    return added


# -- delivery ---------------------------------------------------------------------------------------


def _utc(when: dt.datetime) -> dt.datetime:
    """A timezone-aware UTC datetime (naive ones are taken as UTC, as the database stores them)."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return None if when is None else _utc(when)


def backoff(settings: AlertSettings, attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: backoff_seconds * 2**(attempts-1)."""
    return dt.timedelta(seconds=settings.backoff_seconds * 2 ** max(attempts - 1, 0))


def build_email(alert: Alert, settings: AlertSettings) -> EmailMessage:
    """The alert as a UTF-8 MIME message (RFC 2047 Chinese subject, base64 body)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = settings.sender
    msg["To"] = alert.address
    msg["Subject"] = alert.subject
    msg["Date"] = format_datetime(_utc(alert.created_at or utcnow()))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = (f"<dispatch-alert-{alert.id}-{alert.week}@{domain}>" if alert.id is not None
                         else make_msgid("dispatch-alert", domain))
    msg.set_content(alert.body, charset="utf-8", cte="base64")
    return msg


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """The DingTalk / WeCom group-robot text message of the alert."""
    return {"msgtype": "text", "text": {"content": f"{alert.subject}\n\n{alert.body}".rstrip()}}


def send_email(alert: Alert, settings: AlertSettings) -> None:
    """Send one email alert through settings.smtp_host:smtp_port; raises on any failure."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    msg = build_email(alert, settings)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
        refused = smtp.send_message(msg, from_addr=settings.sender, to_addrs=[alert.address])
    if refused:
        raise RuntimeError(f"recipient refused: {refused}")


def post_webhook(alert: Alert) -> None:
    """POST the alert as robot JSON to its webhook URL; delivered on 2xx (and errcode 0 when the
    robot answers with one, as DingTalk and WeCom do); raises otherwise."""
    url = alert.address
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PermanentDeliveryError(f"webhook {url!r} is not an http(s) URL")
    data = json.dumps(webhook_payload(alert), ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT) as resp:
        status = resp.status
        answer = resp.read(65536)
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status}")
    try:
        doc = json.loads(answer or b"null")
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("errcode") not in (None, 0):
        raise RuntimeError(f"robot errcode {doc.get('errcode')}: {doc.get('errmsg')}")


def send_alert(alert: Alert, settings: AlertSettings) -> str | None:
    """Send by the alert's channel (email or webhook)."""
    if alert.channel == "email":
        send_email(alert, settings)
    else:
        post_webhook(alert)
    return None


def outbox_path(alert: Alert, folder: Path) -> Path:
    """Where the outbox keeps an alert: WEEK-ID-CHANNEL.eml or .json."""
    ext = "eml" if alert.channel == "email" else "json"
    return folder / f"{alert.week}-{alert.id or 0:06d}-{alert.channel}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outbox(alert: Alert, folder: Path, settings: AlertSettings) -> str:
    """Write the alert as the message it would send (an .eml, or the webhook's URL and JSON)."""
    if not alert.address:
        raise PermanentDeliveryError(NO_CONTACT.format(unit=alert.unit))
    path = outbox_path(alert, folder)
    if alert.channel == "email":
        data = build_email(alert, settings).as_bytes()
    else:
        doc = {"url": alert.address, "alert_id": alert.id, "week": alert.week,
               "finding_key": alert.finding_key, "unit": alert.unit, "payload": webhook_payload(alert)}
        data = (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    _write_atomic(path, data)
    return OUTBOX_NOTE


def _error_text(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}" if not isinstance(e, PermanentDeliveryError) else str(e)
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _claim(engine: Engine, alert: Alert, now: dt.datetime, settings: AlertSettings) -> bool:
    """Take this attempt: attempts+1 and the next retry time, only if the row is still pending, due,
    and nobody else counted an attempt since we read it."""
    c = alerts_t.c
    attempts = alert.attempts + 1
    with transaction(engine) as conn:
        res = conn.execute(update(alerts_t).where(and_(
            c.id == alert.id, c.status == "pending", c.attempts == alert.attempts,
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        )).values(attempts=attempts, next_attempt_at=now + backoff(settings, attempts)))
        return res.rowcount == 1


def _finish(engine: Engine, alert: Alert, now: dt.datetime, *, ok: bool, note: str | None,
            give_up: bool) -> None:
    """Record the claimed attempt's outcome (delivered once, or the error and maybe failed)."""
    c = alerts_t.c
    values: dict[str, Any] = {"last_error": note}
    if ok:
        values.update(status="delivered", delivered_at=now, next_attempt_at=None)
    elif give_up:
        values.update(status="failed", next_attempt_at=None)
    with transaction(engine) as conn:
        conn.execute(update(alerts_t).where(and_(
            c.id == alert.id, c.status == "pending", c.attempts == alert.attempts + 1)).values(values))


def due_alerts(engine: Engine, now: dt.datetime) -> list[Alert]:
    """Pending alerts whose next attempt is due, oldest first."""
    c = alerts_t.c
    with reading(engine) as conn:
        rows = conn.execute(select(alerts_t).where(and_(
            c.status == "pending", or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        )).order_by(c.id))
        return [Alert.from_row(r) for r in rows]


def deliver_pending(engine: Engine, config: Config, *, now: dt.datetime | None = None,
                    outbox: Path | None = None, sender: Sender | None = None) -> DeliveryReport:
    """Send (or, with alerts.deliver = false, write to the outbox) every due pending alert, one
    short transaction per step; failures are recorded with backoff, never raised. Raises
    StorageError only when the database itself fails."""
    when = _utc(now or utcnow())
    settings = config.alerts
    folder = outbox or (config.outbox_dir / "alerts")
    send: Sender
    if sender is not None:
        send = sender
    elif settings.deliver:
        def send(a: Alert) -> str | None:
            return send_alert(a, settings)
    else:
        def send(a: Alert) -> str | None:
            return write_outbox(a, folder, settings)
    report = DeliveryReport()
    for alert in due_alerts(engine, when):
        if not _claim(engine, alert, when, settings):
            report.skipped += 1
            continue
        try:
            note = send(alert)
        except Exception as e:
            text = _error_text(e)
            give_up = isinstance(e, PermanentDeliveryError) or alert.attempts + 1 >= settings.max_attempts
            _finish(engine, alert, when, ok=False, note=text, give_up=give_up)
            report.errors.append((alert.id or 0, text))
            if give_up:
                report.failed += 1
            else:
                report.retrying += 1
            continue
        _finish(engine, alert, when, ok=True, note=note, give_up=False)
        if note == OUTBOX_NOTE:
            report.written += 1
        else:
            report.delivered += 1
    return report


def retry_failed(engine: Engine, *, now: dt.datetime | None = None, week: str | None = None) -> int:
    """Put failed alerts back to pending with a fresh set of attempts, due now; returns how many."""
    c = alerts_t.c
    cond = c.status == "failed"
    if week:
        cond = and_(cond, c.week == week)
    with transaction(engine) as conn:
        res = conn.execute(update(alerts_t).where(cond).values(
            status="pending", attempts=0, next_attempt_at=_utc(now or utcnow())))
        return res.rowcount or 0


def list_alerts(engine: Engine, *, status: str | None = None, week: str | None = None) -> list[Alert]:
    """Alerts in the queue, newest week first, optionally of one status and/or week."""
    c = alerts_t.c
    q = select(alerts_t)
    if status:
        q = q.where(c.status == status)
    if week:
        q = q.where(c.week == week)
    with reading(engine) as conn:
        return [Alert.from_row(r) for r in conn.execute(q.order_by(c.week.desc(), c.id))]


def alerts_table(items: Sequence[Alert], lang: str = "zh", timezone: str = "Asia/Shanghai") -> Table:
    """A rich table of alerts for `dispatch alerts` (times in the configured timezone)."""
    from zoneinfo import ZoneInfo

    from rich.table import Table

    zone = ZoneInfo(timezone)
    styles = {"pending": "yellow", "delivered": "green", "failed": "bold red"}
    table = Table(title=t("alert.title", lang))
    for key in ("col.id", "alert.col.week", "col.unit", "alert.col.channel", "alert.col.address",
                "col.status", "alert.col.attempts", "alert.col.next", "alert.col.error", "alert.col.subject"):
        table.add_column(t(key, lang))
    for a in items:
        nxt = a.next_attempt_at.astimezone(zone).strftime("%m-%d %H:%M") if a.next_attempt_at else ""
        table.add_row(str(a.id), a.week, a.unit, t(f"alert.channel.{a.channel}", lang), a.address or "—",
                      t(f"alert.status.{a.status}", lang), str(a.attempts), nxt, a.last_error or "",
                      a.subject, style=styles.get(a.status))
    return table
