"""slack dm channels and delivery payloads

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_dm_channel', sa.String(length=50), nullable=True))

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_delivery_status'), ['status'], unique=False)
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.alter_column('payload', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_status'))
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('payload')

    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_column('slack_dm_channel')
