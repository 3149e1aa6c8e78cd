"""Send windows skip the public holidays of the debtor's country, in five of our markets."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from saas_app.models import Cadence, Debtor
from saas_app.services import cadences
from tests.factories import debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

# country, a mobile number there, its zone, a national holiday on a weekday, the next working day
MARKETS = [
    ("BR", "+5511987654321", "America/Sao_Paulo", date(2026, 11, 2), date(2026, 11, 3)),  # Finados
    ("IT", "+393471234567", "Europe/Rome", date(2026, 12, 8), date(2026, 12, 9)),  # Immacolata
    ("FR", "+33612345678", "Europe/Paris", date(2026, 11, 11), date(2026, 11, 12)),  # Armistice
    ("ES", "+34612345678", "Europe/Madrid", date(2026, 12, 8), date(2026, 12, 9)),  # Inmaculada Concepción
    ("MX", "+525512345678", "America/Mexico_City", date(2026, 11, 16), date(2026, 11, 17)),  # Revolución
]


@pytest.mark.parametrize(("country", "phone", "zone", "holiday", "next_day"), MARKETS)
def test_a_reminder_due_on_a_public_holiday_waits_for_the_next_working_day(
    session: Session, country: str, phone: str, zone: str, holiday: date, next_day: date
) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    session.execute(update(Cadence).where(col(Cadence.id) == cadence_id).values(weekdays=[0, 1, 2, 3, 4]))
    debtor_id, invoice_id = debtor_with_invoice(session, ctx, phone=phone, number="H-1", due=holiday, zone=zone)
    assert session.get(Debtor, debtor_id).country == country  # type: ignore[union-attr]

    session.execute(update(Cadence).where(col(Cadence.id) == cadence_id).values(skip_holidays=True))
    session.commit()
    [step] = cadences.dry_run(session, ctx, cadence_id, invoice_id, NOW)
    assert step.local is not None
    assert (step.local.date(), step.local.hour) == (next_day, 9)

    session.execute(update(Cadence).where(col(Cadence.id) == cadence_id).values(skip_holidays=False))
    session.commit()
    [step] = cadences.dry_run(session, ctx, cadence_id, invoice_id, NOW)
    assert step.local is not None
    assert step.local.date() == holiday  # the cadence chose to send on holidays
