"""a stats pull keeps the rows it left out, and why; and why it got nothing, to say in any language

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stats_pull') as table:
        table.add_column(sa.Column('skipped', sa.Integer(), nullable=False, server_default='0'))
        table.add_column(sa.Column('skipped_rows', sa.Text(), nullable=True))
        table.add_column(sa.Column('problem', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stats_pull') as table:
        table.drop_column('problem')
        table.drop_column('skipped_rows')
        table.drop_column('skipped')
