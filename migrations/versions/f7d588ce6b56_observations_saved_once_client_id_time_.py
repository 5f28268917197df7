"""Observations and pupil voice saved once: each note's client id (unique in its lesson), the time
it reached the server, and a version that guards observations' edits

Revision ID: f7d588ce6b56
Revises: 34004ecf9e4b
Create Date: 2026-12-01 11:46:35

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f7d588ce6b56"
down_revision = "34004ecf9e4b"
branch_labels = None
depends_on = None

# The entries (and pupil voice notes) already stored were saved the moment they were sent: each gets a client id made
# from its own id (unique, and never the shape of a tablet's UUID), reached the server when it was
# created, and starts at version 1. The columns are added empty, filled, then made required, in
# one copy of the table on SQLite (no foreign key points at observation).


def _saved_once(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        if table == "observation":
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.execute(
        f"UPDATE {table} SET client_id = 'stored-' || CAST(id AS VARCHAR(20)), received_at = created_at"
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column("client_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("received_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(f"uq_{table}_lesson_id_client_id", ["lesson_id", "client_id"])


def upgrade():
    _saved_once("observation")
    _saved_once("pupil_voice")


def downgrade():
    for table in ("pupil_voice", "observation"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_lesson_id_client_id", type_="unique")
            if table == "observation":
                batch_op.drop_column("version")
            batch_op.drop_column("received_at")
            batch_op.drop_column("client_id")
