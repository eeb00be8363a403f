"""Bearer secrets that are shown once and stored only as a digest.

The tokens are 256 random bits, so a plain SHA-256 is enough: nobody can guess a preimage, and
a fast hash keeps each API request cheap (a password hasher would not).
"""

from __future__ import annotations

import hashlib
import secrets


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh `prefix_…` token and the digest to store in its place."""
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    return raw, digest(raw)
