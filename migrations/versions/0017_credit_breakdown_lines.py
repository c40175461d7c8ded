"""Credit breakdowns by line: each distinct line (an item but the record it names) is
stored once in credit_breakdown_line, and a breakdown holds only its lines' ids and the
records they name ("<line id>:<source id>", space-separated) instead of the JSON of every
item. A finding's line reads the same for every finding of its category, year and amount
band, so a first recompute of 10,000 facilities wrote some 30 MB of JSON, most of it
repeated labels, where the new text is a tenth of that. The items read back are the same,
and so are the digests (taken line by line since 0009).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 16:00:00.000000

"""

import hashlib
import json
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CHUNK = 2000
LINE_KEYS = ("points", "rule", "source_type", "label", "changes_on")
CHECK = "credit_grade_breakdown_check"
SQLITE_CHECK = (
    f"CREATE TRIGGER {CHECK} BEFORE INSERT ON credit_grade "
    "WHEN NOT EXISTS (SELECT 1 FROM credit_breakdown b "
    "WHERE b.id = NEW.breakdown_id AND b.facility_id = NEW.facility_id) "
    "BEGIN SELECT RAISE(ABORT, '信用评价记录（credit_grade）须指向本机构的评分明细"
    "（credit_breakdown）'); END"
)

meta = sa.MetaData()
line_table = sa.Table(
    "credit_breakdown_line", meta,
    sa.Column("id", sa.Integer), sa.Column("token", sa.String(32)),
    sa.Column("points", sa.Numeric(7, 1)), sa.Column("rule", sa.String(60)),
    sa.Column("source_type", sa.String(30)), sa.Column("label", sa.Text),
    sa.Column("changes_on", sa.Date),
)  # fmt: skip
breakdown_table = sa.Table(
    "credit_breakdown", meta,
    sa.Column("id", sa.Integer), sa.Column("items", sa.JSON), sa.Column("lines", sa.Text),
)  # fmt: skip


def _token(item: dict) -> str:
    # As portal.operations.credit_breakdowns._line_token (a test holds them equal).
    points, rule, source_type, label, changes_on = (item[k] for k in LINE_KEYS)
    text = json.dumps([float(points), rule, source_type, label, changes_on], ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _chunks(bind, column):
    """(id, value of ``column``) of every breakdown, CHUNK rows at a time."""
    last_id = 0
    while rows := bind.execute(
        sa.select(breakdown_table.c.id, column)
        .where(breakdown_table.c.id > last_id)
        .order_by(breakdown_table.c.id)
        .limit(CHUNK)
    ).all():
        yield rows
        last_id = rows[-1][0]


def _line_ids(bind, items: list[dict]) -> dict[str, int]:
    """Ids of the lines of ``items`` by token, storing those not stored yet."""
    lines = {_token(item): item for item in items}
    ids = {}
    tokens = sorted(lines)
    for start in range(0, len(tokens), CHUNK):
        wanted = tokens[start : start + CHUNK]
        ids.update(bind.execute(
            sa.select(line_table.c.token, line_table.c.id).where(line_table.c.token.in_(wanted))
        ).all())  # fmt: skip
    missing = [token for token in tokens if token not in ids]
    if missing:
        bind.execute(line_table.insert(), [
            {"token": token, "points": Decimal(str(lines[token]["points"])),
             "rule": lines[token]["rule"], "source_type": lines[token]["source_type"],
             "label": lines[token]["label"],
             "changes_on": date.fromisoformat(lines[token]["changes_on"])
             if lines[token]["changes_on"] else None}
            for token in missing
        ])  # fmt: skip
        for start in range(0, len(missing), CHUNK):
            ids.update(bind.execute(
                sa.select(line_table.c.token, line_table.c.id)
                .where(line_table.c.token.in_(missing[start : start + CHUNK]))
            ).all())  # fmt: skip
    return ids


def _sqlite_without_check(bind, alter) -> None:
    """Run ``alter`` (a batch operation, which copies the table on SQLite); SQLite refuses
    to rename the copy while the history's trigger names the table, so the trigger goes
    for the while."""
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute(f"DROP TRIGGER {CHECK}")
    alter()
    if sqlite:
        op.execute(SQLITE_CHECK)


def upgrade():
    op.create_table(
        "credit_breakdown_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Numeric(precision=7, scale=1), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("source_type", sa.String(length=30), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("changes_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_breakdown_line")),
        sa.UniqueConstraint("token", name=op.f("uq_credit_breakdown_line_token")),
    )
    with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines", sa.Text(), nullable=True))
    bind = op.get_bind()
    for rows in _chunks(bind, breakdown_table.c["items"]):
        ids = _line_ids(bind, [item for _bid, items in rows for item in items])
        bind.execute(
            breakdown_table.update()
            .where(breakdown_table.c.id == sa.bindparam("bid"))
            .values(lines=sa.bindparam("text")),
            [
                {"bid": bid, "text": " ".join(
                    f"{ids[_token(item)]}:{'' if item['source_id'] is None else item['source_id']}"
                    for item in items
                )}  # fmt: skip
                for bid, items in rows
            ],
        )

    def alter():
        with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
            batch_op.alter_column("lines", existing_type=sa.Text(), nullable=False)
            batch_op.drop_column("items")

    _sqlite_without_check(bind, alter)


def downgrade():
    with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items", sa.JSON(), nullable=True))
    bind = op.get_bind()
    lines = {
        row.id: {
            "points": float(row.points), "rule": row.rule, "source_type": row.source_type,
            "label": row.label,
            "changes_on": row.changes_on.isoformat() if row.changes_on else None,
        }
        for row in bind.execute(sa.select(line_table))
    }  # fmt: skip
    for rows in _chunks(bind, breakdown_table.c.lines):
        values = []
        for bid, text in rows:
            items = []
            for ref in text.split():
                line_id, _colon, source = ref.partition(":")
                line = lines[int(line_id)]
                items.append({
                    "points": line["points"], "rule": line["rule"],
                    "source_type": line["source_type"],
                    "source_id": int(source) if source else None,
                    "label": line["label"], "changes_on": line["changes_on"],
                })  # fmt: skip
            values.append({"bid": bid, "items": items})
        bind.execute(
            breakdown_table.update()
            .where(breakdown_table.c.id == sa.bindparam("bid"))
            .values(items=sa.bindparam("items")),
            values,
        )

    def alter():
        with op.batch_alter_table("credit_breakdown", schema=None) as batch_op:
            batch_op.alter_column("items", existing_type=sa.JSON(), nullable=False)
            batch_op.drop_column("lines")

    _sqlite_without_check(bind, alter)
    op.drop_table("credit_breakdown_line")
