"""The facility's current credit grade is no longer indexed: a recompute that changes a
grade (every facility's, on a new cycle or rulebook) then updates the row in place
(PostgreSQL's HOT update) instead of adding an entry to each of the table's six indexes.
Lists by grade read the facility table whole, which is small (thousands of rows).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_index("ix_facility_credit_grade")


def downgrade():
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.create_index("ix_facility_credit_grade", ["credit_grade"])
