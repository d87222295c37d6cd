"""a manager or admin may have no team

Only agents and leads must have one; the roster import checks that. On SQLite, batch mode
recreates the agent table, which other tables reference: bot.store.db.upgrade runs the
migrations with foreign keys off there, and checks them afterwards.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.alter_column('team_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Fails while someone has no team: give them one in the roster first.
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.alter_column('team_id', existing_type=sa.Integer(), nullable=False)
