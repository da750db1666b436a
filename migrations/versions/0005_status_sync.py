"""status sync: webhook events, invoice statuses, per-realm sync state

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=300), nullable=False),
    sa.Column('realm_id', _str(), nullable=False),
    sa.Column('entity', _str(), nullable=False),
    sa.Column('entity_id', _str(), nullable=False),
    sa.Column('operation', _str(), nullable=False),
    sa.Column('occurred_at', _time(), nullable=True),
    sa.Column('received_at', _time(), nullable=False),
    sa.Column('state', _str(), nullable=False),
    sa.Column('error', _str(), nullable=False),
    sa.Column('processed_at', _time(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_key', name='uq_webhook_event_key')
    )
    op.create_index('ix_webhook_events_realm_id', 'webhook_events', ['realm_id'])
    op.create_index('ix_webhook_events_state', 'webhook_events', ['state'])
    op.create_table('invoice_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.BigInteger(), nullable=False),
    sa.Column('realm_id', _str(), nullable=False),
    sa.Column('qbo_type', _str(), nullable=False),
    sa.Column('qbo_id', _str(), nullable=False),
    sa.Column('deal_id', _str(), nullable=False),
    sa.Column('status', _str(), nullable=False),
    sa.Column('doc_number', _str(), nullable=False),
    sa.Column('total', _str(), nullable=False),
    sa.Column('balance', _str(), nullable=False),
    sa.Column('amount_paid', _str(), nullable=False),
    sa.Column('due_date', _str(), nullable=False),
    sa.Column('url', _str(), nullable=False),
    sa.Column('pushed', sa.JSON(), nullable=False),
    sa.Column('synced_at', _time(), nullable=True),
    sa.Column('checked_at', _time(), nullable=True),
    sa.Column('last_error', _str(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('realm_id', 'qbo_type', 'qbo_id', name='uq_invoice_status_txn')
    )
    op.create_index('ix_invoice_statuses_portal_id', 'invoice_statuses', ['portal_id'])
    op.create_table('realm_syncs',
    sa.Column('realm_id', _str(), nullable=False),
    sa.Column('cdc_checkpoint', _time(), nullable=True),
    sa.Column('last_synced_at', _time(), nullable=True),
    sa.Column('last_error', _str(), nullable=False),
    sa.Column('last_error_at', _time(), nullable=True),
    sa.PrimaryKeyConstraint('realm_id')
    )


def downgrade() -> None:
    op.drop_table('realm_syncs')
    op.drop_index('ix_invoice_statuses_portal_id', table_name='invoice_statuses')
    op.drop_table('invoice_statuses')
    op.drop_index('ix_webhook_events_state', table_name='webhook_events')
    op.drop_index('ix_webhook_events_realm_id', table_name='webhook_events')
    op.drop_table('webhook_events')
