"""A unit's weekly report row keeps a factor's actual approval date (实际批复日期).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_rows") as batch:
        batch.add_column(sa.Column("approved", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("report_rows") as batch:
        batch.drop_column("approved")
