"""Our templates in Meta's template-management format: names, example values, the submission body."""

import re
from datetime import date, timedelta
from typing import Any

from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.templates import Variant, example_values, placeholders_in

# Meta's template statuses, as ours (TemplateVariant.status); unknown ones leave ours unchanged.
STATUSES = {
    "APPROVED": "approved",
    "REJECTED": "rejected",
    "PENDING": "pending",
    "IN_APPEAL": "pending",
    "PAUSED": "paused",
    "DISABLED": "disabled",
    "FLAGGED": "approved",  # still sendable; Meta warns before pausing
    "REINSTATED": "approved",
}
# How long Meta keeps trying to deliver one of our reminders (message_send_ttl_seconds). Meta's default
# is 30 days, so a "due tomorrow" could arrive after the due date. 12 hours, the longest Meta allows
# for UTILITY templates, rides out a phone that is off overnight and still keeps a reminder about the
# right day. The worker does not send a reminder that has waited longer than this either.
UTILITY_TTL = timedelta(hours=12)
_CURRENCY = {"pt_BR": "BRL", "en": "USD", "es": "EUR", "it": "EUR", "fr": "EUR"}


def meta_name(key: str) -> str:
    """Template names on Meta: lowercase letters, digits and underscores."""
    return re.sub(r"[^a-z0-9_]+", "_", key.lower()).strip("_")[:512] or "template"


def example_facts(language: str) -> MessageFacts:
    """Believable values for Meta's reviewers, written the way the language writes them."""
    return MessageFacts(
        customer_name="Ana Souza",
        locale=language,
        amount_due_minor=123_456,
        currency=_CURRENCY.get(language, "EUR"),
        due_on=date(2026, 12, 15),
        invoice_number="INV-1024",
        service="Consulting",
        payment_link="https://pay.example.com/INV-1024",
        payment_methods="Bank transfer",
        company_name="Padaria Sol",
        contact="+55 11 3333-4444",
    )


def submission(name: str, language: str, variant: Variant) -> dict[str, Any]:
    """The body of POST /{waba_id}/message_templates for one language: a UTILITY template, named parameters."""
    examples = example_values(variant, placeholder_values(example_facts(language), date(2026, 12, 18)))
    names = {"header": placeholders_in(variant.header), "body": placeholders_in(variant.body)}

    def named(part: str) -> list[dict[str, str]]:
        return [{"param_name": n, "example": e} for n, e in zip(names[part], examples[part], strict=True)]

    components: list[dict[str, Any]] = []
    if variant.header:
        header: dict[str, Any] = {"type": "HEADER", "format": "TEXT", "text": variant.header}
        if names["header"]:
            header["example"] = {"header_text_named_params": named("header")}
        components.append(header)
    body: dict[str, Any] = {"type": "BODY", "text": variant.body}
    if names["body"]:
        body["example"] = {"body_text_named_params": named("body")}
    components.append(body)
    if variant.footer:
        components.append({"type": "FOOTER", "text": variant.footer})
    if variant.buttons:
        components.append({"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": b} for b in variant.buttons]})
    return {
        "name": name,
        "language": language,
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "message_send_ttl_seconds": int(UTILITY_TTL.total_seconds()),
        "components": components,
    }
