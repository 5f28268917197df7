"""A final interim report keeps its contents' page numbers

Revision ID: 29b2f9788df0
Revises: 98280f89497d
Create Date: 2026-12-01 14:50:16.843266

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "29b2f9788df0"
down_revision = "98280f89497d"
branch_labels = None
depends_on = None


# A plain ALTER TABLE, as in de596b552dee: a batch on SQLite would copy the table. Reports made
# final before this keep NULL; their page numbers are counted on their first download.
def upgrade():
    op.add_column("interim_report", sa.Column("page_numbers", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("interim_report", "page_numbers")
