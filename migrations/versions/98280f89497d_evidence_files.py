"""Evidence files: photos and documents attached to progress updates, observations, pupil voice
and self-evaluations (the bytes are in the evidence store, not the database)

Revision ID: 98280f89497d
Revises: 3ae036c53538
Create Date: 2026-12-01 14:48:24.976129

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "98280f89497d"
down_revision = "3ae036c53538"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("progress_update_id", sa.Integer(), nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        sa.Column("pupil_voice_id", sa.Integer(), nullable=True),
        sa.Column("self_evaluation_id", sa.Integer(), nullable=True),
        sa.Column("caption", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=64), nullable=True),
        sa.Column("download_name", sa.String(length=120), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN progress_update_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN pupil_voice_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN self_evaluation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_evidence_file_one_owner"),
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_evidence_file_size_bytes")),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_evidence_file_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name=op.f("fk_evidence_file_partnership_id_partnership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["progress_update_id"],
            ["progress_update.id"],
            name=op.f("fk_evidence_file_progress_update_id_progress_update"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_voice_id"],
            ["pupil_voice.id"],
            name=op.f("fk_evidence_file_pupil_voice_id_pupil_voice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["self_evaluation_id"],
            ["self_evaluation.id"],
            name=op.f("fk_evidence_file_self_evaluation_id_self_evaluation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_evidence_file_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
        sa.UniqueConstraint(
            "partnership_id", "client_id", name=op.f("uq_evidence_file_partnership_id_client_id")
        ),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_file_observation_id"), ["observation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_file_partnership_id"), ["partnership_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_file_progress_update_id"), ["progress_update_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_file_pupil_voice_id"), ["pupil_voice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_file_self_evaluation_id"), ["self_evaluation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_file_storage_key"), ["storage_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_file_thumbnail_key"), ["thumbnail_key"], unique=False)


def downgrade():
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_thumbnail_key"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_storage_key"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_self_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_pupil_voice_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_progress_update_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_observation_id"))

    op.drop_table("evidence_file")
