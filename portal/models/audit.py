"""Append-only audit log with a hash chain.

Every row carries ``seq`` (1, 2, 3 ... without gaps), the previous row's hash and a
SHA-256 over its own content plus that previous hash. ``AuditAnchor`` keeps the last
sequence number and hash so that deleting the newest rows is detected as well.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, contiguous from 1.
    seq: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    #: Username at the time of the action (accounts may be renamed later).
    actor_name: Mapped[str] = mapped_column(String(64))
    #: Dotted action name, e.g. ``facility.create``.
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    #: ``{"before": {...}, "after": {...}}`` with personal data already masked.
    summary: Mapped[dict] = mapped_column(JSON)
    ip: Mapped[str] = mapped_column(String(45), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class AuditAnchor(db.Model):
    """The chain head: one row, updated in the same transaction as every append."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
