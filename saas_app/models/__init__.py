"""Every table, imported here so that SQLModel.metadata (and Alembic) sees them all."""

from saas_app.models.campaigns import (
    Cadence,
    CadenceStep,
    Campaign,
    Enrollment,
    Message,
    Segment,
    Template,
    TemplateVariant,
)
from saas_app.models.collections import Debtor, DebtorNote, Invoice, Payment
from saas_app.models.integrations import (
    IdempotencyRecord,
    PaymentEndpoint,
    PaymentEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from saas_app.models.tenancy import (
    ApiKey,
    AuditLog,
    Invitation,
    LoginAttempt,
    LoginSession,
    Membership,
    OidcIdentity,
    Organization,
    OutboundEmail,
    PasswordReset,
    User,
)
from saas_app.models.whatsapp import InboundMessage, WebhookEvent, WhatsAppAccount

__all__ = [
    "ApiKey",
    "AuditLog",
    "Cadence",
    "CadenceStep",
    "Campaign",
    "Debtor",
    "DebtorNote",
    "Enrollment",
    "IdempotencyRecord",
    "InboundMessage",
    "Invitation",
    "Invoice",
    "LoginAttempt",
    "LoginSession",
    "Membership",
    "Message",
    "OidcIdentity",
    "Organization",
    "OutboundEmail",
    "PasswordReset",
    "Payment",
    "PaymentEndpoint",
    "PaymentEvent",
    "Segment",
    "Template",
    "TemplateVariant",
    "User",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WhatsAppAccount",
]
