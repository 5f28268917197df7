"""SAML requests bound to the browser that started them

Revision ID: 3ae036c53538
Revises: 891a44adfeaf
Create Date: 2026-12-01 12:50:14.298949

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3ae036c53538"
down_revision = "891a44adfeaf"
branch_labels = None
depends_on = None


def upgrade():
    # Requests made before this have no browser to match: unanswerable now, so let them go (they
    # last ten minutes anyway) and the column needs no default.
    op.execute("DELETE FROM saml_request")
    with op.batch_alter_table("saml_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("browser_hash", sa.String(length=64), nullable=False))


def downgrade():
    with op.batch_alter_table("saml_request", schema=None) as batch_op:
        batch_op.drop_column("browser_hash")
