"""Credit attachments: evidence files (PDF, JPEG, PNG) attached to manual adjustments
and to facilities' objections (异议).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:17:53.492817

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(adjustment_id IS NULL) <> (appeal_id IS NULL)', name=op.f('ck_credit_attachment_one_owner')),
    sa.ForeignKeyConstraint(['adjustment_id'], ['credit_adjustment.id'], name=op.f('fk_credit_attachment_adjustment_id_credit_adjustment')),
    sa.ForeignKeyConstraint(['appeal_id'], ['credit_appeal.id'], name=op.f('fk_credit_attachment_appeal_id_credit_appeal')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_credit_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_attachment'))
    )
    with op.batch_alter_table('credit_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_attachment_adjustment_id'), ['adjustment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_attachment_appeal_id'), ['appeal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_attachment_file_key'), ['file_key'], unique=False)



def downgrade():
    with op.batch_alter_table('credit_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_attachment_file_key'))
        batch_op.drop_index(batch_op.f('ix_credit_attachment_appeal_id'))
        batch_op.drop_index(batch_op.f('ix_credit_attachment_adjustment_id'))

    op.drop_table('credit_attachment')
