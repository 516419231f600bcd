"""One digest per unit per week: the alert carries the unit's part of the problem list (attachment,
JSON rows), and `written` (to the outbox folder only) is told apart from `delivered`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("attachment", sa.Text))
        batch.drop_constraint("ck_alerts_status", type_="check")
        batch.create_check_constraint("ck_alerts_status", "status IN ('pending', 'written', 'delivered', 'failed')")
    # alerts written to the outbox folder before this revision were recorded as delivered with the
    # outbox's note: they were never delivered to anyone
    op.execute("UPDATE alerts SET status = 'written' WHERE status = 'delivered' AND last_error = 'written to outbox'")


def downgrade() -> None:
    op.execute("UPDATE alerts SET status = 'delivered' WHERE status = 'written'")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("ck_alerts_status", type_="check")
        batch.create_check_constraint("ck_alerts_status", "status IN ('pending', 'delivered', 'failed')")
        batch.drop_column("attachment")
