"""Actions made from a next step have had no update until one is posted

Revision ID: 7b2e9c4d1a30
Revises: 31ff8e361201
Create Date: 2026-12-04 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7b2e9c4d1a30"
down_revision = "31ff8e361201"
branch_labels = None
depends_on = None

action = sa.table(
    "action",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("last_progress_at", sa.DateTime),
)
progress_update = sa.table("progress_update", sa.column("action_id", sa.Integer))


# An action made from a lesson's next step took its creation and last progress times from two
# reads of the clock, microseconds apart, so the pages said "Last update" with its creation date
# although nobody had posted one. Only a progress update moves an action's last progress on:
# where an action has none, its last progress is its creation.
def upgrade():
    has_none = ~sa.exists().where(progress_update.c.action_id == action.c.id)
    op.execute(
        action.update()
        .where(has_none, action.c.last_progress_at != action.c.created_at)
        .values(last_progress_at=action.c.created_at)
    )


def downgrade():
    pass  # the times before were a clock's jitter, not anything to put back
