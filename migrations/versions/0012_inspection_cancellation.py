"""Inspections can be cancelled (recorded by mistake, or not carried out): a third status,
"cancelled", in the status check, and who cancelled one, when and why. A cancelled
inspection is kept and shown, but takes no findings and no edits.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CHECK = "ck_inspection_inspectionstatus"
FK = "fk_inspection_cancelled_by_id_user_account"


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f(FK), "user_account", ["cancelled_by_id"], ["id"])
        batch_op.drop_constraint(batch_op.f(CHECK), type_="check")
        batch_op.create_check_constraint(
            batch_op.f(CHECK), sa.text("status IN ('open', 'closed', 'cancelled')")
        )


def downgrade():
    cancelled = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM inspection WHERE status = 'cancelled'")
    )
    if cancelled:
        raise RuntimeError(
            f"迁移0012降级：{cancelled}条检查记录已撤销，撤销前的版本无法表示这一状态，"
            "请先处理这些记录再降级"
        )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(CHECK), type_="check")
        batch_op.create_check_constraint(
            batch_op.f(CHECK), sa.text("status IN ('open', 'closed')")
        )
        batch_op.drop_constraint(batch_op.f(FK), type_="foreignkey")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancel_reason")
