"""Sandbox numbers: every organization can send to the simulator before it connects Meta.

The app and the simulator share one master secret (COBRO_SIMULATOR_SECRET) and derive each sandbox
number's token and app secret from it, so the simulator needs no copy of our database and one
organization's sandbox credentials say nothing about another's.
"""

import hashlib
import hmac

_PHONE_PREFIX = "1555"
_WABA_PREFIX = "2555"


def phone_number_id(org_id: int) -> str:
    """The organization's sandbox phone number id, derived from its id: the simulator needs no database."""
    return f"{_PHONE_PREFIX}{org_id:09d}"


def waba_id(org_id: int) -> str:
    """The organization's sandbox WhatsApp Business Account id."""
    return f"{_WABA_PREFIX}{org_id:09d}"


def is_sandbox(phone_number_id: str) -> bool:
    """Whether a phone number id is a sandbox one, whose messages go to the simulator."""
    return len(phone_number_id) == 13 and phone_number_id.startswith(_PHONE_PREFIX) and phone_number_id.isdigit()


def waba_of(phone_number_id: str) -> str:
    """The sandbox WABA id that goes with a sandbox phone number id."""
    return _WABA_PREFIX + phone_number_id[len(_PHONE_PREFIX) :]


def number_of_waba(waba_id: str) -> str | None:
    """The sandbox number a sandbox WABA belongs to; None for any other WABA."""
    candidate = _PHONE_PREFIX + waba_id[len(_WABA_PREFIX) :]
    return candidate if waba_id.startswith(_WABA_PREFIX) and is_sandbox(candidate) else None


def credentials(master_secret: str, phone_number_id: str) -> tuple[str, str]:
    """(access token, app secret) of one sandbox number."""

    def derive(purpose: str) -> str:
        return hmac.new(master_secret.encode(), f"{purpose}:{phone_number_id}".encode(), hashlib.sha256).hexdigest()

    return "SIM" + derive("token"), derive("app-secret")
