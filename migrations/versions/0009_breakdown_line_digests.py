"""Credit breakdown digests by line: a breakdown's digest is now taken over the hashes of
its lines (each item but its source id) and the source ids, so a recompute can find its
stored breakdown without writing the JSON text first. Stored digests are recomputed;
the content does not change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 15:00:00.000000

"""

import hashlib
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CHUNK = 2000
LINE_KEYS = ("points", "rule", "source_type", "label", "changes_on")


def _line_digest(items: list[dict]) -> str:
    # As portal.operations.credit_breakdowns.items_digest (a test holds them equal).
    tokens = []
    for item in items:
        points, rule, source_type, label, changes_on = (item[k] for k in LINE_KEYS)
        text = json.dumps([float(points), rule, source_type, label, changes_on], ensure_ascii=False)
        tokens.append(hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest())
    sources = [item["source_id"] for item in items]
    data = b"".join(tokens) + repr(sources).encode("ascii")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _text_digest(items: list[dict]) -> str:
    # As migration 0006: the digest of the breakdown's JSON text.
    text = json.dumps(items, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _redigest(digest) -> None:
    bind = op.get_bind()
    breakdown = sa.Table("credit_breakdown", sa.MetaData(), sa.Column("id", sa.Integer),
                         sa.Column("digest", sa.String(32)), sa.Column("items", sa.JSON))  # fmt: skip
    update = (
        sa.update(breakdown)
        .where(breakdown.c.id == sa.bindparam("bid"))
        .values(digest=sa.bindparam("new"))
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(breakdown.c.id, breakdown.c["items"])
            .where(breakdown.c.id > last_id)
            .order_by(breakdown.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        bind.execute(update, [{"bid": bid, "new": digest(items)} for bid, items in rows])
        last_id = rows[-1][0]


def upgrade():
    _redigest(_line_digest)


def downgrade():
    _redigest(_text_digest)
