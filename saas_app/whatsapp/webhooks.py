"""Meta's webhooks, in and out of their wire format: the handshake, the signature, the events.

Pure: bytes and dicts in, typed events out. Storing and applying them is the services' job.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from saas_app.core.messages import MessageStatus

# A message's statuses only move forward; "failed" is final whatever arrives after it.
# `expired` is ours: the failure Meta reports when a time-to-live ran out, ranked as one.
S = MessageStatus
STATUS_RANK: dict[str, int] = {
    S.SCHEDULED: 0,
    S.SENDING: 0,
    S.SENT: 1,
    S.DELIVERED: 2,
    S.READ: 3,
    S.FAILED: 4,
    S.EXPIRED: 4,
}


def handshake(params: dict[str, str], verify_token: str) -> str | None:
    """The challenge to echo when Meta subscribes with our verify token; None refuses."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(params.get("hub.verify_token", ""), verify_token):
        return None
    return params.get("hub.challenge", "")


def signature_of(raw_body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends: the body's HMAC-SHA256 with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def signature_is_valid(raw_body: bytes, header: str, app_secret: str) -> bool:
    """X-Hub-Signature-256 over the raw bytes (re-serialized JSON would break accented names)."""
    if not app_secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(signature_of(raw_body, app_secret), header.strip())


def moves_forward(current: str, incoming: str) -> bool:
    """Whether a status webhook may replace the current status: duplicates and late arrivals may not."""
    return STATUS_RANK.get(incoming, -1) > STATUS_RANK.get(current, -1)


@dataclass(frozen=True)
class StatusEvent:
    phone_number_id: str
    wamid: str
    status: str
    at: datetime
    recipient: str = ""  # E.164 with +; empty when Meta names the person only by their BSUID
    user_id: str = ""  # the recipient's business-scoped user id (BSUID), when Meta gives it
    callback_data: str = ""  # our message id, echoed from biz_opaque_callback_data
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class InboundEvent:
    phone_number_id: str
    wamid: str
    sender: str  # E.164 with +; empty for a user with a username, whom Meta names only by their BSUID
    at: datetime
    kind: str  # text, button, interactive, document, image, ...
    text: str = ""
    button_payload: str = ""
    replied_to: str = ""  # the wamid of our message it answers
    user_id: str = ""
    profile_name: str = ""


@dataclass(frozen=True)
class TemplateStatusEvent:
    waba_id: str
    name: str
    language: str
    status: str  # APPROVED, REJECTED, PAUSED, DISABLED, ...
    reason: str = ""


@dataclass
class Batch:
    statuses: list[StatusEvent] = field(default_factory=list)
    inbound: list[InboundEvent] = field(default_factory=list)
    templates: list[TemplateStatusEvent] = field(default_factory=list)
    phone_number_ids: set[str] = field(default_factory=set)


def _time(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def _phone(value: str) -> str:
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return f"+{digits}" if digits else ""


class _Contacts:
    """A change's `contacts` block: each person by phone number and by business-scoped user id (BSUID)."""

    def __init__(self, contacts: Any) -> None:
        people = [c for c in contacts or [] if isinstance(c, dict)]
        self.by_phone = {str(c["wa_id"]): c for c in people if c.get("wa_id")}
        self.by_user_id = {str(c["user_id"]): c for c in people if c.get("user_id")}

    def about(self, phone: str, user_id: str) -> dict[str, Any]:
        """The entry about this person: by phone number, else (a user with a username) by BSUID."""
        return self.by_phone.get(phone) or self.by_user_id.get(user_id) or {}

    def person(self, phone: str, user_id: str) -> tuple[str, str]:
        """Phone digits and BSUID of the person an item names, each filled in from here when the item lacks it."""
        if phone and user_id:
            return phone, user_id
        found = self.about(phone, user_id)
        return phone or str(found.get("wa_id", "")), user_id or str(found.get("user_id", ""))


def _inbound(phone_number_id: str, item: dict[str, Any], contacts: _Contacts) -> InboundEvent:
    kind = str(item.get("type", ""))
    text = payload = ""
    if kind == "text":
        text = str(item.get("text", {}).get("body", ""))
    elif kind == "button":
        text, payload = str(item["button"].get("text", "")), str(item["button"].get("payload", ""))
    elif kind == "interactive":
        reply = item["interactive"].get("button_reply") or item["interactive"].get("list_reply") or {}
        text, payload = str(reply.get("title", "")), str(reply.get("id", ""))
    elif kind in ("document", "image"):
        text = str(item.get(kind, {}).get("caption", ""))
    sender, user_id = contacts.person(str(item.get("from", "")), str(item.get("from_user_id", "")))
    return InboundEvent(
        phone_number_id=phone_number_id,
        wamid=str(item.get("id", "")),
        sender=_phone(sender),
        at=_time(item.get("timestamp")),
        kind=kind,
        text=text,
        button_payload=payload,
        replied_to=str(item.get("context", {}).get("id", "")),
        user_id=user_id,
        profile_name=str((contacts.about(sender, user_id).get("profile") or {}).get("name", "")),
    )


def _status(phone_number_id: str, item: dict[str, Any], contacts: _Contacts) -> StatusEvent:
    errors = item.get("errors") or [{}]
    recipient, user_id = contacts.person(str(item.get("recipient_id", "")), str(item.get("recipient_user_id", "")))
    return StatusEvent(
        phone_number_id=phone_number_id,
        wamid=str(item.get("id", "")),
        status=str(item.get("status", "")),
        at=_time(item.get("timestamp")),
        recipient=_phone(recipient),
        user_id=user_id,
        callback_data=str(item.get("biz_opaque_callback_data", "")),
        error_code=str(errors[0].get("code", "")),
        error_message=str(errors[0].get("message", "") or errors[0].get("title", ""))[:500],
    )


def parse(payload: dict[str, Any]) -> Batch:
    """Every status, inbound message and template update in one POST (Meta batches up to 1,000)."""
    batch = Batch()
    if payload.get("object") != "whatsapp_business_account":
        return batch
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if change.get("field") == "message_template_status_update":
                batch.templates.append(
                    TemplateStatusEvent(
                        waba_id=str(entry.get("id", "")),
                        name=str(value.get("message_template_name", "")),
                        language=str(value.get("message_template_language", "")),
                        status=str(value.get("event", "")),
                        reason=str(value.get("reason", "") or ""),
                    )
                )
                continue
            if change.get("field") != "messages":
                continue
            phone_number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
            batch.phone_number_ids.add(phone_number_id)
            contacts = _Contacts(value.get("contacts"))
            batch.statuses += [_status(phone_number_id, s, contacts) for s in value.get("statuses") or []]
            batch.inbound += [_inbound(phone_number_id, m, contacts) for m in value.get("messages") or []]
    return batch


# Building Meta's payloads: what the simulator posts, and what tests post as if they were Meta.


def envelope(waba_id: str, phone_number_id: str, display_number: str, **value: Any) -> dict[str, Any]:
    """One `messages` change for one number; `value` holds statuses, or contacts and messages."""
    metadata = {"display_phone_number": display_number.lstrip("+").replace(" ", ""), "phone_number_id": phone_number_id}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [
                    {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
                ],
            }
        ],
    }


def status_item(
    wamid: str,
    status: str,
    recipient: str,
    at: datetime,
    callback_data: str = "",
    error: tuple[int, str] | None = None,
    user_id: str = "",
) -> dict[str, Any]:
    """A message status as Meta's webhook writes it, with pricing for sent and delivered and the error if failed.

    Without `recipient` (a user with a username), Meta names the person only by their BSUID, `user_id`.
    """
    item: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(int(at.timestamp()))}
    if recipient:
        item["recipient_id"] = recipient.lstrip("+")
    if user_id:
        item["recipient_user_id"] = user_id
    if status in ("sent", "delivered"):
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    if error is not None:
        code, title = error
        item["errors"] = [{"code": code, "title": title, "message": title, "error_data": {"details": title}}]
    return item


def text_message(
    wamid: str, sender: str, at: datetime, text: str, context_wamid: str = "", user_id: str = ""
) -> dict[str, Any]:
    """A debtor's text message as Meta's webhook writes it; with a context, as a reply to one of ours.

    Without `sender` (a user with a username), Meta names the person only by their BSUID, `user_id`.
    """
    item: dict[str, Any] = {"from": sender.lstrip("+")} if sender else {}
    if user_id:
        item["from_user_id"] = user_id
    item |= {"id": wamid, "timestamp": str(int(at.timestamp())), "type": "text", "text": {"body": text}}
    if context_wamid:
        item["context"] = {"from": "", "id": context_wamid}
    return item


def button_message(
    wamid: str, sender: str, at: datetime, text: str, payload: str, context_wamid: str
) -> dict[str, Any]:
    """A debtor's tap on a quick-reply button as Meta's webhook writes it, always replying to our message."""
    return {
        "from": sender.lstrip("+"),
        "id": wamid,
        "timestamp": str(int(at.timestamp())),
        "type": "button",
        "button": {"text": text, "payload": payload},
        "context": {"from": "", "id": context_wamid},
    }


def contact(wa_id: str, name: str, user_id: str = "") -> dict[str, Any]:
    """The sender's profile as Meta's webhook writes it beside their message: without `wa_id` for a user
    with a username, whom Meta names by their BSUID, `user_id`."""
    found: dict[str, Any] = {"profile": {"name": name}}
    if wa_id:
        found["wa_id"] = wa_id.lstrip("+")
    if user_id:
        found["user_id"] = user_id
    return found
