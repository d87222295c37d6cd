"""each delivery knows the platform it goes out on

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every delivery written before this revision went out on Slack, the only platform then.
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=20), nullable=False, server_default="slack"))
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.alter_column('platform', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('platform')
