"""Breaks: pair_room.break_every, break_ms, turns_since_break; timer.kind, turn_ms

Revision ID: 0007_breaks
Revises: 0006_mob_roster
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_breaks'
down_revision = '0006_mob_roster'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_every', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('break_ms', sa.BigInteger(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('turns_since_break', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), nullable=False,
                                      server_default='turn'))
        batch_op.add_column(sa.Column('turn_ms', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_column('turn_ms')
        batch_op.drop_column('kind')
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.drop_column('turns_since_break')
        batch_op.drop_column('break_ms')
        batch_op.drop_column('break_every')
