"""Collector credentials, encrypted at rest with Fernet (``cryptography``).

The keys come from ``COLLECTOR_CREDENTIALS_KEYS``: comma-separated Fernet keys, the first
encrypting and every one decrypting (so a key can be rotated: put the new one first,
run ``performance-platform collect --rotate-keys``, then drop the old). Without it, local
use gets a key derived from ``SECRET_KEY``, so ``make run`` needs no setup; production
sets its own (docs/configuration.md).
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from .errors import ConfigProblem


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.COLLECTOR_CREDENTIALS_KEYS.split(",") if k.strip()]
    if not keys:
        digest = hashlib.sha256(b"collector-credentials:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(credentials: dict) -> str:
    """The encrypted form of ``credentials`` (``""`` for none)."""
    if not credentials:
        return ""
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict:
    """The credentials ``encrypt`` made; ``{}`` for none.

    A token no key opens (the keys changed) is a :class:`ConfigProblem` that names the
    setting, never the token.
    """
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        raise ConfigProblem(
            "The saved credentials cannot be decrypted with COLLECTOR_CREDENTIALS_KEYS: "
            "save them again, or restore the key they were saved with."
        )


def rotate(token: str) -> str:
    """``token`` encrypted again under the first key."""
    return _fernet().rotate(token.encode()).decode() if token else ""
