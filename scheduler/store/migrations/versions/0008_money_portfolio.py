"""Money and portfolios (issue 12): each project's money data (stage, 入库纳统, fund sources,
quantities; JSON) and investment 累计 before the plan year; a `portfolio` key on projects, weekly
reports, runs, alerts and problems so several counties share one database without seeing each
other's rows (existing rows belong to portfolio "default").

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = ("projects", "weekly_reports", "runs", "alerts", "problems")


def upgrade() -> None:
    for table in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("portfolio", sa.String, nullable=False, server_default="default"))
        op.create_index(f"ix_{table}_portfolio", table, ["portfolio"])
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("money", sa.JSON))
        batch.add_column(sa.Column("investment_completed_before", sa.Float))
    with op.batch_alter_table("weekly_reports") as batch:
        batch.drop_constraint("uq_weekly_reports_unit_week_version", type_="unique")
        batch.create_unique_constraint("uq_weekly_reports_unit_week_version", ["portfolio", "unit", "week", "version"])
    with op.batch_alter_table("alerts") as batch:  # a unit of the same name in two counties: two alerts
        batch.drop_constraint("uq_alerts_delivery", type_="unique")
        batch.create_unique_constraint("uq_alerts_delivery", ["portfolio", "week", "finding_key", "channel", "address"])


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("uq_alerts_delivery", type_="unique")
        batch.create_unique_constraint("uq_alerts_delivery", ["week", "finding_key", "channel", "address"])
    with op.batch_alter_table("weekly_reports") as batch:
        batch.drop_constraint("uq_weekly_reports_unit_week_version", type_="unique")
        batch.create_unique_constraint("uq_weekly_reports_unit_week_version", ["unit", "week", "version"])
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("investment_completed_before")
        batch.drop_column("money")
    for table in SCOPED:
        op.drop_index(f"ix_{table}_portfolio", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("portfolio")
