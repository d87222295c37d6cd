"""who runs a round and who claimed a delivery

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))

    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner', sa.String(length=100), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_column('runner')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')

