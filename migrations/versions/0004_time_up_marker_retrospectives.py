"""pair_room.last_time_up_at_ms (swaps that follow a time-up), retrospectives

Revision ID: 0004_time_up_retros
Revises: 0003_room_version
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_time_up_retros'
down_revision = '0003_room_version'
branch_labels = None
depends_on = None


def upgrade():
    # When the server last decided a time-up: a swap asked for just after it is
    # that time-up's swap (every coduo screen asks for one), decided under the row lock.
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_time_up_at_ms', sa.BigInteger(), nullable=True))
    # A room's retrospectives: one row per answer set (several people may answer).
    op.create_table('retrospective',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=50), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['pair_room.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('retrospective', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retrospective_room_id'), ['room_id'], unique=False)


def downgrade():
    with op.batch_alter_table('retrospective', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retrospective_room_id'))
    op.drop_table('retrospective')
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.drop_column('last_time_up_at_ms')
