"""Dashboard indexes: actions in due-date order and counted by status from the index alone

Revision ID: 37ef03d065c8
Revises: 12ef996c936c
Create Date: 2026-11-22 13:55:17.827655

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "37ef03d065c8"
down_revision = "12ef996c936c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_action_partnership_due"))
        batch_op.create_index(
            "ix_action_partnership_due", ["partnership_id", "due_date", "status"], unique=False
        )
        batch_op.create_index(
            "ix_action_partnership_status", ["partnership_id", "status", "due_date"], unique=False
        )


def downgrade():
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index("ix_action_partnership_status")
        batch_op.drop_index("ix_action_partnership_due")
        batch_op.create_index(
            batch_op.f("ix_action_partnership_due"), ["partnership_id", "due_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_partnership_id"), ["partnership_id"], unique=False)
