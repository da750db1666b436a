"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 17:00:46.520480
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('action_definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('app_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('definition_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('revision_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('app_id', 'slug')
    )
    op.create_table('executions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.BigInteger(), nullable=False),
    sa.Column('callback_id', sa.String(length=200), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('realm_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outputs', sa.JSON(), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_doc_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_total', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('callback_completed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('portal_id', 'callback_id', name='uq_execution_callback')
    )
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_executions_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_executions_error_code'), ['error_code'], unique=False)
        batch_op.create_index('ix_executions_portal_created', ['portal_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_executions_portal_id'), ['portal_id'], unique=False)
        batch_op.create_index('ix_executions_record', ['portal_id', 'object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_executions_status'), ['status'], unique=False)

    op.create_table('portals',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hub_domain', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('refresh_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('token_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('static_token', sa.Boolean(), nullable=False),
    sa.Column('installed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('api_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('intuit_tid', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_calls_execution_id'), ['execution_id'], unique=False)

    op.create_table('quickbooks_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.BigInteger(), nullable=False),
    sa.Column('realm_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('company_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('home_currency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('multicurrency', sa.Boolean(), nullable=False),
    sa.Column('tax_mode', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('custom_txn_numbers', sa.Boolean(), nullable=False),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('refresh_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('access_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('refresh_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('connected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('portal_id', 'realm_id')
    )
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quickbooks_connections_portal_id'), ['portal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quickbooks_connections_realm_id'), ['realm_id'], unique=False)

    op.create_table('transaction_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.BigInteger(), nullable=False),
    sa.Column('realm_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_doc_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('qbo_total', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('execution_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transaction_links', schema=None) as batch_op:
        batch_op.create_index('ix_links_record', ['portal_id', 'realm_id', 'action', 'object_type', 'object_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transaction_links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_record')

    op.drop_table('transaction_links')
    with op.batch_alter_table('quickbooks_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quickbooks_connections_realm_id'))
        batch_op.drop_index(batch_op.f('ix_quickbooks_connections_portal_id'))

    op.drop_table('quickbooks_connections')
    with op.batch_alter_table('api_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_calls_execution_id'))

    op.drop_table('api_calls')
    op.drop_table('portals')
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_executions_status'))
        batch_op.drop_index('ix_executions_record')
        batch_op.drop_index(batch_op.f('ix_executions_portal_id'))
        batch_op.drop_index('ix_executions_portal_created')
        batch_op.drop_index(batch_op.f('ix_executions_error_code'))
        batch_op.drop_index(batch_op.f('ix_executions_action'))

    op.drop_table('executions')
    op.drop_table('action_definitions')
