"""Creating organizations, reading and changing their settings."""

from dataclasses import asdict, astuple, dataclass

from babel.numbers import list_currencies
from sqlmodel import Session, select

from saas_app.core.countries import defaults_for, normalize_country
from saas_app.core.languages import SUPPORTED_LOCALES, parse_chain
from saas_app.core.message_values import unknown_link_fields
from saas_app.core.roles import Action, Role
from saas_app.core.schedule import is_time_zone
from saas_app.core.text import slugify
from saas_app.i18n import N_
from saas_app.models import Membership, Organization, User
from saas_app.models.base import utcnow
from saas_app.services import audit, library, whatsapp
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError


def _free_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while session.exec(select(Organization.id).where(Organization.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organization(
    session: Session,
    *,
    name: str,
    owner: User,
    country: str | None = None,
    default_locale: str | None = None,
    currency: str | None = None,
    timezone: str | None = None,
    first_party_confirmed: bool,
    ip: str = "",
) -> Organization:
    """A new organization with its owner, the template library and the sandbox; the first-party promise is audited.

    With a country, its currency, time zone, languages and phone region are the defaults of what is not given.
    """
    name = name.strip()
    if not name:
        raise ServiceError(N_("Enter your company's name."), field="org_name")
    code = checked_country(country) if country is not None else ""
    defaults = defaults_for(code) if code else None
    assert owner.id is not None
    org = Organization(
        name=name[:120],
        slug=_free_slug(session, name),
        country=code,
        default_locale=default_locale or (defaults.default_locale if defaults else "en"),
        currency=currency or (defaults.currency if defaults else "EUR"),
        timezone=timezone or (defaults.timezone if defaults else "UTC"),
        language_fallback=list(defaults.language_fallback) if defaults else ["en"],
        sender_name=name[:120],
        contact=owner.email,
        first_party_confirmed_by_id=owner.id if first_party_confirmed else None,
        first_party_confirmed_at=utcnow() if first_party_confirmed else None,
    )
    session.add(org)
    session.flush()
    assert org.id is not None
    session.add(Membership(org_id=org.id, user_id=owner.id, role=Role.OWNER))
    library.install(session, org)
    whatsapp.connect_sandbox(session, org.id)
    audit.record(
        session,
        action="organization.created",
        org_id=org.id,
        actor_user_id=owner.id,
        target_type="organization",
        target_id=org.id,
        ip=ip,
        first_party_confirmed=first_party_confirmed,
    )
    session.flush()
    return org


def checked_country(text: str) -> str:
    """The ISO 3166 code of a country we know ('br' -> 'BR'); a ServiceError on the country field otherwise."""
    code = normalize_country(text)
    if code is None:
        raise ServiceError(N_("Choose your country from the list."), field="country")
    return code


def get_organization(session: Session, ctx: OrgContext) -> Organization:
    """The acting organization; NotFound if it was deleted since the session began."""
    org = session.get(Organization, ctx.org_id)
    if org is None:
        raise NotFound(N_("This organization no longer exists."))
    return org


def find_by_slug(session: Session, slug: str) -> Organization:
    """For operators (the command line), who act on an organization by its slug."""
    org = session.exec(select(Organization).where(Organization.slug == slug)).first()
    if org is None:
        raise NotFound(N_("No organization with the slug {slug}."), slug=slug)
    return org


@dataclass(frozen=True)
class OrganizationSettings:
    name: str
    default_locale: str
    currency: str
    timezone: str
    sender_name: str
    contact: str
    payment_link_template: str = ""
    # The languages tried in order when a template has no variant in the debtor's: "pt_BR, en".
    language_fallback: str = "en"
    # Where local phone numbers (written without +code) belong; "" asks for the +code on every number.
    country: str = ""


def settings_of(session: Session, ctx: OrgContext) -> OrganizationSettings:
    """The organization's settings as the form shows them, the fallback chain as "pt_BR, en"."""
    ctx.require(Action.VIEW)
    org = get_organization(session, ctx)
    return OrganizationSettings(
        org.name,
        org.default_locale,
        org.currency,
        org.timezone,
        org.sender_name,
        org.contact,
        org.payment_link_template,
        ", ".join(org.language_fallback),
        org.country,
    )


def validate_settings(values: OrganizationSettings) -> OrganizationSettings:
    """Check and normalize; each refusal names the field at fault."""
    name = values.name.strip()
    if not name:
        raise ServiceError(N_("Enter your company's name."), field="name")
    currency = values.currency.strip().upper()
    if currency not in list_currencies():
        raise ServiceError(N_("{currency} is not an ISO 4217 currency code."), field="currency", currency=currency)
    if not is_time_zone(values.timezone):
        raise ServiceError(N_("{timezone} is not a known time zone."), field="timezone", timezone=values.timezone)
    country = checked_country(values.country) if values.country.strip() else ""
    if values.default_locale not in SUPPORTED_LOCALES:
        raise ServiceError(N_("Choose one of the supported languages."), field="default_locale")
    link = values.payment_link_template.strip()
    if link and (not link.startswith("https://") or " " in link):
        raise ServiceError(N_("The payment link must be an https:// address."), field="payment_link_template")
    if unknown := unknown_link_fields(link):
        raise ServiceError(
            N_("The payment link can use {{invoice_number}} and {{amount}}, not {{{name}}}."),
            field="payment_link_template",
            name=unknown[0],
        )
    chain, unknown_language = parse_chain(values.language_fallback)
    if unknown_language is not None:
        raise ServiceError(
            N_("{language} is not a supported language; use {supported}."),
            field="language_fallback",
            language=unknown_language[:20],
            supported=", ".join(SUPPORTED_LOCALES),
        )
    if not chain:
        raise ServiceError(N_("Name at least one language to fall back to."), field="language_fallback")
    return OrganizationSettings(
        name=name[:120],
        default_locale=values.default_locale,
        currency=currency,
        timezone=values.timezone,
        sender_name=values.sender_name.strip()[:120] or name[:120],
        contact=values.contact.strip()[:200],
        payment_link_template=link[:500],
        language_fallback=", ".join(chain),
        country=country,
    )


def update_settings(session: Session, ctx: OrgContext, values: OrganizationSettings) -> OrganizationSettings:
    """Stores checked settings, for admins; the audit log gets each change from and to, if there is one."""
    ctx.require(Action.MANAGE_SETTINGS)
    clean = validate_settings(values)
    org = get_organization(session, ctx)
    before = settings_of(session, ctx)
    changes = {
        key: {"from": old, "to": new}
        for key, old, new in zip(
            OrganizationSettings.__dataclass_fields__, astuple(before), astuple(clean), strict=True
        )
        if old != new
    }
    for key, value in asdict(clean).items():
        # The chain is shown and validated as "pt_BR, en"; the organization keeps it as a list.
        setattr(org, key, value.split(", ") if key == "language_fallback" else value)
    session.add(org)
    if changes:
        audit.record_for(
            ctx, session, "organization.settings_changed", target_type="organization", target_id=org.id, changes=changes
        )
    return clean
