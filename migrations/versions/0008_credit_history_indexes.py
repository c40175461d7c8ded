"""Credit history indexes: a facility's computations are read newest first, so the index
on facility alone becomes (facility, id); the index on breakdown_id goes, as no query
reads by it and breakdowns are never deleted (the foreign key stays). Every recompute
appends a row per facility, so each index less is cheaper daily runs and less storage.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_grade_breakdown_id")
        batch_op.drop_index("ix_credit_grade_facility_id")
        batch_op.create_index("ix_credit_grade_facility_history", ["facility_id", "id"])


def downgrade():
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_grade_facility_history")
        batch_op.create_index("ix_credit_grade_facility_id", ["facility_id"])
        batch_op.create_index("ix_credit_grade_breakdown_id", ["breakdown_id"])
