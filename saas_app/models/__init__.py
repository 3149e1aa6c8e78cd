"""Every table, imported here so that SQLModel.metadata (and Alembic) sees them all."""

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

__all__ = [
    "ApiKey",
    "AuditLog",
    "Invitation",
    "LoginAttempt",
    "LoginSession",
    "Membership",
    "OidcIdentity",
    "Organization",
    "OutboundEmail",
    "PasswordReset",
    "User",
]
