"""Builders for test data, through the same services the product uses."""

import itertools
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from saas_app.models import Organization
from saas_app.services import accounts
from saas_app.services.context import OrgContext
from saas_app.state.debtors import org_today

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def sign_up(session: Session, *, org_name: str = "", email: str = "") -> tuple[accounts.SignUp, OrgContext]:
    n = next(_counter)
    result = accounts.sign_up(
        session,
        name=f"Owner {n}",
        email=email or f"owner{n}@example.com",
        password=PASSWORD,
        org_name=org_name or f"Company {n}",
        first_party_confirmed=True,
    )
    session.commit()
    assert result.user.id is not None
    assert result.organization.id is not None
    return result, OrgContext(user_id=result.user.id, org_id=result.organization.id, role="owner")


def today_of(session: Session, ctx: OrgContext) -> date:
    """Today where the organization is, which its pages count "days overdue" from.

    Not the machine's date: an organization signed up from an American browser is in New York, a day behind
    UTC for five hours each night.
    """
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    return org_today(ZoneInfo(org.timezone))


def add_member(session: Session, owner: OrgContext, role: str, email: str = "") -> OrgContext:
    """A user who joined the owner's organization through an invitation, with `role`."""
    from saas_app.services import team

    email = email or f"member{next(_counter)}@example.com"
    link = team.invite(session, owner, email=email, role=role)
    user = accounts.create_user(session, email=email, name="Member", password=PASSWORD)
    assert user.id is not None
    team.accept_invitation(session, token=link.rsplit("/", 1)[-1], user_id=user.id)
    session.commit()
    return OrgContext(user_id=user.id, org_id=owner.org_id, role=role)


def session_token(session: Session, ticket: str) -> str:
    token = accounts.activate_session(session, ticket)
    session.commit()
    assert token
    return token


def simple_cadence(session: Session, ctx: OrgContext, offsets: tuple[int, ...] = (-7, 0, 5)) -> int:
    """A cadence with one English template per step, approved by Meta, without the built-in library."""
    from saas_app.models import Cadence, CadenceStep, Template, TemplateVariant

    template = Template(org_id=ctx.org_id, key=f"t{next(_counter)}", name="Reminder", purpose="due_today")
    session.add(template)
    session.flush()
    session.add(
        TemplateVariant(
            org_id=ctx.org_id,
            template_id=template.id or 0,
            language="en",
            body="Hi {{customer_name}}, invoice {{invoice_number}} of {{amount}} is due on {{due_date}}. Thanks.",
            status="approved",
        )
    )
    cadence = Cadence(
        org_id=ctx.org_id,
        name="Test cadence",
        weekdays=list(range(7)),
        skip_holidays=False,
        weekly_cap=0,
        min_gap_hours=0,
    )
    session.add(cadence)
    session.flush()
    for position, offset in enumerate(offsets):
        session.add(
            CadenceStep(
                org_id=ctx.org_id,
                cadence_id=cadence.id or 0,
                position=position,
                offset_days=offset,
                template_id=template.id or 0,
            )
        )
    session.commit()
    return cadence.id or 0


def debtor_with_invoice(
    session: Session,
    ctx: OrgContext,
    *,
    phone: str,
    number: str,
    due: date,
    consent: bool = True,
    locale: str = "en",
    zone: str = "Europe/Rome",
) -> tuple[int, int]:
    from saas_app.services import debtors, invoices

    debtor = debtors.create_debtor(
        session,
        ctx,
        debtors.DebtorInput(
            name=f"Debtor {number}",
            phone=phone,
            locale=locale,
            timezone=zone,
            opt_in_source="manual" if consent else "",
        ),
    )
    invoice = invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(debtor_id=debtor.id or 0, number=number, amount_minor=12345, currency="EUR", due_on=due),
    )
    session.commit()
    return debtor.id or 0, invoice.id or 0
