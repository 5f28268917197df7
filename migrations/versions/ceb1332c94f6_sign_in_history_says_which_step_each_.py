"""Sign-in history says which step each attempt checked: a two-step account's right password is
not a sign-in until its code is given

Revision ID: ceb1332c94f6
Revises: de596b552dee
Create Date: 2026-12-01 10:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ceb1332c94f6"
down_revision = "de596b552dee"
branch_labels = None
depends_on = None


# A plain ALTER TABLE: sign_in_attempt has no foreign keys, but nothing needs a copy of it either.
# The attempts already recorded did not say their step; they are kept as "password", the step most
# of them were.


def upgrade():
    op.add_column(
        "sign_in_attempt", sa.Column("step", sa.String(length=20), server_default="password", nullable=False)
    )


def downgrade():
    op.drop_column("sign_in_attempt", "step")
