"""pair_room.members (the roster of a mob room, in the order of turns), last_member_id, goal

Revision ID: 0006_mob_roster
Revises: 0005_retention
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_mob_roster'
down_revision = '0005_retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('members', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('last_member_id', sa.Integer(), nullable=False,
                                      server_default='2'))
        batch_op.add_column(sa.Column('goal', sa.String(length=200), nullable=False,
                                      server_default=''))
    # Every room so far is a pair: its roster is [driver, navigator], the driver first.
    room = sa.table('pair_room', sa.column('id', sa.Integer), sa.column('driver', sa.String),
                    sa.column('navigator', sa.String), sa.column('members', sa.JSON))
    connection = op.get_bind()
    for room_id, driver, navigator in connection.execute(
            sa.select(room.c.id, room.c.driver, room.c.navigator)).all():
        members = [{"id": 1, "name": driver, "away": False},
                   {"id": 2, "name": navigator, "away": False}]
        connection.execute(room.update().where(room.c.id == room_id).values(members=members))


def downgrade():
    with op.batch_alter_table('pair_room', schema=None) as batch_op:
        batch_op.drop_column('goal')
        batch_op.drop_column('last_member_id')
        batch_op.drop_column('members')
