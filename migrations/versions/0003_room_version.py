"""pair_room.version: the order of a room's changes across processes

Revision ID: 0003_room_version
Revises: 0002_room_tools
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_room_version'
down_revision = '0002_room_tools'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.BigInteger(), nullable=False, server_default='0'))
    # Running timers are found on every start (recovery) and every sweep of a process.
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.create_index('ix_timer_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index('ix_timer_status')
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.drop_column('version')
