"""The index of findings by project alone (`ix_findings_project`) goes: no query reads a project's
findings across runs (the one that picks projects, the stale rule's, names its run and is served
by the primary key (run_id, seq)), and every week's 23,500 findings at province scale paid for
its upkeep on insert (about 0.03 s of the weekly run's store stage, bench/weekly_run.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_findings_project", table_name="findings")


def downgrade() -> None:
    op.create_index("ix_findings_project", "findings", ["project_id"])
