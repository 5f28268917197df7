"""The e-mail outbox, addresses that bounced, the reminders given for each action, and each person's choice of e-mail

Revision ID: 42b89cc18c59
Revises: 0672e101dc55
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "42b89cc18c59"
down_revision = "0672e101dc55"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_bounce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_bounce")),
        sa.UniqueConstraint("email", name=op.f("uq_mail_bounce_email")),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('invitation', 'reminders', 'digest')", name=op.f("ck_outbox_message_kind")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'unconfirmed', 'bounced', 'failed', 'cancelled')",
            name=op.f("ck_outbox_message_state"),
        ),
        sa.ForeignKeyConstraint(
            ["invite_id"], ["invite.id"], name=op.f("fk_outbox_message_invite_id_invite"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_outbox_message_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["user_account.id"],
            name=op.f("fk_outbox_message_recipient_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_invite_id"), ["invite_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_message_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_message_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index("ix_outbox_message_state_next", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "action_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_reminder_action_id_action"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_message.id"],
            name=op.f("fk_action_reminder_outbox_message_id_outbox_message"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_reminder")),
        sa.UniqueConstraint("action_id", "reason", name=op.f("uq_action_reminder_action_id_reason")),
    )
    with op.batch_alter_table("action_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_reminder_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_reminder_outbox_message_id"), ["outbox_message_id"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mail_reminders", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("mail_digest", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("mail_digest")
        batch_op.drop_column("mail_reminders")

    with op.batch_alter_table("action_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_reminder_outbox_message_id"))
        batch_op.drop_index(batch_op.f("ix_action_reminder_action_id"))

    op.drop_table("action_reminder")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_state_next")
        batch_op.drop_index(batch_op.f("ix_outbox_message_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_invite_id"))

    op.drop_table("outbox_message")
    op.drop_table("mail_bounce")
