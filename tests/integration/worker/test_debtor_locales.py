"""Reminders through the worker's real path, for debtors as they really are: es_MX, pt_PT, fr_CA ... Each gets
the variant its fallback chain picks (es_MX -> es), and amounts, dates and numbers written for its own locale
and its invoice's currency, never for the variant's language. The expected strings are Babel's, pinned."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from saas_app.models import Cadence, CadenceStep, Debtor, Message, Template, TemplateVariant, WhatsAppAccount
from saas_app.services import campaigns, debtors, inbox, invoices
from saas_app.settings import settings
from saas_app.whatsapp.simulator import Behaviour, SimulatorState
from saas_app.worker import planner
from tests.factories import sign_up
from tests.integration.services.test_collections import NOW
from tests.integration.worker.test_dispatcher import send_all

STEP_ON = date(2026, 11, 25)
OVERDUE_DAYS = 1234  # four digits, so that numbers show each locale's grouping
# 16:00 UTC: every debtor's 9:00 has passed (Mexico City's is 15:00 UTC) and none is 12 h old.
WALL = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
BODIES = {
    "en": "Hi {{customer_name}}, {{amount}} was due on {{due_date}}, {{days_overdue}} days ago.",
    "es": "Hola {{customer_name}}, {{amount}} venció el {{due_date}}, hace {{days_overdue}} días.",
    "pt_BR": "Olá {{customer_name}}, {{amount}} venceu em {{due_date}}, há {{days_overdue}} dias.",
    "fr": "Bonjour {{customer_name}}, {{amount}} était dû le {{due_date}}, il y a {{days_overdue}} jours.",
    "it": "Ciao {{customer_name}}, {{amount}} scadeva il {{due_date}}, {{days_overdue}} giorni fa.",
}
# (debtor's locale, phone, time zone, invoice currency) -> (variant picked, the message the debtor reads).
# \xa0 is a no-break space, \u202f a narrow one, \u2019 Switzerland's apostrophe: exactly what Babel writes.
EXPECTED = {
    ("es_MX", "+525512345678", "America/Mexico_City", "MXN"): (
        "es",
        "Hola Ana, $9,500.00 venció el 10 de julio de 2023, hace 1,234 días.",
    ),
    ("es_AR", "+5491123456789", "America/Argentina/Buenos_Aires", "ARS"): (
        "es",
        "Hola Ana, $9.500,00 venció el 10 de julio de 2023, hace 1.234 días.",
    ),
    ("es_CO", "+573001234567", "America/Bogota", "COP"): (
        "es",
        "Hola Ana, $9.500,00 venció el 10 de julio de 2023, hace 1.234 días.",
    ),
    ("pt_PT", "+351912345678", "Europe/Lisbon", "EUR"): (
        "pt_BR",
        "Olá Ana, 9\xa0500,00\xa0€ venceu em 10 de julho de 2023, há 1\xa0234 dias.",
    ),
    ("pt_BR", "+5511987654321", "America/Sao_Paulo", "BRL"): (
        "pt_BR",
        "Olá Ana, R$\xa09.500,00 venceu em 10 de julho de 2023, há 1.234 dias.",
    ),
    ("fr_CA", "+15145551234", "America/Toronto", "CAD"): (
        "fr",
        "Bonjour Ana, 9\xa0500,00\xa0$ était dû le 10 juillet 2023, il y a 1\xa0234 jours.",
    ),
    ("fr_BE", "+32470123456", "Europe/Brussels", "EUR"): (
        "fr",
        "Bonjour Ana, 9\u202f500,00\xa0€ était dû le 10 juillet 2023, il y a 1\u202f234 jours.",
    ),
    ("it_CH", "+41781234567", "Europe/Zurich", "CHF"): (
        "it",
        "Ciao Ana, CHF\xa09\u2019500.00 scadeva il 10 luglio 2023, 1\u2019234 giorni fa.",
    ),
    ("en_GB", "+447400123456", "Europe/London", "GBP"): (
        "en",
        "Hi Ana, £9,500.00 was due on 10 July 2023, 1,234 days ago.",
    ),
    ("en_US", "+12015550123", "America/New_York", "USD"): (
        "en",
        "Hi Ana, $9,500.00 was due on July 10, 2023, 1,234 days ago.",
    ),
}


def _template_in_five_languages(session: Session, org_id: int) -> Template:
    template = Template(org_id=org_id, key="overdue_locales", name="Overdue", purpose="overdue_90_plus")
    session.add(template)
    session.flush()
    for language, body in BODIES.items():
        session.add(
            TemplateVariant(
                org_id=org_id, template_id=template.id or 0, language=language, body=body, status="approved"
            )
        )
    return template


def _one_step_cadence(session: Session, org_id: int, template_id: int) -> int:
    cadence = Cadence(org_id=org_id, name="Late", weekdays=list(range(7)), skip_holidays=False, weekly_cap=0)
    session.add(cadence)
    session.flush()
    session.add(
        CadenceStep(
            org_id=org_id, cadence_id=cadence.id or 0, position=0, offset_days=OVERDUE_DAYS, template_id=template_id
        )
    )
    return cadence.id or 0


def test_each_debtor_reads_amounts_dates_and_numbers_in_their_own_locale(session: Session, database_url: str) -> None:
    _, ctx = sign_up(session)
    template = _template_in_five_languages(session, ctx.org_id)
    cadence_id = _one_step_cadence(session, ctx.org_id, template.id or 0)
    due = STEP_ON - timedelta(days=OVERDUE_DAYS)
    invoice_of: dict[str, int] = {}
    for locale, phone, zone, currency in EXPECTED:
        debtor = debtors.create_debtor(
            session,
            ctx,
            debtors.DebtorInput(name="Ana", phone=phone, locale=locale, timezone=zone, opt_in_source="manual"),
        )
        invoice = invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(
                debtor_id=debtor.id or 0, number=f"INV-{locale}", amount_minor=950_000, currency=currency, due_on=due
            ),
        )
        invoice_of[locale] = invoice.id or 0
    campaigns.create_campaign(
        session, ctx, name="Late", cadence_id=cadence_id, invoice_ids=list(invoice_of.values()), now=NOW
    )
    session.commit()
    planner.plan_all(session, now=NOW)
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    quiet = Behaviour(failure_rate=0, delivered_rate=1, read_rate=1, reply_rate=0)
    state = SimulatorState(behaviour=quiet, sandbox_secret=settings.simulator_secret)
    number = state.number(account.phone_number_id)
    assert number is not None
    for language, body in BODIES.items():
        state.add_template(number.waba_id, template.key, language, body)

    assert send_all(database_url, state, wall=lambda: WALL).stats.sent == len(EXPECTED)

    sent_to = {request["to"]: request["template"] for request in state.sent}
    session.expire_all()
    for (locale, phone, _, _), (variant, text) in EXPECTED.items():
        debtor = session.exec(select(Debtor).where(Debtor.phone == phone)).one()
        assert debtor.locale == locale
        message = session.exec(select(Message).where(Message.debtor_id == debtor.id)).one()
        assert (message.language, message.text) == (variant, text), locale
        request = sent_to[phone.removeprefix("+")]
        assert request["language"]["code"] == variant, "Meta is asked for the variant the chain picked"
        parameters = {p["parameter_name"]: p["text"] for p in request["components"][0]["parameters"]}
        assert f"{parameters['amount']} " in text, "the parameters Meta fills in are the same strings"
        # The Inbox shows the conversation as the debtor read it.
        thread = inbox.thread(session, ctx, debtor.id or 0, now=WALL)
        assert [entry.text for entry in thread.entries] == [text]
