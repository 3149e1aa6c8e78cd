"""Debtors of one organization: create, change, find, and their consent to be messaged."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import phonenumbers
from sqlalchemy import bindparam, update
from sqlmodel import Session, col, func, or_, select

from saas_app.core.behaviour import assess
from saas_app.core.consent import opt_out_confirmation
from saas_app.core.languages import normalize_locale, with_region
from saas_app.core.messages import MessageKind
from saas_app.core.phones import PhoneError, normalize_phone, region_of
from saas_app.core.reminders import StopReason
from saas_app.core.roles import Action, can
from saas_app.core.schedule import is_time_zone
from saas_app.core.text import is_valid_email, normalize_email
from saas_app.i18n import N_
from saas_app.models import Debtor, DebtorNote, Membership, Organization, User
from saas_app.models.base import utcnow
from saas_app.services import audit, outbound, reminders
from saas_app.services.balances import payment_histories
from saas_app.services.context import OrgContext, owned_row
from saas_app.services.errors import Conflict, ServiceError
from saas_app.services.inbox import window_closes_at
from saas_app.services.organizations import get_organization
from saas_app.services.paging import MAX_PAGE, Page, Slice, keyset

OPT_IN_SOURCES = ("import", "api", "checkout_form", "replied_first", "manual")
MAX_NOTE = 2000
# What a person edits on the debtor's file; the audit names those that changed.
PROFILE_FIELDS = ("name", "phone", "email", "locale", "timezone", "external_ref")


@dataclass
class DebtorInput:
    name: str
    phone: str
    email: str = ""
    locale: str = ""
    timezone: str = ""
    external_ref: str = ""
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    opt_in_source: str = ""
    opted_in_at: datetime | None = None


def clean_debtor(data: DebtorInput, org: Organization) -> dict[str, Any]:
    """Validated column values; raises ServiceError naming the field."""
    name = data.name.strip()
    if not name:
        raise ServiceError(N_("Enter the debtor's name."), field="name")
    phone = _phone(data.phone, org.country)
    email = normalize_email(data.email)
    if email and not is_valid_email(email):
        raise ServiceError(N_("Enter a valid email address."), field="email")
    locale = normalize_locale(data.locale or org.default_locale)
    if locale is None:
        raise ServiceError(
            N_("Unknown language or region: {locale}. Write it like es, es_MX or pt_BR."),
            field="locale",
            locale=data.locale.strip()[:40],
        )
    zone = data.timezone.strip() or org.timezone
    if not is_time_zone(zone):
        raise ServiceError(N_("{timezone} is not a known time zone."), field="timezone", timezone=zone)
    source = data.opt_in_source.strip()
    if source and source not in OPT_IN_SOURCES:
        raise ServiceError(N_("Unknown consent source: {source}."), field="opt_in_source", source=source)
    return {
        "name": name[:200],
        "phone": phone,
        "email": email,
        "locale": with_region(locale, region_of(phone)),
        "timezone": zone,
        "country": region_of(phone),
        "external_ref": data.external_ref.strip()[:100],
        "tags": sorted({tag.strip().lower() for tag in data.tags if tag.strip()}),
        "attributes": data.attributes,
        "opt_in_source": source,
        "opted_in_at": (data.opted_in_at or utcnow()) if source else None,
    }


def _phone(raw: str, region: str) -> str:
    """The number in E.164, or a refusal a person can act on, in their language (not phonenumbers' English)."""
    try:
        return normalize_phone(raw, region)
    except PhoneError:
        pass
    if not str(raw).strip():
        raise ServiceError(N_("Enter the debtor's phone number."), field="phone")
    raise ServiceError(
        N_("{phone} is not a valid phone number. Write it with its country code, like {example}."),
        field="phone",
        phone=str(raw).strip()[:40],
        example=example_phone(region),
    )


def example_phone(region: str) -> str:
    """A mobile number of the region as people write it (+39 312 345 6789), to show the expected form."""
    mobile = phonenumbers.PhoneNumberType.MOBILE
    # A region phonenumbers does not know (or none set) has no example: Britain's stands in.
    number = phonenumbers.example_number_for_type(region.upper() or "GB", mobile)
    number = number or phonenumbers.example_number_for_type("GB", mobile)
    assert number is not None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def create_debtor(session: Session, ctx: OrgContext, data: DebtorInput) -> Debtor:
    """A new debtor, cleaned and checked; a phone already in the organization is a conflict."""
    ctx.require(Action.COLLECT)
    values = clean_debtor(data, get_organization(session, ctx))
    if find_by_phone(session, ctx, values["phone"]) is not None:
        raise Conflict(N_("A debtor with the phone {phone} already exists."), field="phone", phone=values["phone"])
    debtor = Debtor(org_id=ctx.org_id, **values)
    session.add(debtor)
    session.flush()
    audit.record_for(ctx, session, "debtor.created", target_type="debtor", target_id=debtor.id)
    return debtor


def get_debtor(session: Session, ctx: OrgContext, debtor_id: int) -> Debtor:
    """One of the organization's debtors; another tenant's is as missing as none."""
    ctx.require(Action.VIEW)
    return owned_row(session, Debtor, ctx, debtor_id, N_("This debtor does not exist."))


def find_by_phone(session: Session, ctx: OrgContext, phone: str) -> Debtor | None:
    """The organization's debtor with this phone, as stored (E.164), or None."""
    return session.exec(select(Debtor).where(Debtor.org_id == ctx.org_id, Debtor.phone == phone)).first()


def find_by_external_ref(session: Session, ctx: OrgContext, external_ref: str) -> Debtor | None:
    """The debtor another system knows by this reference (the oldest, should the reference repeat)."""
    query = select(Debtor).where(Debtor.org_id == ctx.org_id, Debtor.external_ref == external_ref.strip())
    return session.exec(query.order_by(col(Debtor.id))).first()


def input_of(debtor: Debtor) -> DebtorInput:
    """The debtor as it is now, to change a few fields and save the rest unchanged."""
    return DebtorInput(
        name=debtor.name,
        phone=debtor.phone,
        email=debtor.email,
        locale=debtor.locale,
        timezone=debtor.timezone,
        external_ref=debtor.external_ref,
        tags=list(debtor.tags),
        attributes=dict(debtor.attributes),
    )


def upsert_by_external_ref(session: Session, ctx: OrgContext, data: DebtorInput) -> tuple[Debtor, bool]:
    """Create the debtor, or update the one with the same external reference: (debtor, created)."""
    if not data.external_ref.strip():
        raise ServiceError(N_("Give the debtor's reference in your system."), field="external_ref")
    existing = find_by_external_ref(session, ctx, data.external_ref)
    if existing is None:
        return create_debtor(session, ctx, data), True
    return update_debtor(session, ctx, existing.id or 0, data), False


def update_debtor(session: Session, ctx: OrgContext, debtor_id: int, data: DebtorInput) -> Debtor:
    """A debtor's details replaced; an earlier consent record is kept unless a new one is given."""
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, debtor_id)
    values = clean_debtor(data, get_organization(session, ctx))
    other = find_by_phone(session, ctx, values["phone"])
    if other is not None and other.id != debtor.id:
        raise Conflict(N_("A debtor with the phone {phone} already exists."), field="phone", phone=values["phone"])
    if not values["opt_in_source"]:  # keep an earlier consent record unless a new one is given
        values.pop("opt_in_source")
        values.pop("opted_in_at")
    changed = [key for key in PROFILE_FIELDS if getattr(debtor, key) != values[key]]
    for key, value in values.items():
        setattr(debtor, key, value)
    debtor.updated_at = utcnow()
    session.add(debtor)
    audit.record_for(ctx, session, "debtor.updated", target_type="debtor", target_id=debtor.id, changed=changed)
    return debtor


def list_debtors(
    session: Session, ctx: OrgContext, *, search: str = "", offset: int = 0, limit: int = 50
) -> Page[Debtor]:
    """A page of the organization's debtors by name, matching a search of name, phone or email."""
    ctx.require(Action.VIEW)
    query = select(Debtor).where(Debtor.org_id == ctx.org_id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Debtor.name).like(pattern),
                col(Debtor.phone).like(pattern),
                col(Debtor.email).like(pattern),
            )
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = session.exec(query.order_by(Debtor.name, col(Debtor.id)).offset(offset).limit(min(limit, MAX_PAGE))).all()
    return Page(list(items), total, offset, limit)


def scan_debtors(
    session: Session,
    ctx: OrgContext,
    *,
    after: int | None = None,
    limit: int = 50,
    external_ref: str | None = None,
    phone: str | None = None,
    updated_since: datetime | None = None,
    consent: str | None = None,
) -> Slice[Debtor]:
    """Debtors in the order they were added, a slice at a time.

    `consent`: "missing" keeps those neither opted in nor out (the planner skips them), "opted_out" those who left.
    """
    ctx.require(Action.VIEW)
    query = select(Debtor).where(Debtor.org_id == ctx.org_id)
    if external_ref is not None:
        query = query.where(Debtor.external_ref == external_ref.strip())
    if phone is not None:
        query = query.where(Debtor.phone == phone.strip())
    if updated_since is not None:
        query = query.where(col(Debtor.updated_at) >= updated_since)
    if consent is not None:
        query = query.where(*_CONSENT[consent])
    return keyset(session, query, col(Debtor.id), after=after, limit=limit)


# The consent filters: those the planner skips for want of an opt-in, and those who opted out.
_CONSENT: dict[str, tuple[Any, ...]] = {
    "missing": (col(Debtor.opted_in_at).is_(None), col(Debtor.opted_out_at).is_(None)),
    "opted_out": (col(Debtor.opted_out_at).is_not(None),),
}


def count_by_consent(session: Session, ctx: OrgContext, consent: str) -> int:
    """How many of the organization's debtors a consent filter of scan_debtors keeps."""
    ctx.require(Action.VIEW)
    query = select(func.count()).select_from(Debtor).where(Debtor.org_id == ctx.org_id, *_CONSENT[consent])
    return session.exec(query).one()


def opt_out(session: Session, ctx: OrgContext, debtor_id: int, *, source: str) -> Debtor:
    """Stop every message to this debtor; audited with where the request came from."""
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, debtor_id)
    if debtor.opted_out_at is None:
        debtor.opted_out_at = utcnow()
        session.add(debtor)
        cancelled = reminders.stop_debtor(session, ctx.org_id, debtor.id or 0, reason=StopReason.OPTED_OUT)
        confirmed = _confirm_opt_out(session, ctx.org_id, debtor)
        audit.record_for(
            ctx,
            session,
            "debtor.opted_out",
            target_type="debtor",
            target_id=debtor.id,
            source=source,
            cancelled_messages=cancelled,
            confirmation="queued" if confirmed else "not sent: outside the debtor's 24-hour window",
        )
        event = {"debtor_id": debtor.id, "external_ref": debtor.external_ref, "phone": debtor.phone, "source": source}
        outbound.emit(session, ctx.org_id, "debtor.opted_out", [event])
    return debtor


def _confirm_opt_out(session: Session, org_id: int, debtor: Debtor) -> bool:
    """Tell the debtor, once and in their language, that reminders stopped.

    Free text may go only inside the 24-hour window their last message opened (a STOP reply always
    is); outside it WhatsApp would want an approved template, so nothing is sent and the audit says so.
    """
    now = utcnow()
    if window_closes_at(session, org_id, debtor.id or 0, now) is None:
        return False
    org = session.get(Organization, org_id)
    assert org is not None
    language, text = opt_out_confirmation(debtor.locale, org.sender_name or org.name, org.language_fallback)
    reminders.queue_free_text(
        session,
        org_id=org_id,
        debtor_id=debtor.id or 0,
        kind=MessageKind.OPT_OUT_CONFIRMATION,
        language=language,
        text=text,
        now=now,
    )
    return True


def refresh_behaviour(session: Session, org_id: int, debtor_ids: Iterable[int], today: date) -> int:
    """Re-derive punctual / late / chronic from each debtor's invoices and payments; returns rows changed.

    Reads only these debtors' invoices and their payments (core.behaviour says how they are judged).
    """
    changed = 0
    ids = sorted(set(debtor_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        history = payment_histories(session, org_id, chunk)
        query = select(Debtor.id, Debtor.behaviour).where(Debtor.org_id == org_id, col(Debtor.id).in_(chunk))
        current = {row[0]: row[1] for row in session.exec(query).all()}
        updates = [
            {"debtor": debtor_id, "behaviour": behaviour}
            for debtor_id in chunk
            if debtor_id in current
            and (behaviour := assess(history.get(debtor_id, []), today).behaviour.value) != current[debtor_id]
        ]
        if updates:
            table = Debtor.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                update(table).where(table.c.id == bindparam("debtor")).values(behaviour=bindparam("behaviour")),
                updates,
            )
        changed += len(updates)
    return changed


@dataclass(frozen=True)
class Collector:
    user_id: int
    name: str


def collectors(session: Session, ctx: OrgContext) -> list[Collector]:
    """The members a debtor may be assigned to (those whose role lets them collect), by name."""
    ctx.require(Action.VIEW)
    rows = session.exec(
        select(User.id, User.name, User.email, Membership.role)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.org_id == ctx.org_id)
        .order_by(User.name, User.email)
    ).all()
    return [Collector(user_id or 0, name or email) for user_id, name, email, role in rows if can(role, Action.COLLECT)]


def assign(session: Session, ctx: OrgContext, debtor_id: int, user_id: int | None) -> Debtor:
    """Give the debtor to a member who collects (None: to nobody); audited with whom."""
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, debtor_id)
    if user_id is not None and user_id not in {c.user_id for c in collectors(session, ctx)}:
        raise ServiceError(N_("Choose a member of the team who collects."), field="assigned_user_id")
    if debtor.assigned_user_id != user_id:
        previous, debtor.assigned_user_id = debtor.assigned_user_id, user_id
        debtor.updated_at = utcnow()
        session.add(debtor)
        audit.record_for(
            ctx, session, "debtor.assigned", target_type="debtor", target_id=debtor.id, to=user_id, previous=previous
        )
    return debtor


def add_note(session: Session, ctx: OrgContext, debtor_id: int, text: str) -> DebtorNote:
    """An internal note on the debtor's file, signed by its author; notes are never edited nor removed."""
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, debtor_id)
    text = text.strip()
    if not text:
        raise ServiceError(N_("Write the note first."), field="note")
    if len(text) > MAX_NOTE:
        raise ServiceError(N_("A note holds at most 2,000 characters."), field="note")
    note = DebtorNote(org_id=ctx.org_id, debtor_id=debtor.id or 0, author_user_id=ctx.user_id, text=text)
    session.add(note)
    session.flush()
    return note


def record_opt_in(session: Session, ctx: OrgContext, debtor_id: int) -> Debtor:
    """A person records the debtor's consent, given to them (by phone, in the shop); audited.

    Only for a debtor with no consent record: after an opt-out, the debtor alone can start again
    (by writing to the business), not a person on their behalf.
    """
    ctx.require(Action.COLLECT)
    debtor = get_debtor(session, ctx, debtor_id)
    if debtor.opted_out_at is not None:
        raise ServiceError(N_("This debtor opted out: only they can start again, by writing to you."))
    if debtor.opted_in_at is None:
        debtor.opt_in_source, debtor.opted_in_at = "manual", utcnow()
        debtor.updated_at = debtor.opted_in_at
        session.add(debtor)
        audit.record_for(ctx, session, "debtor.opted_in", target_type="debtor", target_id=debtor.id, source="manual")
    return debtor
