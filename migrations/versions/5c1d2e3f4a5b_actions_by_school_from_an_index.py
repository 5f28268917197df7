"""Actions by status in each school, counted from an index

Revision ID: 5c1d2e3f4a5b
Revises: 29b2f9788df0
Create Date: 2026-12-01 17:55:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1d2e3f4a5b"
down_revision = "29b2f9788df0"
branch_labels = None
depends_on = None


# The dashboard's "actions by status in each school" reads every action of the partnership; with
# this index it reads the index alone, in its grouping order (about 3.6 ms down to 0.9 ms for
# 5,000 actions on SQLite), not each action's row.
def upgrade():
    op.create_index(
        "ix_action_partnership_school_status",
        "action",
        ["partnership_id", "school_id", "status", "due_date"],
    )


def downgrade():
    op.drop_index("ix_action_partnership_school_status", table_name="action")
