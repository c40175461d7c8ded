"""Accounts, roles and staff API tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db
from portal.models.enums import BUREAU_ROLES, Role, enum_column_type
from portal.models.facility import Facility


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    #: werkzeug hash string (scrypt by default), never the password.
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    #: The one facility a facility user acts for; empty for bureau staff.
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Part of every log-in session's user id: raised when the user logs out or the
    #: password, role or facility changes, which ends every session that carries the old
    #: value (sessions live in signed cookies, so a copied cookie would otherwise stay valid).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    facility: Mapped[Facility | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    def get_id(self) -> str:  # Flask-Login: the user id a session carries
        return f"{self.id}.{self.session_epoch}"

    def end_sessions(self) -> None:
        """End every log-in session of this user (the caller commits)."""
        self.session_epoch += 1

    @property
    def is_bureau(self) -> bool:
        return self.role in BUREAU_ROLES

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def audit_summary(self) -> dict:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "facility": self.facility.site_code if self.facility else None,
            "active": self.active,
        }

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token for a staff account; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: First characters of the token, shown to tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()
