"""per-record reservations (one booking per portal, company, action and record); a
connection's count of 401s that persist after a refresh

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_reservations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('portal_id', sa.BigInteger(), nullable=False),
        sa.Column('realm_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('execution_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('portal_id', 'realm_id', 'action', 'object_type', 'object_id',
                            name='uq_record_reservations_key'),
    )
    op.create_index('ix_record_reservations_execution_id', 'record_reservations',
                    ['execution_id'])
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_refusals', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        batch_op.drop_column('auth_refusals')
    op.drop_index('ix_record_reservations_execution_id', table_name='record_reservations')
    op.drop_table('record_reservations')
