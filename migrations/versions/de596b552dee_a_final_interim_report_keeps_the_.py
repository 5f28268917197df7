"""A final interim report keeps the figures it showed when it was finalised

Revision ID: de596b552dee
Revises: 75ee10b50dd9
Create Date: 2026-12-01 10:28:52.783016

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "de596b552dee"
down_revision = "75ee10b50dd9"
branch_labels = None
depends_on = None


# A plain ALTER TABLE, as in 75ee10b50dd9: a batch on SQLite would copy the table. Reports made
# final before this keep NULL and are gathered live, as they were.
def upgrade():
    op.add_column("interim_report", sa.Column("frozen", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("interim_report", "frozen")
