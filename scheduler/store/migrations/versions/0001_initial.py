"""Initial schema: projects and their milestones, links, factors, investment months and baselines;
weekly reports; runs and findings; alerts; the run lock.

Revision ID: 0001
Revises:
Create Date: 2026-11-16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("lead_unit", sa.String, nullable=False),
        sa.Column("calendar", sa.String, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("leader", sa.String),
        sa.Column("category", sa.String),
        sa.Column("location", sa.String),
        sa.Column("target", sa.String),
        sa.Column("seed", sa.String),
        sa.Column("units", sa.JSON, nullable=False),
        sa.Column("source_path", sa.String, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("investment_total", sa.Float),
        sa.Column("investment_year", sa.Integer),
        sa.Column("investment_annual_plan", sa.Float),
        _ts("loaded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
    )
    op.create_table(
        "milestones",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("id", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("duration", sa.Integer, nullable=False),
        sa.Column("not_before", sa.Date),
        sa.Column("start_by", sa.Date),
        sa.Column("finish_by", sa.Date),
        sa.Column("unit", sa.String),
        sa.Column("actual_start", sa.Date),
        sa.Column("actual_finish", sa.Date),
        sa.Column("percent", sa.Float),
        sa.Column("weight", sa.Float),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("project_id", "id", name="pk_milestones"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_milestones_project"),
        sa.UniqueConstraint("project_id", "seq", name="uq_milestones_seq"),
        sa.CheckConstraint("duration >= 0", name="ck_milestones_duration"),
    )
    op.create_table(
        "links",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("pred_id", sa.String, nullable=False),
        sa.Column("succ_id", sa.String, nullable=False),
        sa.Column("type", sa.String(2), nullable=False),
        sa.Column("lag", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "succ_id", "pred_id", "type", name="pk_links"),
        sa.ForeignKeyConstraint(["project_id", "pred_id"], ["milestones.project_id", "milestones.id"],
                                ondelete="CASCADE", name="fk_links_pred"),
        sa.ForeignKeyConstraint(["project_id", "succ_id"], ["milestones.project_id", "milestones.id"],
                                ondelete="CASCADE", name="fk_links_succ"),
        sa.UniqueConstraint("project_id", "seq", name="uq_links_seq"),
        sa.CheckConstraint("type IN ('FS', 'SS', 'FF', 'SF')", name="ck_links_type"),
        sa.CheckConstraint("lag >= 0", name="ck_links_lag"),
    )
    op.create_index("ix_links_pred", "links", ["project_id", "pred_id"])
    op.create_table(
        "factors",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("id", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("milestone_id", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("unit", sa.String),
        sa.Column("expected", sa.Date),
        sa.Column("blocker", sa.Text),
        sa.Column("name", sa.String),
        sa.Column("approved", sa.Date),
        sa.Column("needed_by", sa.Date),
        sa.PrimaryKeyConstraint("project_id", "id", name="pk_factors"),
        sa.ForeignKeyConstraint(["project_id", "milestone_id"], ["milestones.project_id", "milestones.id"],
                                ondelete="CASCADE", name="fk_factors_milestone"),
        sa.CheckConstraint("status IN ('未启动', '办理中', '已批复')", name="ck_factors_status"),
    )
    op.create_index("ix_factors_milestone", "factors", ["project_id", "milestone_id"])
    op.create_table(
        "investment_months",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("planned", sa.Float),
        sa.Column("completed", sa.Float),
        sa.PrimaryKeyConstraint("project_id", "month", name="pk_investment_months"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_investment_months_project"),
    )
    op.create_table(
        "baselines",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _ts("created_at"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "version", name="pk_baselines"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name="fk_baselines_project"),
    )
    op.create_table(
        "baseline_milestones",
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("milestone_id", sa.String, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("finish", sa.Date, nullable=False),
        sa.Column("duration", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "version", "milestone_id", name="pk_baseline_milestones"),
        sa.ForeignKeyConstraint(["project_id", "version"], ["baselines.project_id", "baselines.version"],
                                ondelete="CASCADE", name="fk_baseline_milestones_baseline"),
    )
    op.create_table(
        "weekly_reports",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filename", sa.String, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        _ts("received_at"),
        sa.PrimaryKeyConstraint("id", name="pk_weekly_reports"),
        sa.UniqueConstraint("unit", "week", "version", name="uq_weekly_reports_unit_week_version"),
    )
    op.create_index("ix_weekly_reports_week", "weekly_reports", ["week"])
    op.create_table(
        "report_rows",
        sa.Column("report_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("item_kind", sa.String, nullable=False),
        sa.Column("item_id", sa.String, nullable=False),
        sa.Column("actual_start", sa.Date),
        sa.Column("actual_finish", sa.Date),
        sa.Column("percent", sa.Float),
        sa.Column("investment_week", sa.Float),
        sa.Column("factor_status", sa.String),
        sa.Column("expected", sa.Date),
        sa.Column("blocker", sa.Text),
        sa.PrimaryKeyConstraint("report_id", "seq", name="pk_report_rows"),
        sa.ForeignKeyConstraint(["report_id"], ["weekly_reports.id"], ondelete="CASCADE",
                                name="fk_report_rows_report"),
        sa.CheckConstraint("item_kind IN ('milestone', 'factor', 'project')", name="ck_report_rows_item_kind"),
    )
    op.create_index("ix_report_rows_item", "report_rows", ["project_id", "item_kind", "item_id"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("data_date", sa.Date, nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("summary", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.CheckConstraint("status IN ('running', 'complete', 'failed')", name="ck_runs_status"),
    )
    op.create_index("ix_runs_week", "runs", ["week"])
    op.create_table(
        "findings",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("milestone_id", sa.String),
        sa.Column("factor_id", sa.String),
        sa.Column("factor_kind", sa.String),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("light", sa.String, nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("days", sa.Integer),
        sa.Column("first_seen", sa.String, nullable=False),
        sa.Column("weeks_red", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "seq", name="pk_findings"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE", name="fk_findings_run"),
    )
    op.create_index("ix_findings_key", "findings", ["key"])
    op.create_index("ix_findings_project", "findings", ["project_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("finding_key", sa.String, nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _ts("next_attempt_at", nullable=True),
        sa.Column("last_error", sa.Text),
        _ts("created_at"),
        _ts("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_alerts_run"),
        sa.UniqueConstraint("week", "finding_key", "channel", "address", name="uq_alerts_delivery"),
        sa.CheckConstraint("channel IN ('email', 'webhook')", name="ck_alerts_channel"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_alerts_status"),
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_table(
        "run_lock",
        sa.Column("name", sa.String, nullable=False),
        sa.Column("holder", sa.String, nullable=False),
        _ts("acquired_at"),
        sa.PrimaryKeyConstraint("name", name="pk_run_lock"),
    )


def downgrade() -> None:
    for name in ("run_lock", "alerts", "findings", "runs", "report_rows", "weekly_reports",
                 "baseline_milestones", "baselines", "investment_months", "factors", "links",
                 "milestones", "projects"):
        op.drop_table(name)
