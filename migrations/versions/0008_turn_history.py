"""Turn history (turn), retrospective.updated_at (answers edited per person)

Revision ID: 0008_turn_history
Revises: 0007_breaks
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_turn_history'
down_revision = '0007_breaks'
branch_labels = None
depends_on = None


def upgrade():
    # One row per turn or break, written by the transition it records. Turns under way
    # when this runs are recorded from their next start.
    op.create_table('turn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('navigator_id', sa.Integer(), nullable=False),
    sa.Column('driver', sa.String(length=50), nullable=False),
    sa.Column('navigator', sa.String(length=50), nullable=False),
    sa.Column('roster', sa.JSON(), nullable=False),
    sa.Column('planned_ms', sa.BigInteger(), nullable=False),
    sa.Column('started_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('ended_at_ms', sa.BigInteger(), nullable=True),
    sa.Column('paused_ms', sa.BigInteger(), nullable=False),
    sa.Column('paused_at_ms', sa.BigInteger(), nullable=True),
    sa.Column('ended', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['room_id'], ['pair_room.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('turn', schema=None) as batch_op:
        batch_op.create_index('ix_turn_room_id_id', ['room_id', 'id'], unique=False)
    # A person's answers may be edited (by whoever holds the room's link).
    with op.batch_alter_table('retrospective', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('retrospective', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('turn', schema=None) as batch_op:
        batch_op.drop_index('ix_turn_room_id_id')
    op.drop_table('turn')
