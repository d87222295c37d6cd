"""stats pulls known by name and content

A file is imported again whenever its content differs from its last pull, even back to an
earlier content, and fetch failures are kept: the content hash is no longer unique.

Revision ID: 0004
Revises: 0003
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# SQLite keeps the unique constraint of 0003 unnamed; a naming convention lets batch mode find it.
NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("stats_pull_sha256_key", "stats_pull", type_="unique")
        op.create_index("ix_stats_pull_name", "stats_pull", ["name"])
        return
    with op.batch_alter_table("stats_pull", naming_convention=NAMES) as batch_op:
        batch_op.drop_constraint("uq_stats_pull_sha256", type_="unique")
        batch_op.create_index("ix_stats_pull_name", ["name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stats_pull", naming_convention=NAMES) as batch_op:
        batch_op.drop_index("ix_stats_pull_name")
        batch_op.create_unique_constraint("uq_stats_pull_sha256", ["sha256"])
