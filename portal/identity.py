"""Encryption of personal identity numbers.

Values are encrypted with Fernet under the identity key; a separate HMAC key derived
from it gives a stable hash for exact look-up and uniqueness without decrypting.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _key() -> bytes:
    return current_app.config["IDENTITY_KEY"].encode("ascii")


def _hmac_key() -> bytes:
    return hashlib.sha256(b"medcredit-id-hash:" + _key()).digest()


def encrypt_identity(value: str) -> bytes:
    return Fernet(_key()).encrypt(value.encode("utf-8"))


def decrypt_identity(token: bytes) -> str:
    try:
        return Fernet(_key()).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise RuntimeError("identity value cannot be decrypted with the configured key") from exc


def identity_hash(value: str) -> str:
    return hmac.new(_hmac_key(), value.strip().upper().encode("utf-8"), "sha256").hexdigest()
