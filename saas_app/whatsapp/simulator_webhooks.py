"""The webhook payloads the simulator posts, field for field as Meta's Cloud API writes them.

Pure builders, checked against Meta's reference examples in tests/data/meta/ (see the README
there): statuses with the recipient's `contacts` block and business-scoped user ids (BSUIDs) on
sent, delivered and read, none on failed; pricing on sent and delivered; the `conversation`
block only up to Graph API v23.0; errors with `code`, `title`, `message`, `error_data.details`
and `href`; replies with `from_user_id` and a `context` naming the business number they answer.
A share of the simulated people have a WhatsApp username (USERNAMES): their webhooks name them by
their BSUID alone, without their phone number, as Meta posts them (see as_posted).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from saas_app.core.phones import region_of

# Meta's last Graph API version that still sends the `conversation` block on statuses.
LAST_VERSION_WITH_CONVERSATIONS = 23
ERROR_CODES_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"
_CONVERSATION_LASTS = timedelta(hours=24)


@dataclass
class Usernames:
    """How many simulated people have a WhatsApp username, between 0 and 1: `cobro simulator --usernames`.

    Which ones is decided by their BSUID, so a person keeps or lacks one for the whole run. Nobody has
    one by default in process (tests and benchmarks that want some set the share).
    """

    share: float = 0.0

    def has_one(self, user_id: str) -> bool:
        """Whether the person with this BSUID has a username."""
        if self.share <= 0 or not user_id:
            return False
        drawn = int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8]) / 2**64
        return drawn < self.share


USERNAMES = Usernames()
# Every BSUID handed out, and whose phone it is: a send addressed to a `recipient` reaches that phone.
_PHONES: dict[str, str] = {}


def bsuid(business_id: str, phone: str) -> str:
    """The user's business-scoped id: their country, a dot and 20 digits, the same every time for this
    business (Meta scopes it to the business portfolio, so every number of the account shares it)."""
    digits = phone.lstrip("+")
    country = region_of(f"+{digits}") or "US"
    hashed = int.from_bytes(hashlib.sha256(f"{business_id}:{digits}".encode()).digest()[:16])
    user_id = f"{country}.{10**19 + hashed % (9 * 10**19)}"
    _PHONES[user_id] = digits
    return user_id


def phone_of(user_id: str) -> str:
    """The phone number (digits) behind a BSUID the simulator handed out; empty for one it never did."""
    return _PHONES.get(user_id, "")


def as_posted(value: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A change as Meta posts it: a person with a username is named by their BSUID alone, their phone
    number left out of `contacts` (`wa_id`), statuses (`recipient_id`) and messages (`from`).

    A failed status keeps its `recipient_id`: it names no BSUID, the message having gone to a phone number.
    """
    if USERNAMES.share <= 0:
        return value
    return {key: [_without_phone(key, item) for item in items] for key, items in value.items()}


def _without_phone(key: str, item: Any) -> Any:
    phone, user_id = {
        "contacts": ("wa_id", "user_id"),
        "statuses": ("recipient_id", "recipient_user_id"),
        "messages": ("from", "from_user_id"),
    }.get(key, ("", ""))
    if not isinstance(item, dict) or not USERNAMES.has_one(str(item.get(user_id, ""))):
        return item
    kept = {name: field for name, field in item.items() if name != phone}
    if key == "contacts":
        kept["profile"] = {**item.get("profile", {}), "username": f"@debtor{item[user_id][-6:]}"}
    return kept


def contact(phone: str, user_id: str, name: str) -> dict[str, Any]:
    """The person a change is about, as the `contacts` block beside statuses and messages names them."""
    return {"profile": {"name": name}, "wa_id": phone.lstrip("+"), "user_id": user_id}


def version_number(version: str) -> int:
    """'v23.0' -> 23; a path that names no version counts as the newest."""
    head = version.lstrip("v").split(".")[0]
    return int(head) if head.isdigit() else 10**6


def pricing(category: str, free: bool) -> dict[str, Any]:
    """Per-message pricing: a utility template or a reply inside the service window is free."""
    return {
        "billable": not free,
        "pricing_model": "PMP",
        "type": "free_customer_service" if free else "regular",
        "category": category,
    }


def conversation(conversation_id: str, category: str, opened_at: datetime | None) -> dict[str, Any]:
    """v23.0 and older: one id per message; the expiry only on the `sent` status (`opened_at` given)."""
    block: dict[str, Any] = {"id": conversation_id}
    if opened_at is not None:
        block["expiration_timestamp"] = _stamp(opened_at + _CONVERSATION_LASTS)
    block["origin"] = {"type": category}
    return block


def error(code: int, title: str, details: str) -> dict[str, Any]:
    """One entry of a failed status's `errors`: Meta repeats the title as the message."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_CODES_HREF,
    }


def status(
    wamid: str,
    name: str,
    at: datetime,
    phone: str,
    user_id: str,
    *,
    callback_data: str = "",
    billing: dict[str, Any] | None = None,
    conversation_block: dict[str, Any] | None = None,
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of `statuses`. A failed one names no BSUID: the message went to a phone number."""
    item: dict[str, Any] = {"id": wamid, "status": name, "timestamp": _stamp(at), "recipient_id": phone.lstrip("+")}
    if failure is None:
        item["recipient_user_id"] = user_id
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    if conversation_block is not None:
        item["conversation"] = conversation_block
    if billing is not None:
        item["pricing"] = billing
    if failure is not None:
        item["errors"] = [failure]
    return item


def message(
    wamid: str, phone: str, user_id: str, at: datetime, business_number: str, replied_to: str, **content: Any
) -> dict[str, Any]:
    """One entry of `messages`, answering our message `replied_to` sent from `business_number`.

    `content` is the type's own block, e.g. text={"body": ...} or button={"payload": ..., "text": ...}.
    """
    (kind,) = content
    item: dict[str, Any] = {}
    if replied_to:
        item["context"] = {"from": business_number.lstrip("+").replace(" ", ""), "id": replied_to}
    item |= {
        "from": phone.lstrip("+"),
        "from_user_id": user_id,
        "id": wamid,
        "timestamp": _stamp(at),
        "type": kind,
        kind: content[kind],
    }
    return item


def template_status(
    waba_id: str, template_id: int, name: str, language: str, category: str, event: str, at: datetime
) -> dict[str, Any]:
    """A `message_template_status_update` change: the review's outcome for one template."""
    value = {
        "event": event,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "reason": "NONE",
        "message_template_category": category,
    }
    change = {"value": value, "field": "message_template_status_update"}
    return {
        "entry": [{"id": waba_id, "time": int(at.timestamp()), "changes": [change]}],
        "object": "whatsapp_business_account",
    }


def _stamp(at: datetime) -> str:
    return str(int(at.timestamp()))
