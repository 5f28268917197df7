"""The observation poll no longer answers from process memory: drop the write notifications

PostgreSQL's statement triggers on the tables the poll read (and their function) told each process
that something had been written, so that a remembered answer could be reused. The poll now asks the
database every time, one row read by its key.

Revision ID: 5b0f2c7a9d41
Revises: 1d923dc81887
Create Date: 2026-12-01 09:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5b0f2c7a9d41"
down_revision = "1d923dc81887"
branch_labels = None
depends_on = None


TABLES = ("user_account", "partnership", "membership", "research_lesson")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_written ON {table}")
    op.execute("DROP FUNCTION IF EXISTS workspace_written()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
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
