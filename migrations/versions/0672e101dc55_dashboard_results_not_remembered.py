"""The dashboard's results are no longer remembered per process, so the partnership's
actions_version (what they were remembered against) goes; an index for the coverage tables

Revision ID: 0672e101dc55
Revises: ceb1332c94f6
Create Date: 2026-12-01 11:48:38.639132

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0672e101dc55"
down_revision = "ceb1332c94f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("framework_link", schema=None) as batch_op:
        batch_op.create_index(
            "ix_framework_link_partnership_type_element",
            ["partnership_id", "record_type", "element_id", "record_id"],
            unique=False,
        )
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.drop_column("actions_version")


def downgrade():
    with op.batch_alter_table("partnership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actions_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("framework_link", schema=None) as batch_op:
        batch_op.drop_index("ix_framework_link_partnership_type_element")
