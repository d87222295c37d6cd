"""a revision count for each table the rankings are read from, bumped by triggers on every change

/mystats ranks the asker among every agent of the month; the ranking is kept between requests
and is read afresh once one of these counts moved. Triggers count every writer (imports, pulls,
commands, a hand-written UPDATE). On SQLite, a later migration that rebuilds one of these tables
in batch mode drops its triggers and must create them again (tests/store checks they fire).

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# what a ranking is computed from; of the agent, only the columns that decide who is assessed
COUNTED = {
    'daily_stat': None,
    'ledger_entry': None,
    'agent': ('employee_id', 'role', 'hire_date', 'leave_date', 'tier', 'active'),
}


def upgrade() -> None:
    table = op.create_table(
        'revision',
        sa.Column('name', sa.String(length=30), primary_key=True),
        sa.Column('n', sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(table, [{'name': name, 'n': 0} for name in COUNTED])
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
        return
    for name, columns in COUNTED.items():
        for action in ('INSERT', 'UPDATE', 'DELETE'):
            of = f" OF {', '.join(columns)}" if columns and action == 'UPDATE' else ''
            op.execute(f"CREATE TRIGGER {name}_revision_{action.lower()} AFTER {action}{of} ON {name} "
                       f"BEGIN UPDATE revision SET n = n + 1 WHERE name = '{name}'; END")


def _postgresql_triggers() -> None:
    """Once a statement (PostgreSQL can), not once a row: an import is one count, not thousands."""
    op.execute("CREATE FUNCTION bump_revision() RETURNS trigger AS $$ BEGIN "
               "UPDATE revision SET n = n + 1 WHERE name = TG_TABLE_NAME; RETURN NULL; "
               "END $$ LANGUAGE plpgsql")
    for name, columns in COUNTED.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else 'UPDATE'
        op.execute(f"CREATE TRIGGER {name}_revision AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {name} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_revision()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in COUNTED:
            op.execute(f"DROP TRIGGER {name}_revision ON {name}")
        op.execute("DROP FUNCTION bump_revision()")
    else:
        for name in COUNTED:
            for action in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {name}_revision_{action}")
    op.drop_table('revision')
