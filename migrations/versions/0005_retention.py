"""pair_room.touched_at (the last change, for retention) and the maintenance table

Revision ID: 0005_retention
Revises: 0004_time_up_retros
"""
from alembic import op
import sqlalchemy as sa

revision = '0005_retention'
down_revision = '0004_time_up_retros'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('touched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_pair_room_touched_at', ['touched_at'], unique=False)
    op.execute("UPDATE pair_room SET touched_at = created_at WHERE touched_at IS NULL")
    # One row per periodic task that only one process may run (retention): the row is
    # locked while the pass runs and says when it last ran.
    op.create_table(
        'maintenance',
        sa.Column('name', sa.String(length=32), primary_key=True),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table('maintenance')
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.drop_index('ix_pair_room_touched_at')
        batch_op.drop_column('touched_at')
