"""Inspections, findings and self-inspection reports; facility credit grades (append-only
history), manual adjustments, objections and credit repair; current grade on facility.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('grade', sa.String(length=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='adjustmentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_credit_adjustment_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_credit_adjustment_facility_id_facility')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_credit_adjustment_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_adjustment'))
    )
    with op.batch_alter_table('credit_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_adjustment_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_adjustment_status'), ['status'], unique=False)

    op.create_table('credit_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('graded', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('grade', sa.String(length=2), nullable=True),
    sa.Column('previous_grade', sa.String(length=2), nullable=True),
    sa.Column('previous_score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('rulebook_version', sa.String(length=20), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('caps', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('trigger', sa.String(length=80), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_credit_grade_actor_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_credit_grade_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_grade'))
    )
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.create_index('ix_credit_grade_cycle_facility', ['cycle', 'facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_grade_facility_id'), ['facility_id'], unique=False)

    op.create_table('credit_repair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('pledge_signed_on', sa.Date(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'granted', 'rejected', name='repairstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('granted_on', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_credit_repair_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_credit_repair_facility_id_facility')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_credit_repair_filed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_repair'))
    )
    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_repair_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_repair_status'), ['status'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('routine', 'special', 'flight', 'recheck', 'double_random', 'cross', name='inspectionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Enum('plan', 'tipoff', 'screening', 'referral', name='inspectiontrigger', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('on_site', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'closed', name='inspectionstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_inspection_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_inspection_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_inspection_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_start_date'), ['start_date'], unique=False)

    op.create_table('self_inspection_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('amount_refunded_fen', sa.BigInteger(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_self_inspection_report_facility_id_facility')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_self_inspection_report_filed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_inspection_report'))
    )
    with op.batch_alter_table('self_inspection_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_inspection_report_facility_id'), ['facility_id'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('amount_involved_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_refunded_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_recovered_fen', sa.BigInteger(), nullable=False),
    sa.Column('legal_article', sa.String(length=10), nullable=False),
    sa.Column('fine_fen', sa.BigInteger(), nullable=False),
    sa.Column('decision_number', sa.String(length=80), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('self_corrected', sa.Boolean(), nullable=False),
    sa.Column('self_inspection_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'confirmed', 'revoked', name='findingstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_finding_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_finding_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_finding_facility_id_facility')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_finding_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_finding_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['self_inspection_id'], ['self_inspection_report.id'], name=op.f('fk_finding_self_inspection_id_self_inspection_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_category'), ['category'], unique=False)
        batch_op.create_index('ix_finding_facility_status_date', ['facility_id', 'status', 'decision_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_inspector',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_inspector_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_inspection_inspector_user_id_user_account')),
    sa.PrimaryKeyConstraint('inspection_id', 'user_id', name=op.f('pk_inspection_inspector'))
    )
    op.create_table('credit_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('grade_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'upheld', 'rejected', name='creditappealstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_credit_appeal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_credit_appeal_facility_id_facility')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_credit_appeal_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_credit_appeal_finding_id_finding')),
    sa.ForeignKeyConstraint(['grade_id'], ['credit_grade.id'], name=op.f('fk_credit_appeal_grade_id_credit_grade')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_appeal'))
    )
    with op.batch_alter_table('credit_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_appeal_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_appeal_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_appeal_status'), ['status'], unique=False)

    op.create_table('finding_result',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_finding_result_finding_id_finding')),
    sa.PrimaryKeyConstraint('finding_id', 'code', name=op.f('pk_finding_result'))
    )
    op.create_table('finding_staff',
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['finding.id'], name=op.f('fk_finding_staff_finding_id_finding')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_finding_staff_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('finding_id', 'staff_id', name=op.f('pk_finding_staff'))
    )
    with op.batch_alter_table('finding_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_staff_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blacklisted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('credit_grade', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('credit_score', sa.Numeric(precision=5, scale=1), nullable=True))
        batch_op.add_column(sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_facility_credit_grade'), ['credit_grade'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_facility_credit_grade'), table_name='facility')
    op.drop_column('facility', 'graded_at')
    op.drop_column('facility', 'credit_score')
    op.drop_column('facility', 'credit_grade')
    op.drop_column('facility', 'blacklisted')

    with op.batch_alter_table('finding_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_staff_staff_id'))

    op.drop_table('finding_staff')
    op.drop_table('finding_result')
    with op.batch_alter_table('credit_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_appeal_status'))
        batch_op.drop_index(batch_op.f('ix_credit_appeal_finding_id'))
        batch_op.drop_index(batch_op.f('ix_credit_appeal_facility_id'))

    op.drop_table('credit_appeal')
    op.drop_table('inspection_inspector')
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_inspection_id'))
        batch_op.drop_index('ix_finding_facility_status_date')
        batch_op.drop_index(batch_op.f('ix_finding_category'))

    op.drop_table('finding')
    with op.batch_alter_table('self_inspection_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_inspection_report_facility_id'))

    op.drop_table('self_inspection_report')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_start_date'))
        batch_op.drop_index(batch_op.f('ix_inspection_facility_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_repair_status'))
        batch_op.drop_index(batch_op.f('ix_credit_repair_facility_id'))

    op.drop_table('credit_repair')
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_grade_facility_id'))
        batch_op.drop_index('ix_credit_grade_cycle_facility')

    op.drop_table('credit_grade')
    with op.batch_alter_table('credit_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_adjustment_status'))
        batch_op.drop_index(batch_op.f('ix_credit_adjustment_facility_id'))

    op.drop_table('credit_adjustment')
