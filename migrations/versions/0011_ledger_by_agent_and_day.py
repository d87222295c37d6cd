"""the ledger indexed by agent and day, for one agent's month

Without statistics SQLite read one agent's entries of a month through the unique index on
revokes_id (every entry that revokes nothing: the whole ledger); by agent and day it reads
their few rows, in order. The index by agent alone is the new one's first column, so it goes.

Revision ID: 0011
Revises: 0010
"""

from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ledger_entry_agent_id_day', 'ledger_entry', ['agent_id', 'day'])
    op.drop_index('ix_ledger_entry_agent_id', table_name='ledger_entry')


def downgrade() -> None:
    op.create_index('ix_ledger_entry_agent_id', 'ledger_entry', ['agent_id'])
    op.drop_index('ix_ledger_entry_agent_id_day', table_name='ledger_entry')
