"""Credit history checked per statement: a computation's breakdown must still be one of its
own facility's, but on PostgreSQL that is checked once per INSERT or COPY over all its
rows (a trigger reading the statement's new rows), instead of by a foreign key checked,
and the breakdown row locked, for each row. A recompute appends a row per facility: the
per-row key was about a tenth of the daily run over 10,000 facilities. SQLite checks each
row with a trigger. Breakdowns are never deleted, so a row once checked stays right.

The unique (id, facility_id) of breakdowns served only that key and goes too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FK = "fk_credit_grade_breakdown_id_credit_breakdown"
UNIQUE = "uq_credit_breakdown_id_facility"
CHECK = "credit_grade_breakdown_check"
MESSAGE = "信用评价记录（credit_grade）须指向本机构的评分明细（credit_breakdown）"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM new_rows n WHERE NOT EXISTS (
            SELECT FROM credit_breakdown b
            WHERE b.id = n.breakdown_id AND b.facility_id = n.facility_id
        )
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRIGGER = (
    f"CREATE TRIGGER {CHECK} AFTER INSERT ON credit_grade REFERENCING NEW TABLE AS new_rows "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()"
)
# Computations are only ever added (never updated), so both check inserts only.
SQLITE_TRIGGER = (
    f"CREATE TRIGGER {CHECK} BEFORE INSERT ON credit_grade "
    "WHEN NOT EXISTS (SELECT 1 FROM credit_breakdown b "
    "WHERE b.id = NEW.breakdown_id AND b.facility_id = NEW.facility_id) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
)


def upgrade():
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
    with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
    # After the batch operations: SQLite's copy of a table leaves its triggers behind (a
    # later migration that copies credit_grade on SQLite must create the trigger again).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {CHECK} ON credit_grade")
        op.execute(f"DROP FUNCTION {CHECK}()")
    else:
        op.execute(f"DROP TRIGGER {CHECK}")
    with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
        batch_op.create_unique_constraint(UNIQUE, ["id", "facility_id"])
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.create_foreign_key(
            FK, "credit_breakdown", ["breakdown_id", "facility_id"], ["id", "facility_id"]
        )
