"""The problem list (问题清单): problems, their weeks, the units' answers and the history of decisions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "problems",
        sa.Column("id", sa.String, nullable=False),
        sa.Column("project_id", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("milestone_id", sa.String),
        sa.Column("factor_id", sa.String),
        sa.Column("factor_kind", sa.String),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("person", sa.String, nullable=False),
        sa.Column("partners", sa.JSON, nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("needs_county", sa.Boolean, nullable=False),
        sa.Column("county_matters", sa.Text, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("light", sa.String, nullable=False),
        sa.Column("first_seen", sa.String(8), nullable=False),
        sa.Column("last_seen", sa.String(8), nullable=False),
        sa.Column("weeks_red", sa.Integer, nullable=False),
        sa.Column("exempt_reason", sa.Text),
        sa.Column("exempt_by", sa.String),
        _ts("exempt_at", nullable=True),
        sa.Column("escalate_reason", sa.Text),
        sa.Column("escalate_matters", sa.Text),
        sa.Column("escalate_proposal", sa.Text),
        sa.Column("escalated_by", sa.String),
        _ts("escalated_at", nullable=True),
        sa.Column("decision", sa.Text),
        _ts("decided_at", nullable=True),
        sa.Column("closed_by", sa.String),
        _ts("closed_at", nullable=True),
        sa.Column("close_reason", sa.Text),
        sa.Column("merged_into", sa.String),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_problems"),
        sa.CheckConstraint("status IN ('open', 'done', 'closed')", name="ck_problems_status"),
        sa.CheckConstraint("status <> 'closed' OR length(close_reason) > 0", name="ck_problems_close_reason"),
    )
    op.create_index("ix_problems_project", "problems", ["project_id"])
    op.create_index("ix_problems_unit", "problems", ["unit"])
    op.create_table(
        "problem_weeks",
        sa.Column("problem_id", sa.String, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("light", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("days", sa.Integer),
        sa.Column("points", sa.Float),
        sa.Column("own_light", sa.String, nullable=False),
        sa.Column("weeks_red", sa.Integer, nullable=False),
        sa.Column("escalate", sa.Boolean, nullable=False),
        sa.Column("symptoms", sa.JSON, nullable=False),
        sa.Column("deadlines", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("problem_id", "week", name="pk_problem_weeks"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE",
                                name="fk_problem_weeks_problem"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="SET NULL", name="fk_problem_weeks_run"),
    )
    op.create_index("ix_problem_weeks_week", "problem_weeks", ["week"])
    op.create_table(
        "problem_answers",
        sa.Column("problem_id", sa.String, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("unit", sa.String, nullable=False),
        sa.Column("situation", sa.Text, nullable=False),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("promised", sa.Date),
        _ts("answered_at"),
        sa.PrimaryKeyConstraint("problem_id", "week", name="pk_problem_answers"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE",
                                name="fk_problem_answers_problem"),
    )
    op.create_table(
        "problem_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("problem_id", sa.String, nullable=False),
        _ts("at"),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("by", sa.String, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_problem_events"),
        sa.ForeignKeyConstraint(["problem_id"], ["problems.id"], ondelete="CASCADE",
                                name="fk_problem_events_problem"),
    )
    op.create_index("ix_problem_events_problem", "problem_events", ["problem_id"])


def downgrade() -> None:
    for name in ("problem_events", "problem_answers", "problem_weeks", "problems"):
        op.drop_table(name)
