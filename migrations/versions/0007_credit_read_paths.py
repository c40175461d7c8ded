"""Faster credit recomputes: a covering index on findings (facility, status, date, id, with
the columns the credit engine reads) replaces the narrower one, and on PostgreSQL stored
breakdowns are compressed with lz4 where the server has it (pglz otherwise, as before).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:00:00.000000

"""

import logging

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_facility_status_date")
        batch_op.create_index(
            "ix_finding_credit",
            ["facility_id", "status", "decision_date", "id"],
            unique=False,
            postgresql_include=["category", "amount_involved_fen", "self_corrected"],
        )
    if op.get_bind().dialect.name == "postgresql":
        _set_compression("lz4")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _set_compression("pglz")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index("ix_finding_credit")
        batch_op.create_index(
            "ix_finding_facility_status_date",
            ["facility_id", "status", "decision_date"],
            unique=False,
        )


def _set_compression(method: str) -> None:
    """New breakdowns are compressed with ``method`` (existing values keep theirs: both
    read back alike). A server built without lz4, or older than PostgreSQL 14 (which
    has no per-column compression), keeps its default."""
    bind = op.get_bind()
    if bind.dialect.server_version_info < (14,):
        log.warning("credit_breakdown.items keeps the default compression (PostgreSQL < 14)")
        return
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql(
            f"ALTER TABLE credit_breakdown ALTER COLUMN items SET COMPRESSION {method}"
        )
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        # 0A000: feature not supported (a server built without lz4).
        if method == "pglz" or getattr(error.orig, "sqlstate", None) != "0A000":
            raise
        log.warning("credit_breakdown.items keeps the default compression: %s", error)
    else:
        savepoint.commit()
