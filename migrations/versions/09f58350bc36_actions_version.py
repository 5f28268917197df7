"""The partnership's actions version: moves on with every change the actions dashboard would show

Revision ID: 09f58350bc36
Revises: 37ef03d065c8
Create Date: 2026-11-22 14:18:23.693961

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "09f58350bc36"
down_revision = "37ef03d065c8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actions_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_column("actions_version")
