"""A finding's version

Revision ID: 31ff8e361201
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-03 11:40:26

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "31ff8e361201"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None


# A finding's edit form and its approval carry the version they were opened at; a save or an
# approval made on an older version is refused (409). Findings already stored start at 1.
def upgrade():
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_column("version")
