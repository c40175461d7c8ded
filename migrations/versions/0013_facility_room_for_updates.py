"""On PostgreSQL, facility pages are filled to half when rows are written (fillfactor 50),
so that a recompute changing every facility's current grade (a new cycle or rulebook; one
transaction per batch of consecutive facilities) finds room for each new row version on
the row's own page. The update then stays in place (a HOT update) instead of adding an
entry to each of the table's indexes. The table is small (thousands of rows); existing
pages take the setting as rows are rewritten.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE facility SET (fillfactor = 50)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE facility RESET (fillfactor)")
