"""A finding keeps the approved copy of each quoted observation: its text, stage title and lesson
title, which the library shows instead of the live observation. Published findings get their
copies now, from the observations as they stand.

Revision ID: 891a44adfeaf
Revises: f7d588ce6b56
Create Date: 2026-12-01 12:49:41.567233

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "891a44adfeaf"
down_revision = "f7d588ce6b56"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("finding_observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quoted_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("quoted_stage", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("quoted_lesson", sa.String(length=200), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT fo.id, o.text, ls.title, c.number, rl.number"
            " FROM finding_observation fo"
            " JOIN finding f ON f.id = fo.finding_id"
            " JOIN observation o ON o.id = fo.observation_id"
            " JOIN research_lesson rl ON rl.id = o.lesson_id"
            " JOIN cycle c ON c.id = rl.cycle_id"
            " LEFT JOIN lesson_stage ls ON ls.id = o.stage_id"
            " WHERE f.status = 'published'"
        )
    ).all()
    update = sa.text(
        "UPDATE finding_observation SET quoted_text = :text, quoted_stage = :stage, quoted_lesson = :lesson"
        " WHERE id = :id"
    )
    for row_id, text, stage, cycle, lesson in rows:
        bind.execute(
            update,
            {
                "id": row_id,
                "text": text or "",
                "stage": stage or "",
                "lesson": f"Cycle {cycle}, lesson {lesson}",
            },
        )


def downgrade():
    with op.batch_alter_table("finding_observation", schema=None) as batch_op:
        batch_op.drop_column("quoted_lesson")
        batch_op.drop_column("quoted_stage")
        batch_op.drop_column("quoted_text")
