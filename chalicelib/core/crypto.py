"""Keyed hashes and field encryption for personal identifiers.

The NIK is never stored in clear or in keys: an HMAC for lookups, AES-GCM for the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def keyed_hash(key: str, value: str, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``, domain-separated by ``purpose``; hex, 64 chars."""
    mac = hmac.new(key.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def _aes_key(secret: str) -> bytes:
    return hashlib.sha256(("pii-aead\x00" + secret).encode()).digest()


def encrypt_field(secret: str, plaintext: str, context: str) -> str:
    """AES-256-GCM with the object id as associated data, so a ciphertext cannot be moved."""
    nonce = os.urandom(12)
    sealed = AESGCM(_aes_key(secret)).encrypt(nonce, plaintext.encode(), context.encode())
    return base64.b64encode(nonce + sealed).decode()


def decrypt_field(secret: str, token: str, context: str) -> str:
    raw = base64.b64decode(token)
    return AESGCM(_aes_key(secret)).decrypt(raw[:12], raw[12:], context.encode()).decode()


def sign(secret: str, payload: bytes) -> str:
    mac = hmac.new(secret.encode(), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def verify_signature(secret: str, payload: bytes, signature: str) -> bool:
    """Constant-time; any non-ASCII signature (never one we made) is simply not valid."""
    return signature.isascii() and hmac.compare_digest(sign(secret, payload), signature)
