"""Credit breakdowns stored once per facility and distinct content: a grade computation
points at its breakdown, so a daily recompute that finds the same facts no longer copies
the whole breakdown into every history row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00.000000

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CHUNK = 2000


def _digest(text: str) -> str:
    # As portal.operations.credit.breakdown_digest.
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def upgrade():
    op.create_table('credit_breakdown',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_credit_breakdown_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_breakdown')),
    sa.UniqueConstraint('facility_id', 'digest', name='uq_credit_breakdown_facility_digest')
    )
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breakdown_id', sa.Integer(), nullable=True))

    # Move every stored breakdown into credit_breakdown, once per facility and content.
    bind = op.get_bind()
    meta = sa.MetaData()
    grade = sa.Table('credit_grade', meta, sa.Column('id', sa.Integer), sa.Column('facility_id', sa.Integer),
                     sa.Column('computed_at', sa.DateTime(timezone=True)), sa.Column('breakdown', sa.JSON),
                     sa.Column('breakdown_id', sa.Integer))
    breakdown = sa.Table('credit_breakdown', meta, sa.Column('id', sa.Integer), sa.Column('facility_id', sa.Integer),
                         sa.Column('digest', sa.String(32)), sa.Column('items', sa.JSON),
                         sa.Column('created_at', sa.DateTime(timezone=True)))
    known: dict[tuple[int, str], int] = {}
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(grade.c.id, grade.c.facility_id, grade.c.computed_at, grade.c.breakdown)
            .where(grade.c.id > last_id).order_by(grade.c.id).limit(CHUNK)
        ).all()
        if not rows:
            break
        for grade_id, facility_id, computed_at, items in rows:
            key = (facility_id, _digest(json.dumps(items, ensure_ascii=False)))
            if key not in known:
                known[key] = bind.execute(
                    sa.insert(breakdown).values(facility_id=facility_id, digest=key[1], items=items,
                                                created_at=computed_at).returning(breakdown.c.id)
                ).scalar_one()
            bind.execute(sa.update(grade).where(grade.c.id == grade_id).values(breakdown_id=known[key]))
        last_id = rows[-1][0]

    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.alter_column('breakdown_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_credit_grade_breakdown_id'), ['breakdown_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_credit_grade_breakdown_id_credit_breakdown'), 'credit_breakdown', ['breakdown_id'], ['id'])
        batch_op.drop_column('breakdown')


def downgrade():
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breakdown', sa.JSON(), nullable=True))
    bind = op.get_bind()
    meta = sa.MetaData()
    grade = sa.Table('credit_grade', meta, sa.Column('id', sa.Integer), sa.Column('breakdown', sa.JSON),
                     sa.Column('breakdown_id', sa.Integer))
    breakdown = sa.Table('credit_breakdown', meta, sa.Column('id', sa.Integer), sa.Column('items', sa.JSON))
    for breakdown_id, items in bind.execute(sa.select(breakdown.c.id, breakdown.c["items"])).all():
        bind.execute(sa.update(grade).where(grade.c.breakdown_id == breakdown_id).values(breakdown=items))
    with op.batch_alter_table('credit_grade', schema=None) as batch_op:
        batch_op.alter_column('breakdown', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_credit_grade_breakdown_id_credit_breakdown'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_credit_grade_breakdown_id'))
        batch_op.drop_column('breakdown_id')

    op.drop_table('credit_breakdown')
