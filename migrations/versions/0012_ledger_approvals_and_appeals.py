"""the ledger's approvals and appeals: a deduction written pending, and the acts on an entry

A deduction above the policy's threshold is written `pending` and counts once a manager's
`approve` row refers to it. An agent's `appeal`, and a manager's `reject` of it, are rows that
refer to the entry too; accepting an appeal, or declining a pending deduction, is a revocation
whose `act` says which. One act of each kind per entry: the unique index decides a race.

Columns are added and the index created in place (SQLite adds a column with a reference): rebuilding the table in batch mode on SQLite
would drop its revision triggers (see 0010).

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledger_entry', sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == 'sqlite':  # which adds a column with a reference, but not through Alembic
        op.execute('ALTER TABLE ledger_entry ADD COLUMN refers_id INTEGER REFERENCES ledger_entry (id)')
    else:
        op.add_column('ledger_entry', sa.Column('refers_id', sa.Integer(), sa.ForeignKey('ledger_entry.id'),
                                                nullable=True))
    op.add_column('ledger_entry', sa.Column('act', sa.String(length=20), nullable=True))
    op.create_index('ix_ledger_entry_refers_id_act', 'ledger_entry', ['refers_id', 'act'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_ledger_entry_refers_id_act', table_name='ledger_entry')
    with op.batch_alter_table('ledger_entry') as table:
        table.drop_column('act')
        table.drop_column('refers_id')
        table.drop_column('pending')
