"""Log-in sessions can be ended: each account keeps a session epoch, carried in every
session's user id and raised when the user logs out or the password changes. Sessions live
in signed cookies, so until now a copied cookie stayed valid after either. Sessions opened
before this migration carry no epoch and end once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
