"""Appending to and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import has_request_context, request
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models.audit import AuditAnchor, AuditLog

GENESIS_HASH = "0" * 64


def _content_hash(row: AuditLog) -> str:
    content = {
        "seq": row.seq,
        "created_at": row.created_at.isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "summary": row.summary,
        "ip": row.ip,
        "note": row.note,
        "prev_hash": row.prev_hash,
    }
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _lock_anchor() -> AuditAnchor:
    """Return the chain head, locked until the transaction ends (PostgreSQL row lock;
    SQLite serialises writers anyway)."""
    anchor = db.session.scalar(select(AuditAnchor).with_for_update())
    if anchor is None:
        anchor = AuditAnchor(id=1, last_seq=0, last_hash=GENESIS_HASH)
        db.session.add(anchor)
        db.session.flush()
    return anchor


def _diff(before: dict | None, after: dict | None) -> dict:
    """Keep only the keys that changed, so the log says what happened."""
    if before is None or after is None:
        return {"before": before, "after": after}
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in changed},
        "after": {k: after.get(k) for k in changed},
    }


def record_audit(
    actor,
    action: str,
    object_type: str,
    object_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditLog:
    """Append one row to the chain. ``actor`` is a User or None (system/CLI).

    Personal data must already be masked in ``before``/``after``.
    """
    anchor = _lock_anchor()
    ip = ""
    if has_request_context():
        ip = (request.remote_addr or "")[:45]
    row = AuditLog(
        seq=anchor.last_seq + 1,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=_diff(before, after),
        ip=ip,
        note=note,
        prev_hash=anchor.last_hash,
    )
    row.hash = _content_hash(row)
    anchor.last_seq = row.seq
    anchor.last_hash = row.hash
    anchor.updated_at = row.created_at
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    bad_seq: int | None = None
    reason: str = ""


def verify_chain() -> ChainReport:
    """Walk the chain in order; report the first row that was altered, removed or reordered."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    # Closed on every exit: on PostgreSQL yield_per streams through a server-side cursor.
    with db.session.scalars(
        select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=1000)
    ) as rows:
        for row in rows:
            count += 1
            if row.seq != expected_seq:
                return ChainReport(False, count, expected_seq, f"row seq {expected_seq} is missing")
            if row.prev_hash != prev_hash:
                return ChainReport(False, count, row.seq, "previous-hash link is broken")
            if _content_hash(row) != row.hash:
                return ChainReport(False, count, row.seq, "content does not match its hash")
            prev_hash = row.hash
            expected_seq += 1
    anchor = db.session.get(AuditAnchor, 1)
    last_seq = expected_seq - 1
    if anchor is not None and (anchor.last_seq != last_seq or anchor.last_hash != prev_hash):
        if anchor.last_seq > last_seq:
            return ChainReport(
                False, count, last_seq + 1, f"rows {last_seq + 1}..{anchor.last_seq} are missing"
            )
        return ChainReport(False, count, anchor.last_seq, "chain head does not match the log")
    return ChainReport(True, count)
