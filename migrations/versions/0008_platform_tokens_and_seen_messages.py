"""a platform's access token, shared by every process; the callback messages already taken in

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'access_token',
        sa.Column('platform', sa.String(length=20), primary_key=True),
        sa.Column('token', sa.String(length=600), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('renewing_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('renewed_by', sa.String(length=100), nullable=True),
    )
    op.create_table(
        'seen_message',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('platform', 'message_id'),
    )
    op.create_index('ix_seen_message_seen_at', 'seen_message', ['seen_at'])


def downgrade() -> None:
    op.drop_index('ix_seen_message_seen_at', table_name='seen_message')
    op.drop_table('seen_message')
    op.drop_table('access_token')
