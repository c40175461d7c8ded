"""Credit breakdowns checked per statement, and guarded against deletes: a breakdown's
facility must exist, checked once per INSERT or COPY over all its rows on PostgreSQL (a
trigger reading the statement's new rows) instead of by a foreign key checked per row,
which was some 30 ms of a first recompute's 10,000 breakdowns. SQLite checks each row.

What the foreign keys also did, refuse deletes that would leave rows pointing nowhere,
row triggers now do on the referenced tables, where nothing is deleted in use: a facility
with breakdowns, and a breakdown a computation refers to (for credit_grade, whose key to
credit_breakdown went in 0016), cannot be deleted.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FK = "fk_credit_breakdown_facility_id_facility"
CHECK = "credit_breakdown_facility_check"
KEEP_FACILITY = "facility_keep_graded"
KEEP_BREAKDOWN = "credit_breakdown_keep_referenced"
HISTORY_CHECK = "credit_grade_breakdown_check"
NO_FACILITY = "评分明细（credit_breakdown）须属于已登记的机构（facility）"
FACILITY_GRADED = "该机构已有评分明细（credit_breakdown），不能删除"
BREAKDOWN_USED = "该评分明细已被信用评价记录（credit_grade）引用，不能删除"

PG = [
    f"""CREATE OR REPLACE FUNCTION {CHECK}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM new_rows n WHERE NOT EXISTS (SELECT FROM facility f WHERE f.id = n.facility_id)
    ) THEN
        RAISE EXCEPTION '{NO_FACILITY}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$""",
    f"CREATE TRIGGER {CHECK} AFTER INSERT ON credit_breakdown REFERENCING NEW TABLE AS "
    f"new_rows FOR EACH STATEMENT EXECUTE FUNCTION {CHECK}()",
    f"""CREATE OR REPLACE FUNCTION {KEEP_FACILITY}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM credit_breakdown b WHERE b.facility_id = OLD.id) THEN
        RAISE EXCEPTION '{FACILITY_GRADED}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$""",
    f"CREATE TRIGGER {KEEP_FACILITY} BEFORE DELETE ON facility FOR EACH ROW "
    f"EXECUTE FUNCTION {KEEP_FACILITY}()",
    f"""CREATE OR REPLACE FUNCTION {KEEP_BREAKDOWN}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM credit_grade g WHERE g.facility_id = OLD.facility_id AND g.breakdown_id = OLD.id
    ) THEN
        RAISE EXCEPTION '{BREAKDOWN_USED}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$""",
    f"CREATE TRIGGER {KEEP_BREAKDOWN} BEFORE DELETE ON credit_breakdown FOR EACH ROW "
    f"EXECUTE FUNCTION {KEEP_BREAKDOWN}()",
]
SQLITE = [
    f"CREATE TRIGGER {CHECK} BEFORE INSERT ON credit_breakdown "
    "WHEN NOT EXISTS (SELECT 1 FROM facility f WHERE f.id = NEW.facility_id) "
    f"BEGIN SELECT RAISE(ABORT, '{NO_FACILITY}'); END",
    f"CREATE TRIGGER {KEEP_FACILITY} BEFORE DELETE ON facility "
    "WHEN EXISTS (SELECT 1 FROM credit_breakdown b WHERE b.facility_id = OLD.id) "
    f"BEGIN SELECT RAISE(ABORT, '{FACILITY_GRADED}'); END",
    f"CREATE TRIGGER {KEEP_BREAKDOWN} BEFORE DELETE ON credit_breakdown "
    "WHEN EXISTS (SELECT 1 FROM credit_grade g "
    "WHERE g.facility_id = OLD.facility_id AND g.breakdown_id = OLD.id) "
    f"BEGIN SELECT RAISE(ABORT, '{BREAKDOWN_USED}'); END",
]
# As migration 0016 creates it: SQLite's copy of credit_breakdown below needs it gone.
SQLITE_HISTORY_CHECK = (
    f"CREATE TRIGGER {HISTORY_CHECK} BEFORE INSERT ON credit_grade "
    "WHEN NOT EXISTS (SELECT 1 FROM credit_breakdown b "
    "WHERE b.id = NEW.breakdown_id AND b.facility_id = NEW.facility_id) "
    "BEGIN SELECT RAISE(ABORT, '信用评价记录（credit_grade）须指向本机构的评分明细"
    "（credit_breakdown）'); END"
)


def _alter_breakdowns(alter) -> None:
    """``alter(batch_op)`` on credit_breakdown; SQLite copies the table, and refuses to
    rename the copy while the history's trigger names it, so that trigger goes meanwhile."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"DROP TRIGGER {HISTORY_CHECK}")
    with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
        alter(batch_op)
    if sqlite:
        op.execute(SQLITE_HISTORY_CHECK)


def upgrade():
    _alter_breakdowns(lambda batch_op: batch_op.drop_constraint(FK, type_="foreignkey"))
    for statement in PG if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in ((CHECK, "credit_breakdown"), (KEEP_FACILITY, "facility"),
                           (KEEP_BREAKDOWN, "credit_breakdown")):  # fmt: skip
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}")
        if postgresql:
            op.execute(f"DROP FUNCTION {trigger}()")
    _alter_breakdowns(
        lambda batch_op: batch_op.create_foreign_key(FK, "facility", ["facility_id"], ["id"])
    )
