"""Signed webhook bodies in Stripe's scheme: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`.

Stripe signs its events this way; our own payment format and the events we send out use it too,
so that one verifier (and the tenants' existing Stripe code) serves every direction.
"""

import hashlib
import hmac

TOLERANCE_SECONDS = 300  # Stripe's default: an older signature may be a replay


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The HMAC-SHA256 of the timestamp and body, so a receiver can reject replays and forged payloads."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    """The Cobro-Signature header of our outgoing webhooks: t=<timestamp>,v1=<signature>."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(signature_header: str, secret: str, body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether one of the header's v1 signatures is this body's under `secret`, made within `tolerance`."""
    if not secret:
        return False
    timestamp, candidates = None, []
    for part in signature_header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
