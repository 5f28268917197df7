"""The research lesson's feed version: moves on with every change its observation feed would show

Revision ID: 2de6439d7794
Revises: 09f58350bc36
Create Date: 2026-11-22 16:02:17.526290

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2de6439d7794"
down_revision = "09f58350bc36"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("research_lesson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("research_lesson", schema=None) as batch_op:
        batch_op.drop_column("feed_version")
