"""Integrity pledges: template versions, campaigns, pledges, uploaded scans, review
decisions, the render cache, posting checks at inspections, reminders and notice addresses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:23:40.536930

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pledge_contact',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_pledge_contact_facility_id_facility')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_pledge_contact_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('facility_id', name=op.f('pk_pledge_contact'))
    )
    op.create_table('pledge_template_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('institution', 'pharmacy', name='pledgetemplatekind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_pledge_template_version_issued_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_template_version')),
    sa.UniqueConstraint('kind', 'version', name=op.f('uq_pledge_template_version_kind'))
    )
    op.create_table('pledge_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('institution_template_id', sa.Integer(), nullable=False),
    sa.Column('pharmacy_template_id', sa.Integer(), nullable=False),
    sa.Column('target_counties', sa.JSON(), nullable=False),
    sa.Column('target_kinds', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_pledge_campaign_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['institution_template_id'], ['pledge_template_version.id'], name=op.f('fk_pledge_campaign_institution_template_id_pledge_template_version')),
    sa.ForeignKeyConstraint(['pharmacy_template_id'], ['pledge_template_version.id'], name=op.f('fk_pledge_campaign_pharmacy_template_id_pledge_template_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_campaign'))
    )
    with op.batch_alter_table('pledge_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_campaign_year'), ['year'], unique=False)

    op.create_table('pledge_rendered_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=10), nullable=False),
    sa.Column('data_hash', sa.String(length=64), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_version_id'], ['pledge_template_version.id'], name=op.f('fk_pledge_rendered_file_template_version_id_pledge_template_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_rendered_file')),
    sa.UniqueConstraint('template_version_id', 'variant', 'data_hash', name=op.f('uq_pledge_rendered_file_template_version_id'))
    )
    with op.batch_alter_table('pledge_rendered_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_rendered_file_file_key'), ['file_key'], unique=False)

    op.create_table('pledge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('document_number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('not_downloaded', 'downloaded', 'uploaded', 'verified', 'rejected', name='pledgestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_downloaded_by_id', sa.Integer(), nullable=True),
    sa.Column('upload_count', sa.Integer(), nullable=False),
    sa.Column('last_uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_upload_version', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['pledge_campaign.id'], name=op.f('fk_pledge_campaign_id_pledge_campaign')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_pledge_facility_id_facility')),
    sa.ForeignKeyConstraint(['first_downloaded_by_id'], ['user_account.id'], name=op.f('fk_pledge_first_downloaded_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_pledge_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['template_version_id'], ['pledge_template_version.id'], name=op.f('fk_pledge_template_version_id_pledge_template_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge')),
    sa.UniqueConstraint('campaign_id', 'facility_id', name=op.f('uq_pledge_campaign_id')),
    sa.UniqueConstraint('document_number', name=op.f('uq_pledge_document_number'))
    )
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_status'), ['status'], unique=False)

    op.create_table('pledge_posting_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('posted', sa.Boolean(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_key', sa.String(length=64), nullable=True),
    sa.Column('photo_media_type', sa.String(length=40), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['pledge_campaign.id'], name=op.f('fk_pledge_posting_check_campaign_id_pledge_campaign')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_pledge_posting_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_pledge_posting_check_facility_id_facility')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_pledge_posting_check_inspection_id_inspection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_posting_check'))
    )
    with op.batch_alter_table('pledge_posting_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_posting_check_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_posting_check_checked_on'), ['checked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_posting_check_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_posting_check_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_posting_check_photo_key'), ['photo_key'], unique=False)

    op.create_table('pledge_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'rejected', 'verified', name='reminderkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('emailed_to', sa.String(length=254), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_pledge_reminder_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_pledge_reminder_pledge_id_pledge')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_reminder'))
    )
    with op.batch_alter_table('pledge_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_reminder_pledge_id'), ['pledge_id'], unique=False)

    op.create_table('pledge_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_pledge_upload_pledge_id_pledge')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_pledge_upload_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_upload')),
    sa.UniqueConstraint('pledge_id', 'version', name=op.f('uq_pledge_upload_pledge_id'))
    )
    with op.batch_alter_table('pledge_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_upload_file_key'), ['file_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_pledge_upload_pledge_id'), ['pledge_id'], unique=False)

    op.create_table('pledge_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('verified', 'rejected', name='pledgeoutcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_pledge_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_pledge_decision_pledge_id_pledge')),
    sa.ForeignKeyConstraint(['upload_id'], ['pledge_upload.id'], name=op.f('fk_pledge_decision_upload_id_pledge_upload')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_decision'))
    )
    with op.batch_alter_table('pledge_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_decision_pledge_id'), ['pledge_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pledge_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_decision_pledge_id'))

    op.drop_table('pledge_decision')
    with op.batch_alter_table('pledge_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_upload_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_upload_file_key'))

    op.drop_table('pledge_upload')
    with op.batch_alter_table('pledge_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_reminder_pledge_id'))

    op.drop_table('pledge_reminder')
    with op.batch_alter_table('pledge_posting_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_posting_check_photo_key'))
        batch_op.drop_index(batch_op.f('ix_pledge_posting_check_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_posting_check_facility_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_posting_check_checked_on'))
        batch_op.drop_index(batch_op.f('ix_pledge_posting_check_campaign_id'))

    op.drop_table('pledge_posting_check')
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_status'))
        batch_op.drop_index(batch_op.f('ix_pledge_facility_id'))
        batch_op.drop_index(batch_op.f('ix_pledge_campaign_id'))

    op.drop_table('pledge')
    with op.batch_alter_table('pledge_rendered_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_rendered_file_file_key'))

    op.drop_table('pledge_rendered_file')
    with op.batch_alter_table('pledge_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_campaign_year'))

    op.drop_table('pledge_campaign')
    op.drop_table('pledge_template_version')
    op.drop_table('pledge_contact')
