"""Encryption of OAuth tokens at rest with MultiFernet (first key encrypts, all decrypt)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipher:
    """Encrypts and decrypts token strings with a list of Fernet keys."""

    def __init__(self, keys: tuple[str, ...] | list[str]):
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a token for storage."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt a stored token; raises InvalidToken when no key fits."""
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt a stored token under the first key."""
        return self._fernet.rotate(ciphertext.encode()).decode()


def new_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode()


__all__ = ["InvalidToken", "TokenCipher", "new_key"]
