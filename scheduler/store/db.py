"""The storage adapter: the database schema (SQLAlchemy Core), opening a database (SQLite or
PostgreSQL) with its migrations applied, transactions.

Projects are loaded and read back by `scheduler.store.projects`; the weekly run, reports and alerts
write their own tables through `transaction(engine)`. Timestamps are stored as UTC."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from scheduler.errors import StorageError, os_params

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

metadata = MetaData()
"""The whole schema; `scheduler/migrations` creates exactly this (a test compares them)."""


class UtcDateTime(TypeDecorator[dt.datetime]):
    """DateTime(timezone=True) that always hands back an aware UTC datetime (SQLite keeps no zone:
    it stores UTC); a naive datetime given to it is taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _ts(name: str, nullable: bool = False) -> Column[dt.datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


projects = Table(
    "projects", metadata,
    Column("id", String, nullable=False),
    Column("name", String, nullable=False),
    Column("lead_unit", String, nullable=False),
    Column("calendar", String, nullable=False),
    Column("start", Date, nullable=False),
    Column("leader", String),
    Column("category", String),
    Column("location", String),
    Column("target", String),
    Column("seed", String),
    Column("units", JSON, nullable=False),
    Column("source_path", String, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("investment_total", Float),
    Column("investment_year", Integer),
    Column("investment_annual_plan", Float),
    _ts("loaded_at"),
    Column("money", JSON),
    Column("investment_completed_before", Float),
    PrimaryKeyConstraint("id", name="pk_projects"),
    Column("portfolio", String, nullable=False, server_default="default"),
    Index("ix_projects_portfolio", "portfolio"),
)

milestones = Table(
    "milestones", metadata,
    Column("project_id", String, nullable=False),
    Column("id", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name", String, nullable=False),
    Column("duration", Integer, nullable=False),
    Column("not_before", Date),
    Column("start_by", Date),
    Column("finish_by", Date),
    Column("unit", String),
    Column("actual_start", Date),
    Column("actual_finish", Date),
    Column("percent", Float),
    Column("weight", Float),
    Column("note", Text),
    PrimaryKeyConstraint("project_id", "id", name="pk_milestones"),
    ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                         name="fk_milestones_project"),
    UniqueConstraint("project_id", "seq", name="uq_milestones_seq"),
    CheckConstraint("duration >= 0", name="ck_milestones_duration"),
)

links = Table(
    "links", metadata,
    Column("project_id", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("pred_id", String, nullable=False),
    Column("succ_id", String, nullable=False),
    Column("type", String(2), nullable=False),
    Column("lag", Integer, nullable=False),
    PrimaryKeyConstraint("project_id", "succ_id", "pred_id", "type", name="pk_links"),
    ForeignKeyConstraint(["project_id", "pred_id"], ["milestones.project_id", "milestones.id"],
                         ondelete="CASCADE", name="fk_links_pred"),
    ForeignKeyConstraint(["project_id", "succ_id"], ["milestones.project_id", "milestones.id"],
                         ondelete="CASCADE", name="fk_links_succ"),
    UniqueConstraint("project_id", "seq", name="uq_links_seq"),
    CheckConstraint("type IN ('FS', 'SS', 'FF', 'SF')", name="ck_links_type"),
    CheckConstraint("lag >= 0", name="ck_links_lag"),
    Index("ix_links_pred", "project_id", "pred_id"),
)

factors = Table(
    "factors", metadata,
    Column("project_id", String, nullable=False),
    Column("id", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("milestone_id", String, nullable=False),
    Column("status", String, nullable=False),
    Column("unit", String),
    Column("expected", Date),
    Column("blocker", Text),
    Column("name", String),
    Column("approved", Date),
    Column("needed_by", Date),
    PrimaryKeyConstraint("project_id", "id", name="pk_factors"),
    ForeignKeyConstraint(["project_id", "milestone_id"], ["milestones.project_id", "milestones.id"],
                         ondelete="CASCADE", name="fk_factors_milestone"),
    CheckConstraint("status IN ('未启动', '办理中', '已批复')", name="ck_factors_status"),
    Index("ix_factors_milestone", "project_id", "milestone_id"),
)

investment_months = Table(
    "investment_months", metadata,
    Column("project_id", String, nullable=False),
    Column("month", String(7), nullable=False),
    Column("planned", Float),
    Column("completed", Float),
    PrimaryKeyConstraint("project_id", "month", name="pk_investment_months"),
    ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                         name="fk_investment_months_project"),
)

baselines = Table(
    "baselines", metadata,
    Column("project_id", String, nullable=False),
    Column("version", Integer, nullable=False),
    _ts("created_at"),
    Column("reason", Text, nullable=False),
    Column("current", Boolean, nullable=False),
    PrimaryKeyConstraint("project_id", "version", name="pk_baselines"),
    ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                         name="fk_baselines_project"),
)

baseline_milestones = Table(
    "baseline_milestones", metadata,
    Column("project_id", String, nullable=False),
    Column("version", Integer, nullable=False),
    Column("milestone_id", String, nullable=False),
    Column("start", Date, nullable=False),
    Column("finish", Date, nullable=False),
    Column("duration", Integer, nullable=False),
    PrimaryKeyConstraint("project_id", "version", "milestone_id", name="pk_baseline_milestones"),
    ForeignKeyConstraint(["project_id", "version"], ["baselines.project_id", "baselines.version"],
                         ondelete="CASCADE", name="fk_baseline_milestones_baseline"),
)

weekly_reports = Table(
    "weekly_reports", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("unit", String, nullable=False),
    Column("week", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("filename", String, nullable=False),
    Column("digest", String(64), nullable=False),
    _ts("received_at"),
    PrimaryKeyConstraint("id", name="pk_weekly_reports"),
    Column("portfolio", String, nullable=False, server_default="default"),
    UniqueConstraint("portfolio", "unit", "week", "version", name="uq_weekly_reports_unit_week_version"),
    Index("ix_weekly_reports_portfolio", "portfolio"),
    Index("ix_weekly_reports_week", "week"),
)

REPORT_ITEM_KINDS_CHECK = "item_kind IN ('milestone', 'factor', 'project', 'fund', 'quantity', 'statistics')"
"""core.reports.ITEM_KINDS, as the database checks them."""

report_rows = Table(
    "report_rows", metadata,
    Column("report_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("project_id", String, nullable=False),
    Column("item_kind", String, nullable=False),
    Column("item_id", String, nullable=False),
    Column("actual_start", Date),
    Column("actual_finish", Date),
    Column("percent", Float),
    Column("investment_week", Float),
    Column("factor_status", String),
    Column("expected", Date),
    Column("blocker", Text),
    Column("approved", Date),
    # a fund's 下达/到位/支付 this week (万元), a quantity's cumulative done, a project's stage and
    # 入库纳统 (migration 0011)
    Column("issued_week", Float),
    Column("received_week", Float),
    Column("paid_week", Float),
    Column("quantity_done", Float),
    Column("stage", String),
    Column("statistics", String),
    Column("statistics_date", Date),
    Column("commenced", Date),
    PrimaryKeyConstraint("report_id", "seq", name="pk_report_rows"),
    ForeignKeyConstraint(["report_id"], ["weekly_reports.id"], ondelete="CASCADE",
                         name="fk_report_rows_report"),
    CheckConstraint(REPORT_ITEM_KINDS_CHECK, name="ck_report_rows_item_kind"),
    Index("ix_report_rows_item", "project_id", "item_kind", "item_id"),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("week", String(8), nullable=False),
    Column("data_date", Date, nullable=False),
    _ts("started_at"),
    _ts("finished_at", nullable=True),
    Column("status", String, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("summary", JSON),
    PrimaryKeyConstraint("id", name="pk_runs"),
    Column("portfolio", String, nullable=False, server_default="default"),
    Index("ix_runs_portfolio", "portfolio"),
    CheckConstraint("status IN ('running', 'complete', 'failed')", name="ck_runs_status"),
    Index("ix_runs_week", "week"),
)

findings = Table(
    "findings", metadata,
    Column("run_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("key", String, nullable=False),
    Column("project_id", String, nullable=False),
    Column("milestone_id", String),
    Column("factor_id", String),
    Column("factor_kind", String),
    Column("kind", String, nullable=False),
    Column("light", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("days", Integer),
    Column("details", JSON, nullable=False),
    PrimaryKeyConstraint("run_id", "seq", name="pk_findings"),
    ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE", name="fk_findings_run"),
    Index("ix_findings_key_run", "key", "run_id"),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("run_id", Integer),
    Column("week", String(8), nullable=False),
    Column("finding_key", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("address", String, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String, nullable=False),
    Column("attempts", Integer, nullable=False),
    _ts("next_attempt_at", nullable=True),
    Column("last_error", Text),
    _ts("created_at"),
    _ts("delivered_at", nullable=True),
    Column("attachment", Text),
    PrimaryKeyConstraint("id", name="pk_alerts"),
    Column("portfolio", String, nullable=False, server_default="default"),
    Index("ix_alerts_portfolio", "portfolio"),
    ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_alerts_run"),
    UniqueConstraint("portfolio", "week", "finding_key", "channel", "address", name="uq_alerts_delivery"),
    CheckConstraint("channel IN ('email', 'webhook')", name="ck_alerts_channel"),
    CheckConstraint("status IN ('pending', 'written', 'delivered', 'failed')", name="ck_alerts_status"),
    Index("ix_alerts_status", "status"),
)

problems = Table(
    "problems", metadata,
    Column("id", String, nullable=False),
    Column("project_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("source", String, nullable=False),
    Column("milestone_id", String),
    Column("factor_id", String),
    Column("factor_kind", String),
    Column("description", Text, nullable=False),
    Column("unit", String, nullable=False),
    Column("person", String, nullable=False),
    Column("partners", JSON, nullable=False),
    Column("due", Date),
    Column("measures", Text, nullable=False),
    Column("needs_county", Boolean, nullable=False),
    Column("county_matters", Text, nullable=False),
    Column("status", String, nullable=False),
    Column("first_seen", String(8), nullable=False),
    Column("exempt_reason", Text),
    Column("exempt_by", String),
    _ts("exempt_at", nullable=True),
    Column("escalate_reason", Text),
    Column("escalate_matters", Text),
    Column("escalate_proposal", Text),
    Column("escalated_by", String),
    _ts("escalated_at", nullable=True),
    Column("decision", Text),
    _ts("decided_at", nullable=True),
    Column("closed_by", String),
    _ts("closed_at", nullable=True),
    Column("close_reason", Text),
    Column("merged_into", String),
    _ts("created_at"),
    _ts("updated_at"),
    PrimaryKeyConstraint("id", name="pk_problems"),
    Column("portfolio", String, nullable=False, server_default="default"),
    Column("raised_light", String),
    Index("ix_problems_portfolio", "portfolio"),
    CheckConstraint("status IN ('open', 'done', 'closed')", name="ck_problems_status"),
    CheckConstraint("status <> 'closed' OR length(close_reason) > 0", name="ck_problems_close_reason"),
    Index("ix_problems_project", "project_id"),
    Index("ix_problems_unit", "unit"),
)
"""The problem list (问题清单): one row per root cause, its current state and the office's decisions.
Its light, weeks_red and last_seen week are not copied here: they are derived from its
`problem_weeks` rows (store/problems.py reads them so); `raised_light` is the light a problem raised
by hand was given, its light until a run lists it."""

problem_weeks = Table(
    "problem_weeks", metadata,
    Column("problem_id", String, nullable=False),
    Column("week", String(8), nullable=False),
    Column("run_id", Integer),
    Column("light", String, nullable=False),
    Column("status", String, nullable=False),
    Column("days", Integer),
    Column("points", Float),
    Column("own_light", String, nullable=False),
    Column("escalate", Boolean, nullable=False),
    Column("symptoms", JSON, nullable=False),
    Column("deadlines", JSON, nullable=False),
    Column("expected", Date),
    Column("held_by", String),
    Column("counted_red", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("problem_id", "week", name="pk_problem_weeks"),
    ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE", name="fk_problem_weeks_problem"),
    ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_problem_weeks_run"),
    Index("ix_problem_weeks_week", "week"),
)
"""A problem's history week by week: its light, status, size and symptoms as each run found them;
`counted_red`: it was a red week of its 连续红灯 (red and counting: open, not merged, not exempt).
How many weeks it has been red running is not stored: store/problems.py counts them from these
rows and the portfolio's runs (`red_streaks`), so re-running an earlier week changes the later
weeks' counts too (migration 0013)."""

problem_answers = Table(
    "problem_answers", metadata,
    Column("problem_id", String, nullable=False),
    Column("week", String(8), nullable=False),
    Column("unit", String, nullable=False),
    Column("situation", Text, nullable=False),
    Column("measures", Text, nullable=False),
    Column("promised", Date),
    _ts("answered_at"),
    PrimaryKeyConstraint("problem_id", "week", name="pk_problem_answers"),
    ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE", name="fk_problem_answers_problem"),
)
"""A unit's answer for a week: 情况说明, 整改措施, 承诺完成时间 (the latest answer of the week wins)."""

problem_events = Table(
    "problem_events", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("problem_id", String, nullable=False),
    _ts("at"),
    Column("week", String(8), nullable=False),
    Column("action", String, nullable=False),
    Column("by", String, nullable=False),
    Column("text", Text, nullable=False),
    PrimaryKeyConstraint("id", name="pk_problem_events"),
    ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE", name="fk_problem_events_problem"),
    Index("ix_problem_events_problem", "problem_id"),
)
"""Who did what to a problem, when and why (raise, close, exempt, escalate, decide, answer …)."""

users = Table(
    "users", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("portfolio", String, nullable=False, server_default="default"),
    Column("username", String, nullable=False),
    Column("display_name", String, nullable=False),
    Column("role", String, nullable=False),
    Column("unit", String),
    Column("leader", String),
    Column("projects", JSON, nullable=False),
    Column("password_hash", String, nullable=False),
    Column("disabled", Boolean, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    PrimaryKeyConstraint("id", name="pk_users"),
    UniqueConstraint("username", name="uq_users_username"),
    CheckConstraint("role IN ('office', 'unit', 'leader', 'viewer')", name="ck_users_role"),
    CheckConstraint("role <> 'unit' OR unit IS NOT NULL", name="ck_users_unit"),
)
"""Accounts of the web workplace, each of one portfolio (county; names are unique across them):
办公室 (office), 单位 (unit: its `unit`), 县领导 (leader: the projects whose leader field contains
`leader`, plus `projects`), viewer. Passwords as argon2 hashes."""

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", String(64), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("csrf", String(64), nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
    PrimaryKeyConstraint("id", name="pk_web_sessions"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_web_sessions_user"),
    Index("ix_web_sessions_user", "user_id"),
)
"""Signed-in browsers: the SHA-256 of the session cookie's random token (the token itself is never
stored), its CSRF token and when it expires."""

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(64), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("name", String, nullable=False),
    _ts("created_at"),
    Column("revoked", Boolean, nullable=False),
    PrimaryKeyConstraint("id", name="pk_api_tokens"),
    ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_api_tokens_user"),
)
"""Tokens of machine clients (the provincial platform): the SHA-256 of the bearer token, acting as its user."""

login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("username", String, nullable=False),
    Column("address", String, nullable=False),
    _ts("at"),
    PrimaryKeyConstraint("id", name="pk_login_failures"),
    Index("ix_login_failures_username", "username", "at"),
    Index("ix_login_failures_address", "address", "at"),
)
"""Failed sign-ins, for throttling (shared by every server process on the database)."""

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    _ts("at"),
    Column("username", String, nullable=False),
    Column("role", String, nullable=False),
    Column("action", String, nullable=False),
    Column("target", String, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("address", String, nullable=False),
    PrimaryKeyConstraint("id", name="pk_audit_log"),
    Index("ix_audit_log_at", "at"),
)
"""Who changed what and when, through the web workplace or the account commands."""

run_lock = Table(
    "run_lock", metadata,
    Column("name", String, nullable=False),
    Column("holder", String, nullable=False),
    _ts("acquired_at"),
    PrimaryKeyConstraint("name", name="pk_run_lock"),
)


# -- opening a database ---------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<malformed url>"


def db_error_line(e: BaseException) -> str:
    """The first line of a database error's message (the driver's own, without SQL)."""
    orig = getattr(e, "orig", None) or e
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


DB_CAUSES: tuple[tuple[str, str], ...] = (
    ("auth", r"password authentication failed|authentication failed|no password supplied|"
             r"role \S+ does not exist|pg_hba\.conf"),
    ("no-database", r"database \S+ does not exist"),
    ("host", r"could not translate host name|name or service not known|nodename nor servname|"
             r"temporary failure in name resolution"),
    ("refused", r"connection refused|no route to host|network is unreachable|connection timed out|"
                r"timeout expired|could not connect|server closed the connection|connection is closed|"
                r"terminating connection|the database system is (?:starting up|shutting down)|"
                r"connection to server .* failed"),
    ("too-many", r"too many (?:connections|clients)"),
    ("disk-full", r"database or disk is full|no space left on device|could not extend file|disk quota"),
    ("read-only", r"readonly database|read-only|read only file system"),
    ("locked", r"database is locked|lock timeout|could not obtain lock"),
    ("not-a-database", r"file is not a database|file is encrypted|database disk image is malformed"),
    ("cannot-open", r"unable to open database file|permission denied"),
    ("io", r"disk i/o error|input/output error"),
)
"""The driver's reason (psycopg's, sqlite3's) told apart by its words: a cause the error line
explains in the configured language (strings.DB_CAUSES), the driver's own words quoted after it."""


def db_cause(reason: str) -> str:
    """The cause a driver's reason names (DB_CAUSES), "" when none is recognised."""
    return next((cause for cause, pattern in DB_CAUSES if re.search(pattern, reason, re.I)), "")


def db_params(e: BaseException) -> dict[str, object]:
    """The params of a StorageError caused by the driver: its reason (first line) and its cause."""
    reason = db_error_line(e)
    return {"reason": reason, "cause": db_cause(reason)}


def _sqlite_setup(engine: Engine) -> None:
    """Foreign keys, WAL, a 30 s busy timeout, and real transactions (BEGIN emitted by us, so
    DDL and savepoints are transactional). `transaction()` begins IMMEDIATE: writers queue."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("dispatch_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(engine: Engine, *, create: bool) -> None:
    """`alembic upgrade head` inside one write transaction (skipped when already at head); an empty
    database is refused (NoDatabase) unless `create`."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect().execution_options(dispatch_write=True) as conn, conn.begin():
        cfg = _alembic_config(conn)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        if current is None and not create:
            raise NoDatabase(engine.url.render_as_string(hide_password=True))
        command.upgrade(cfg, "head")


class NoDatabase(StorageError):
    """No dispatch database where the configuration says one is: refused, never created silently
    (a deleted or unmounted data folder would otherwise come back as an empty database)."""

    def __init__(self, shown: str) -> None:
        super().__init__("no-database", f"no dispatch database at {shown}: if this is a new installation, "
                         "create it with `dispatch init`; if one was there, restore it (nothing was created)",
                         params={"url": shown})


def open_database(url: str, *, create: bool = False) -> Engine:
    """An engine on `url` (SQLite file or `postgresql+psycopg://`) with the schema migrated to the
    latest version; StorageError when the database cannot be reached. Where there is no dispatch
    database yet (no SQLite file, or an empty PostgreSQL database) it is created only with
    `create` (`dispatch init`), else NoDatabase: the one rule for every command and job."""
    shown = _safe_url(url)
    try:
        u = make_url(url)
    except ArgumentError:
        raise StorageError("bad-database-url", f"database url {url!r} is not a database URL",
                           params={"url": repr(url)}) from None
    sqlite = u.get_backend_name() == "sqlite"
    if sqlite and u.database not in (None, "", ":memory:") and not u.database.startswith("file:"):
        if not create and not Path(u.database).expanduser().is_file():
            raise NoDatabase(shown)
        try:
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError("database-unreachable", f"database unreachable: cannot create the folder "
                               f"of {u.database}: {e.strerror}",
                               params={"case": "folder", "path": u.database, **os_params(e)}) from None
    try:
        engine = create_engine(u, pool_pre_ping=not sqlite)
    except (ArgumentError, ImportError) as e:
        raise StorageError("bad-database-url", f"cannot use database {shown}: {e}",
                           params={"case": "use", "url": shown, "reason": str(e)}) from None
    if sqlite:
        _sqlite_setup(engine)
    try:
        _upgrade(engine, create=create)
    except NoDatabase:
        engine.dispose()
        raise
    except OperationalError as e:
        engine.dispose()
        raise StorageError("database-unreachable", f"database unreachable: {shown}: {db_error_line(e)}",
                           params={"case": "open", "url": shown, **db_params(e)}) from None
    except SQLAlchemyError as e:
        engine.dispose()
        raise StorageError("migration-failed", f"cannot prepare database {shown}: {db_error_line(e)}",
                           params={"url": shown, **db_params(e)}) from None
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction (SQLite: BEGIN IMMEDIATE, so concurrent writers wait their turn);
    database errors become StorageError and nothing is written."""
    try:
        with engine.connect().execution_options(dispatch_write=True) as conn, conn.begin():
            yield conn
    except OperationalError as e:
        raise StorageError("database-unreachable", f"database unreachable: {db_error_line(e)}",
                           params=db_params(e)) from None
    except SQLAlchemyError as e:
        raise StorageError("write-refused", f"the database refused the write: {db_error_line(e)}",
                           params=db_params(e)) from None


@contextmanager
def reading(engine: Engine | Connection) -> Iterator[Connection]:
    """One read-only snapshot (a deferred transaction); database errors become StorageError.

    Given a Connection, reuses it as it is (the caller's transaction and snapshot)."""
    if isinstance(engine, Connection):
        yield engine
        return
    try:
        with engine.connect() as conn, conn.begin():
            yield conn
    except OperationalError as e:
        raise StorageError("database-unreachable", f"database unreachable: {db_error_line(e)}",
                           params=db_params(e)) from None
    except SQLAlchemyError as e:
        raise StorageError("read-failed", f"cannot read the database: {db_error_line(e)}",
                           params=db_params(e)) from None


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC (what every timestamp column stores)."""
    return dt.datetime.now(dt.UTC)


# -- many rows at once ----------------------------------------------------------------------------


def _copy(conn: Connection, table: Table, names: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY the rows in (an order of magnitude faster than INSERTs); errors become
    StorageError and the surrounding transaction rolls back."""
    q = conn.dialect.identifier_preparer
    sql = f"COPY {q.format_table(table)} ({', '.join(q.quote(c) for c in names)}) FROM STDIN"
    raw: Any = conn.connection.dbapi_connection
    n = 0
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    except conn.dialect.loaded_dbapi.Error as e:
        raise StorageError("write-refused", f"the database refused the write: {db_error_line(e)}",
                           params=db_params(e)) from None
    return n


def _empty_once(proc: Any) -> Any:
    """A JSON column's bind processor that serialises the empty list and the empty dict once, not
    row by row (a problem's week has no deadlines most weeks); any other value goes through `proc`."""
    empty_list, empty_dict = proc([]), proc({})

    def process(v: Any) -> Any:
        if not v and v is not None:
            if type(v) is list:
                return empty_list
            if type(v) is dict:
                return empty_dict
        return proc(v)
    return process


def insert_rows(conn: Connection, table: Table, rows: Iterable[tuple[Any, ...]], *,
                columns: Sequence[str] | None = None, ready: bool = False,
                skip_duplicates_of: Sequence[str] | None = None, chunk: int = 5_000) -> int:
    """Insert many rows, each a plain tuple of `columns` (default: all of the table's, in order),
    straight through the driver: one executemany per chunk (PostgreSQL: COPY), no Row or dict per
    row. Values are what the table's column types take (each column's bind processing is applied,
    unless `ready`: then they are already what the driver takes). With `skip_duplicates_of` (a
    unique key), a row clashing with a stored one is skipped (ON CONFLICT DO NOTHING). Returns
    how many rows were added."""
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    dialect = conn.dialect
    procs: list[tuple[int, Any]] = []
    if not ready:
        for i, name in enumerate(names):
            proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                procs.append((i, _empty_once(proc) if isinstance(table.c[name].type, JSON) else proc))

    def prepared() -> Iterator[tuple[Any, ...]]:
        if not procs:
            yield from rows
            return
        last: list[Any] = [object()] * len(procs)  # a value repeated row after row (a run's
        done: list[Any] = [None] * len(procs)       # timestamp) is processed once
        for row in rows:
            out = list(row)
            for k, (i, proc) in enumerate(procs):
                v = out[i]
                if v is not last[k]:
                    last[k], done[k] = v, proc(v)
                out[i] = done[k]
            yield tuple(out)

    if dialect.driver == "psycopg" and skip_duplicates_of is None:
        return _copy(conn, table, names, prepared())
    q = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {q.format_table(table)} ({', '.join(q.quote(c) for c in names)}) "
           f"VALUES ({', '.join(mark for _ in names)})")
    if skip_duplicates_of is not None:
        sql += f" ON CONFLICT ({', '.join(q.quote(c) for c in skip_duplicates_of)}) DO NOTHING"
    added = 0
    batch: list[tuple[Any, ...]] = []
    for row in prepared():
        batch.append(row)
        if len(batch) >= chunk:
            added += max(conn.exec_driver_sql(sql, batch).rowcount, 0)
            batch = []
    if batch:
        added += max(conn.exec_driver_sql(sql, batch).rowcount, 0)
    return added
