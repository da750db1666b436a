"""connection preferences the books need: class and location tracking

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_tracking', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('track_locations', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        for column in ('track_locations', 'class_tracking'):
            batch_op.drop_column(column)
