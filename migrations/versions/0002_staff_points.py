"""Staff points: point records, restorations, appeals and warning-talk tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:03:19.247095

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('point_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('violation', sa.Text(), nullable=False),
    sa.Column('severity', sa.Enum('minor', 'moderate', 'serious', 'gravest', name='severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('responsibility', sa.Enum('general', 'important', 'main', name='responsibility', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('rulebook_version', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('source', sa.Enum('finding', 'screening', 'tipoff', 'manual', name='pointsource', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_point_record_facility_id_facility')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_point_record_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_point_record_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_point_record_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_record'))
    )
    with op.batch_alter_table('point_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_record_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_record_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_record_staff_id'), ['staff_id'], unique=False)

    op.create_table('point_restoration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('training', 'inspection', name='restorationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_point_restoration_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_point_restoration_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_restoration'))
    )
    with op.batch_alter_table('point_restoration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_restoration_staff_id'), ['staff_id'], unique=False)

    op.create_table('point_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'upheld', 'rejected', name='appealstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_point_appeal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_point_appeal_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['point_record.id'], name=op.f('fk_point_appeal_record_id_point_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_appeal'))
    )
    with op.batch_alter_table('point_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_appeal_record_id'), ['record_id'], unique=False)

    op.create_table('warning_talk_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'cancelled', name='taskstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_warning_talk_task_done_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_warning_talk_task_facility_id_facility')),
    sa.ForeignKeyConstraint(['record_id'], ['point_record.id'], name=op.f('fk_warning_talk_task_record_id_point_record')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_warning_talk_task_staff_id_staff_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_talk_task'))
    )
    with op.batch_alter_table('warning_talk_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_talk_task_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_talk_task_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_talk_task_staff_id'), ['staff_id'], unique=False)




def downgrade():

    with op.batch_alter_table('warning_talk_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_talk_task_staff_id'))
        batch_op.drop_index(batch_op.f('ix_warning_talk_task_record_id'))
        batch_op.drop_index(batch_op.f('ix_warning_talk_task_facility_id'))

    op.drop_table('warning_talk_task')
    with op.batch_alter_table('point_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_appeal_record_id'))

    op.drop_table('point_appeal')
    with op.batch_alter_table('point_restoration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_restoration_staff_id'))

    op.drop_table('point_restoration')
    with op.batch_alter_table('point_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_record_staff_id'))
        batch_op.drop_index(batch_op.f('ix_point_record_facility_id'))
        batch_op.drop_index(batch_op.f('ix_point_record_decided_on'))

    op.drop_table('point_record')

