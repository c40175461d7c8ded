"""A credit repair covers the findings confirmed when it was granted: the covering index
on findings carries each finding's confirmation time too, so that a recompute finds the
findings a repair does not cover (decided by its grant day, confirmed after it) by index
only, without reading the table (PostgreSQL; SQLite has no included columns).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KEY = ["facility_id", "status", "decision_date", "id"]


def _recreate(include: list[str]) -> None:
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_credit")
        batch_op.create_index("ix_finding_credit", KEY, unique=False, postgresql_include=include)


def upgrade():
    _recreate(["category", "amount_involved_fen", "self_corrected", "confirmed_at"])


def downgrade():
    _recreate(["category", "amount_involved_fen", "self_corrected"])
