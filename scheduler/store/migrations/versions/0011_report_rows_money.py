"""A unit's weekly report carries money, quantities and 纳统 (issue 12): report rows of kind fund
(下达/到位/支付 this week, 万元), quantity (cumulative done) and statistics (stage, commencement,
入库纳统 and its date).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = ("item_kind IN ('milestone', 'factor', 'project', 'fund', 'quantity', 'statistics')")
OLD = "item_kind IN ('milestone', 'factor', 'project')"
COLUMNS = (("issued_week", sa.Float), ("received_week", sa.Float), ("paid_week", sa.Float),
           ("quantity_done", sa.Float), ("stage", sa.String), ("statistics", sa.String),
           ("statistics_date", sa.Date), ("commenced", sa.Date))


def upgrade() -> None:
    with op.batch_alter_table("report_rows") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind))
        batch.drop_constraint("ck_report_rows_item_kind", type_="check")
        batch.create_check_constraint("ck_report_rows_item_kind", NEW)


def downgrade() -> None:
    op.execute("DELETE FROM report_rows WHERE item_kind IN ('fund', 'quantity', 'statistics')")
    with op.batch_alter_table("report_rows") as batch:
        batch.drop_constraint("ck_report_rows_item_kind", type_="check")
        batch.create_check_constraint("ck_report_rows_item_kind", OLD)
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
