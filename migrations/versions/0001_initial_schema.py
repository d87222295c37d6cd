"""teams, agents, daily stats, ledger and deliveries

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=False),
    sa.Column('leave_date', sa.Date(), nullable=True),
    sa.Column('tier', sa.String(length=50), nullable=True),
    sa.Column('slack_user_id', sa.String(length=50), nullable=True),
    sa.Column('wecom_user_id', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('employee_id'),
    sa.UniqueConstraint('slack_user_id'),
    sa.UniqueConstraint('wecom_user_id')
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_team_id'), ['team_id'], unique=False)

    op.create_table('daily_stat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('talk_seconds', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=True),
    sa.Column('leads_assigned', sa.Integer(), nullable=True),
    sa.Column('leads_contacted', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'day')
    )
    with op.batch_alter_table('daily_stat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_stat_day'), ['day'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revokes_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['author_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['revokes_id'], ['ledger_entry.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('revokes_id')
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_day'), ['day'], unique=False)
    _forbid_ledger_changes()

    op.create_table('team_lead',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('agent_id', 'team_id')
    )


def _forbid_ledger_changes() -> None:
    """The ledger is append-only: the database itself refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'ledger_entry is append-only: write a revocation instead'; "
            "END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER ledger_entry_no_{action.lower()} BEFORE {action} ON ledger_entry "
            "BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only: write a revocation instead'); END"
        )


def _allow_ledger_changes() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entry_append_only ON ledger_entry")
        op.execute("DROP FUNCTION ledger_entry_append_only()")
        return
    op.execute("DROP TRIGGER ledger_entry_no_update")
    op.execute("DROP TRIGGER ledger_entry_no_delete")


def downgrade() -> None:
    op.drop_table('team_lead')
    _allow_ledger_changes()
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_day'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_agent_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('daily_stat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_stat_day'))

    op.drop_table('daily_stat')
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_team_id'))
        batch_op.drop_index(batch_op.f('ix_agent_email'))

    op.drop_table('agent')
    op.drop_table('team')
    op.drop_table('delivery')
