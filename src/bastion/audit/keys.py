"""Key material: the Ed25519 checkpoint signing key, the HMAC key, the key that wraps per-team content keys.

Each comes from config (or env), else is generated on first start and stored in the audit directory with
mode 0600 (created with O_EXCL, so workers starting together agree on one key)."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIGNING_ENV = "BASTION_AUDIT_SIGNING_KEY"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.strip(), validate=True)


def stored_secret(path: Path, size: int = 32) -> bytes:
    """The secret in `path` (base64), created with random bytes when absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return unb64(path.read_text())
    with os.fdopen(fd, "w") as f:
        f.write(b64(os.urandom(size)) + "\n")
    return unb64(path.read_text())


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(slots=True)
class Signer:
    private: Ed25519PrivateKey

    @classmethod
    def from_seed(cls, seed: bytes) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public(self) -> bytes:
        return public_bytes(self.private.public_key())

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


class TrustedKeys:
    """Public keys a verifier accepts, by key id."""

    def __init__(self, publics: list[bytes]) -> None:
        self.keys = {key_id(p): Ed25519PublicKey.from_public_bytes(p) for p in publics}

    def verify(self, kid: str, signature_hex: str, message: bytes) -> bool:
        key = self.keys.get(kid)
        if key is None:
            return False
        try:
            key.verify(bytes.fromhex(signature_hex), message)
        except (InvalidSignature, ValueError):
            return False
        return True
