"""Two-step sign-in: a code is accepted once (the last step used), set-ups wait on the server, and
secrets are sealed at rest (Fernet, keys from TWO_STEP_SECRET_KEYS)

Revision ID: b4223280f26d
Revises: 5b0f2c7a9d41
Create Date: 2026-12-01 08:59:02.578296

The plain base32 secrets move from user_account.totp_secret (VARCHAR(64)) to sealed_totp_secret
(VARCHAR(255): a Fernet token is about 140 characters), sealed on the way. A new column and the
old one dropped, not a change of type: on SQLite a change of type rebuilds the table, and with
foreign keys on, dropping the old user_account would cascade to every row that refers to it.
Sealing uses the application's keys (workspace.auth.two_step_keys), so run this with the
deployment's TWO_STEP_SECRET_KEYS (or SECRET_KEY) set.
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "b4223280f26d"
down_revision = "5b0f2c7a9d41"
branch_labels = None
depends_on = None

user_account = sa.table(
    "user_account",
    sa.column("id", sa.Integer),
    sa.column("totp_secret", sa.String),
    sa.column("sealed_totp_secret", sa.String),
)


def upgrade():
    from workspace.auth.two_step_keys import is_plain_secret, seal

    op.create_table(
        "two_step_setup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_two_step_setup_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_step_setup")),
        sa.UniqueConstraint("user_id", name=op.f("uq_two_step_setup_user_id")),
    )
    op.create_index(op.f("ix_two_step_setup_created_at"), "two_step_setup", ["created_at"], unique=False)

    op.add_column("user_account", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column("user_account", sa.Column("sealed_totp_secret", sa.String(length=255), nullable=True))
    connection = op.get_bind()
    config = current_app.config
    rows = connection.execute(
        sa.select(user_account.c.id, user_account.c.totp_secret).where(
            user_account.c.totp_secret.is_not(None)
        )
    ).all()
    for user_id, secret in rows:
        sealed = seal(secret, config) if is_plain_secret(secret) else secret
        connection.execute(
            user_account.update().where(user_account.c.id == user_id).values(sealed_totp_secret=sealed)
        )
    # Not batch mode: SQLite (3.35 and later) drops a column in place, without rebuilding the table.
    op.drop_column("user_account", "totp_secret")


def downgrade():
    from workspace.auth.two_step_keys import unseal

    op.add_column("user_account", sa.Column("totp_secret", sa.VARCHAR(length=64), nullable=True))
    connection = op.get_bind()
    config = current_app.config
    rows = connection.execute(
        sa.select(user_account.c.id, user_account.c.sealed_totp_secret).where(
            user_account.c.sealed_totp_secret.is_not(None)
        )
    ).all()
    for user_id, sealed in rows:
        connection.execute(
            user_account.update()
            .where(user_account.c.id == user_id)
            .values(totp_secret=unseal(sealed, config))
        )
    op.drop_column("user_account", "sealed_totp_secret")
    op.drop_column("user_account", "totp_last_step")

    op.drop_index(op.f("ix_two_step_setup_created_at"), table_name="two_step_setup")
    op.drop_table("two_step_setup")
