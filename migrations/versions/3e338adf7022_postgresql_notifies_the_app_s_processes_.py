"""PostgreSQL notifies the app's processes of writes to the tables the observation poll reads

Revision ID: 3e338adf7022
Revises: 2de6439d7794
Create Date: 2026-11-22 16:43:07.012502

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3e338adf7022"
down_revision = "2de6439d7794"
branch_labels = None
depends_on = None


# The tables whose rows the observation poll's remembered answer is read from (freshness.WATCHED).
TABLES = ("user_account", "partnership", "membership", "research_lesson")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: freshness.py reads PRAGMA data_version instead
    op.execute("""
        CREATE FUNCTION workspace_written() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('workspace_written', '');
            RETURN NULL;
        END
        $$
    """)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION workspace_written()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_written ON {table}")
    op.execute("DROP FUNCTION IF EXISTS workspace_written()")
