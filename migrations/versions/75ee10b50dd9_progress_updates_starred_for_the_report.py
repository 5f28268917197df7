"""Progress updates a lead stars as evidence of impact for the interim report

Revision ID: 75ee10b50dd9
Revises: 43614e782f0e
Create Date: 2026-12-01 09:35:59.174167

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "75ee10b50dd9"
down_revision = "43614e782f0e"
branch_labels = None
depends_on = None


# A plain ALTER TABLE, not a batch: on SQLite a batch copies the table and drops the old one, and
# with foreign keys on, dropping it would set action_status_change.progress_update_id to NULL.


def upgrade():
    op.add_column(
        "progress_update", sa.Column("is_highlight", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    op.drop_column("progress_update", "is_highlight")
