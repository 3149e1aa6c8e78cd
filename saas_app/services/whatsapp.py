"""An organization's WhatsApp Business account: connect it, and read it back without its secrets."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlmodel import Session, col, select

from saas_app.auth.secrets import new_token, seal, unseal
from saas_app.core.pacing import MESSAGING_LIMITS, MESSAGING_TIERS
from saas_app.core.roles import Action, can
from saas_app.i18n import N_
from saas_app.models import Template, TemplateVariant, WhatsAppAccount
from saas_app.models.base import utcnow
from saas_app.models.whatsapp import GRAPH_API
from saas_app.services import audit, recent, reminders
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.services.templates import as_variant as template_variant
from saas_app.settings import settings
from saas_app.whatsapp import sandbox
from saas_app.whatsapp import templates as template_format
from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint
from saas_app.whatsapp.errors import Action as ErrorAction

_LOOPBACK = ("localhost", "127.0.0.1", "::1")
# Opens one transaction (db.session_scope). What calls Meta reads in one, calls with none open (an
# answer can take seconds, a connection held that long starves the pool), then writes in another.
Transactions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class AccountInput:
    phone_number_id: str
    waba_id: str = ""
    display_number: str = ""
    access_token: str = ""  # blank keeps the stored one
    app_secret: str = ""  # blank keeps the stored one
    verify_token: str = ""  # blank keeps the stored one, or makes one
    api_base_url: str = ""
    api_version: str = ""
    throughput: int = 80
    messaging_limit: int = 250


@dataclass(frozen=True)
class AccountView:
    """What the settings page shows: whether secrets are set, never the secrets themselves."""

    phone_number_id: str
    waba_id: str
    display_number: str
    has_access_token: bool
    has_app_secret: bool
    verify_token: str
    api_base_url: str
    api_version: str
    throughput: int
    messaging_limit: int
    paused_reason: str
    webhook_url: str


def webhook_url() -> str:
    """Where Meta (or the simulator) posts this deployment's WhatsApp webhooks."""
    return f"{settings.public_url}/webhooks/whatsapp"


def _view(account: WhatsAppAccount, ctx: OrgContext) -> AccountView:
    """The account as `ctx` may see it: the verify token is a secret (whoever has it can subscribe a
    callback to the number's events), shown to owners and admins only."""
    return AccountView(
        phone_number_id=account.phone_number_id,
        waba_id=account.waba_id,
        display_number=account.display_number,
        has_access_token=bool(account.access_token_sealed),
        has_app_secret=bool(account.app_secret_sealed),
        verify_token=account.verify_token if can(ctx.role, Action.MANAGE_SETTINGS) else "",
        api_base_url=account.api_base_url,
        api_version=account.api_version,
        throughput=account.throughput,
        messaging_limit=account.messaging_limit,
        paused_reason=account.paused_reason,
        webhook_url=webhook_url(),
    )


def _check(data: AccountInput) -> None:
    if not re.fullmatch(r"\d{5,40}", data.phone_number_id.strip()):
        raise ServiceError(
            N_("The phone number ID is the number Meta shows for it, digits only."), field="phone_number_id"
        )
    if data.waba_id.strip() and not re.fullmatch(r"\d{5,40}", data.waba_id.strip()):
        raise ServiceError(N_("The WhatsApp Business Account ID has digits only."), field="waba_id")
    if data.api_base_url:
        url = urlsplit(data.api_base_url.strip())
        # Plain http only to this machine (the simulator): tokens never travel unencrypted elsewhere.
        if not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and url.hostname in _LOOPBACK)):
            raise ServiceError(N_("The API address must start with https://."), field="api_base_url")
    if data.api_version and not re.fullmatch(r"v\d{1,2}\.\d", data.api_version.strip()):
        raise ServiceError(N_("Write the API version like v23.0."), field="api_version")
    if not 1 <= data.throughput <= 1000:
        raise ServiceError(N_("Throughput is between 1 and 1,000 messages per second."), field="throughput")
    if data.messaging_limit not in MESSAGING_LIMITS:
        raise ServiceError(N_("Choose one of Meta's messaging limits."), field="messaging_limit")


def _set_messaging_limit(session: Session, account: WhatsAppAccount, limit: int, *, was: int | None) -> None:
    """A new limit re-paces what is planned: reminders not yet sent are planned again with it."""
    account.messaging_limit = limit
    if limit != was:
        reminders.replan_organization(session, account.org_id)


# The accounts webhooks are checked against, by phone number id (filled by services.webhooks): a
# change saved here is seen at once, one saved in another process within a second (services.recent).
accounts_by_number: recent.Recent[Any] = recent.Recent(seconds=1.0)


def get_account(session: Session, ctx: OrgContext) -> AccountView | None:
    """The organization's WhatsApp account without its secrets, or None before one is connected."""
    ctx.require(Action.VIEW)
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
    return _view(account, ctx) if account else None


def save_account(session: Session, ctx: OrgContext, data: AccountInput) -> AccountView:
    """Connect or change the account; secrets are sealed at rest, and blank ones are kept as they were."""
    ctx.require(Action.MANAGE_SETTINGS)
    _check(data)
    phone_number_id = data.phone_number_id.strip()
    other = by_phone_number_id(session, phone_number_id)
    if other is not None and other.org_id != ctx.org_id:
        raise ServiceError(N_("This phone number is connected to another organization."), field="phone_number_id")
    waba_id = data.waba_id.strip()
    if (
        waba_id
        and session.exec(
            select(WhatsAppAccount.id).where(WhatsAppAccount.waba_id == waba_id, WhatsAppAccount.org_id != ctx.org_id)
        ).first()
    ):
        raise ServiceError(N_("This WhatsApp Business Account is connected to another organization."), field="waba_id")
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
    paced_by = account.messaging_limit if account else None
    base_url = _base_url(account, phone_number_id, data)
    # A token is only ever sent to the address it was saved with: a new address needs the token again
    # (the sandbox's own token, useless anywhere else, is dropped rather than asked for).
    readdressed = account is not None and base_url != account.api_base_url and not data.access_token.strip()
    if readdressed and account is not None and not sandbox.is_sandbox(account.phone_number_id):
        raise ServiceError(
            N_("Enter the access token again: a token is only sent to the API address it was saved with."),
            field="access_token",
        )
    if account is None:
        account = WhatsAppAccount(org_id=ctx.org_id, phone_number_id=phone_number_id, verify_token=new_token(24))
    account.phone_number_id = phone_number_id
    account.waba_id = waba_id
    account.display_number = data.display_number.strip()[:30]
    if readdressed:
        account.access_token_sealed = ""
    if data.access_token.strip():
        account.access_token_sealed = seal(data.access_token.strip())
        account.paused_reason = ""  # a new token is how an admin answers "the token expired"
    if data.app_secret.strip():
        account.app_secret_sealed = seal(data.app_secret.strip())
    if data.verify_token.strip():
        account.verify_token = data.verify_token.strip()[:100]
    account.api_base_url = base_url
    account.api_version = data.api_version.strip() or account.api_version
    account.throughput = data.throughput
    account.updated_at = utcnow()
    _set_messaging_limit(session, account, data.messaging_limit, was=paced_by)
    session.add(account)
    session.flush()
    accounts_by_number.forget()  # its number may have changed: the old one must not stay known
    changed = [name for name in ("access_token", "app_secret") if getattr(data, name).strip()]
    audit.record_for(
        ctx,
        session,
        "whatsapp.account_saved",
        target_type="whatsapp_account",
        target_id=account.id,
        phone_number_id=phone_number_id,
        secrets_changed=",".join(changed),
    )
    return _view(account, ctx)


def _base_url(account: WhatsAppAccount | None, phone_number_id: str, data: AccountInput) -> str:
    """Where the account's calls go: the address given, else Meta's for a real number that replaces the
    sandbox's (the simulator must never receive a real organization's token), else the one saved."""
    given = data.api_base_url.strip().rstrip("/")
    if given:
        return given
    if account is None or (sandbox.is_sandbox(account.phone_number_id) and not sandbox.is_sandbox(phone_number_id)):
        return GRAPH_API
    return account.api_base_url


def connect_sandbox(session: Session, org_id: int) -> WhatsAppAccount | None:
    """A new organization sends to the simulator until it connects Meta (when a simulator is set)."""
    if not settings.simulator_url:
        return None
    existing = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == org_id)).first()
    if existing is not None:
        return existing
    phone_number_id = sandbox.phone_number_id(org_id)
    token, secret = sandbox.credentials(settings.simulator_secret, phone_number_id)
    account = WhatsAppAccount(
        org_id=org_id,
        phone_number_id=phone_number_id,
        waba_id=sandbox.waba_id(org_id),
        display_number="+1 555 " + phone_number_id[-4:],
        access_token_sealed=seal(token),
        app_secret_sealed=seal(secret),
        verify_token=new_token(24),
        api_base_url=settings.simulator_url,
    )
    session.add(account)
    session.flush()
    return account


def sending_paused(session: Session, org_id: int) -> bool:
    """For the banner on every page; the reason itself is on the WhatsApp settings page."""
    reason = session.exec(select(WhatsAppAccount.paused_reason).where(WhatsAppAccount.org_id == org_id)).first()
    return bool(reason)


def is_sandbox(account: AccountView | WhatsAppAccount) -> bool:
    """Whether the account sends to Cobro's simulator rather than to Meta."""
    return sandbox.is_sandbox(account.phone_number_id)


def by_phone_number_id(session: Session, phone_number_id: str) -> WhatsAppAccount | None:
    """The account a webhook is about; the webhook's signature must still be checked with its secret."""
    return session.exec(select(WhatsAppAccount).where(WhatsAppAccount.phone_number_id == phone_number_id)).first()


def by_verify_token(session: Session, verify_token: str) -> WhatsAppAccount | None:
    """The account whose verify token Meta sent in its handshake; None for an empty or unknown one."""
    if not verify_token:
        return None
    return session.exec(select(WhatsAppAccount).where(WhatsAppAccount.verify_token == verify_token)).first()


def app_secret(account: WhatsAppAccount) -> str:
    """The account's app secret, unsealed, for checking the signature of Meta's webhooks."""
    return unseal(account.app_secret_sealed)


def access_token(account: WhatsAppAccount) -> str:
    """The account's access token, unsealed, for calling Meta."""
    return unseal(account.access_token_sealed)


# Talking to the Cloud API on the organization's behalf: the settings page's buttons.


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    verified_name: str = ""
    display_number: str = ""
    quality: str = ""
    messaging_limit: int | None = None  # None: Meta did not say; 0: unlimited
    problem: str = ""  # Meta's reason, readable


@dataclass(frozen=True)
class RemoteTemplate:
    name: str
    language: str
    status: str  # Meta's: APPROVED, PENDING, REJECTED, PAUSED, DISABLED
    ours: bool  # one of this organization's templates


def _own_account(session: Session, ctx: OrgContext) -> WhatsAppAccount:
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).first()
    if account is None:
        raise ServiceError(N_("Connect a WhatsApp number first."))
    return account


def endpoint_of(account: WhatsAppAccount) -> Endpoint:
    """Where and how to reach Meta for this account, as plain values that outlive the transaction."""
    return Endpoint(account.api_base_url, account.api_version, account.phone_number_id, access_token(account))


@dataclass(frozen=True)
class _Reach:
    """What a call to Meta needs of the account, read before the call."""

    endpoint: Endpoint
    waba_id: str


def _reach(transaction: Transactions, ctx: OrgContext) -> _Reach:
    ctx.require(Action.MANAGE_SETTINGS)
    with transaction() as session:
        account = _own_account(session, ctx)
        return _Reach(endpoint_of(account), account.waba_id)


async def test_connection(transaction: Transactions, ctx: OrgContext, http: httpx.AsyncClient) -> ConnectionCheck:
    """Read the number's details from Meta; its messaging limit is kept, as Meta says it now."""
    reach = _reach(transaction, ctx)
    try:
        details = await CloudClient(reach.endpoint, http).phone_number()
    except CloudError as failure:
        return ConnectionCheck(ok=False, problem=failure.verdict.reason)
    limit = MESSAGING_TIERS.get(str(details.get("whatsapp_business_manager_messaging_limit", "")).upper())
    with transaction() as session:
        account = _own_account(session, ctx)
        account.display_number = str(details.get("display_phone_number", account.display_number))[:30]
        if limit is not None:
            _set_messaging_limit(session, account, limit, was=account.messaging_limit)
        session.add(account)
        display_number = account.display_number
    return ConnectionCheck(
        ok=True,
        verified_name=str(details.get("verified_name", "")),
        display_number=display_number,
        quality=str(details.get("quality_rating", "")),
        messaging_limit=limit,
    )


def _our_variants(session: Session, org_id: int) -> list[tuple[Template, TemplateVariant]]:
    rows = session.exec(
        select(Template, TemplateVariant)
        .join(TemplateVariant, col(TemplateVariant.template_id) == Template.id)
        .where(Template.org_id == org_id)
        .order_by(Template.key, TemplateVariant.language)
    ).all()
    return [(template, variant) for template, variant in rows]


async def sync_templates(transaction: Transactions, ctx: OrgContext, http: httpx.AsyncClient) -> list[RemoteTemplate]:
    """The WABA's templates with Meta's status; ours take that status (approved, paused, ...)."""
    reach = _reach(transaction, ctx)
    if not reach.waba_id:
        raise ServiceError(N_("Add the WhatsApp Business Account ID to list its templates."), field="waba_id")
    try:
        remote = await CloudClient(reach.endpoint, http).templates(reach.waba_id)
    except CloudError as failure:
        raise ServiceError(failure.verdict.reason) from failure
    statuses = {(str(t.get("name")), str(t.get("language"))): str(t.get("status", "")).upper() for t in remote}
    ours: set[tuple[str, str]] = set()
    with transaction() as session:
        for template, variant in _our_variants(session, ctx.org_id):
            name = variant.whatsapp_name or template_format.meta_name(template.key)
            ours.add((name, variant.language))
            status = template_format.STATUSES.get(statuses.get((name, variant.language), ""))
            if status is not None and status != variant.status:
                variant.whatsapp_name, variant.status, variant.updated_at = name, status, utcnow()
                session.add(variant)
    return sorted(
        (
            RemoteTemplate(name, language, status, (name, language) in ours)
            for (name, language), status in statuses.items()
        ),
        key=lambda t: (not t.ours, t.name, t.language),
    )


@dataclass(frozen=True)
class Submitted:
    sent: int
    refused: list[tuple[str, str, str]]  # name, language, Meta's reason


async def submit_templates(transaction: Transactions, ctx: OrgContext, http: httpx.AsyncClient) -> Submitted:
    """Send Meta every draft of ours (UTILITY, with example values) for approval; they become pending."""
    reach = _reach(transaction, ctx)
    if not reach.waba_id:
        raise ServiceError(N_("Add the WhatsApp Business Account ID to submit templates."), field="waba_id")
    with transaction() as session:
        drafts = [
            (variant.id, template_format.meta_name(template.key), variant.language, template_variant(variant))
            for template, variant in _our_variants(session, ctx.org_id)
            if variant.status == "draft"
        ]
    client = CloudClient(reach.endpoint, http)
    accepted: list[tuple[int | None, str, str]] = []  # variant id, Meta name, our status
    refused: list[tuple[str, str, str]] = []
    for variant_id, name, language, content in drafts:
        try:
            answer = await client.submit_template(reach.waba_id, template_format.submission(name, language, content))
        except CloudError as failure:
            refused.append((name, language, failure.verdict.reason))
            if failure.verdict.action == ErrorAction.PAUSE_ACCOUNT:
                break  # a bad token fails every one of them the same way
            continue
        accepted.append(
            (variant_id, name, template_format.STATUSES.get(str(answer.get("status", "PENDING")).upper(), "pending"))
        )
    with transaction() as session:
        for variant_id, name, status in accepted:
            variant = session.get(TemplateVariant, variant_id)
            if variant is not None:
                variant.whatsapp_name, variant.status, variant.updated_at = name, status, utcnow()
                session.add(variant)
        audit.record_for(
            ctx, session, "whatsapp.templates_submitted", target_type="whatsapp_account", sent=len(accepted)
        )
    return Submitted(len(accepted), refused)
