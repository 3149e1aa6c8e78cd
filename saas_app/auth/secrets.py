"""Random tokens shown once and stored only as hashes; password hashing with Argon2; secrets sealed at rest."""

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pwdlib import PasswordHash

from saas_app.settings import settings

_hasher = PasswordHash.recommended()
# Verified when the account does not exist, so that timing does not reveal which emails are registered.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token, to be shown once and stored only as its hash."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """What we store of a token: tokens are long and random, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(token: str, token_hash: str) -> bool:
    """Whether a token is the one stored, compared in constant time."""
    return hmac.compare_digest(hash_token(token), token_hash)


def hash_password(password: str) -> str:
    """The password's Argon2 hash, salted; the only form in which a password is stored."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether the password is right; with no hash to check it costs the same, so timing reveals no account."""
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def _sealer(keys: list[str] | None = None) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in (keys or settings.encryption_keys)])


def seal(secret: str, keys: list[str] | None = None) -> str:
    """Encrypt a credential for the database (COBRO_ENCRYPTION_KEY); empty stays empty."""
    return _sealer(keys).encrypt(secret.encode()).decode() if secret else ""


def unseal(sealed: str, keys: list[str] | None = None) -> str:
    """The credential back; raises ValueError when no configured key opens it (a rotated-out key)."""
    if not sealed:
        return ""
    try:
        return _sealer(keys).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise ValueError("this secret was sealed with a key that is no longer configured") from None
